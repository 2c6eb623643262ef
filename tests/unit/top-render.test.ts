import { renderTop } from '../../tooling/top/render.ts';
import { topHashtagsResponse } from '../../tooling/top/response.ts';

// The example of GET /top-hashtags in openapi/openapi.yaml.
const sample = topHashtagsResponse.parse({
  topic: 'tweets_topic',
  view: 'tumbling',
  windowStart: '2026-01-17T10:30:00.000Z',
  windowEnd: '2026-01-17T10:31:00.000Z',
  complete: false,
  watermark: '2026-01-17T10:29:42.250Z',
  hashtags: [
    { rank: 1, hashtag: '#Spark', count: 412 },
    { rank: 2, hashtag: '#Kafka', count: 398 },
    { rank: 3, hashtag: '#ISS', count: 120 },
  ],
  totals: { hashtags: 27, count: 2211 },
  stats: { accepted: 182340, late: 312, duplicate: 1200, rejected: 4 },
});

describe('npm run top', () => {
  it('draws the window, the watermark and a table of rank, hashtag, count and share', () => {
    const screen = renderTop(sample, new Date('2026-01-17T10:30:20Z'));
    const rows = screen.split('\n');

    expect(rows[0]).toBe('tweets_topic · tumbling window 10:30:00–10:31:00 UTC (open)');
    expect(rows[1]).toBe('watermark 10:29:42 UTC · 2,211 hashtags counted, 27 distinct · at 10:30:20 UTC');
    expect(screen).toMatch(/│ +1 │ #Spark +│ +412 │ +18\.6 % │/);
    expect(screen).toMatch(/│ +3 │ #ISS +│ +120 │ +5\.4 % │/);
    expect(rows.filter((r) => r.includes('#'))).toHaveLength(4);
  });

  it('says so when the window has no hashtags yet', () => {
    const screen = renderTop(
      { ...sample, hashtags: [], watermark: null, totals: { hashtags: 0, count: 0 } },
      new Date(),
    );

    expect(screen).toContain('watermark none yet');
    expect(screen).toContain('no hashtags in this window yet');
  });
});
