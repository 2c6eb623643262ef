/**
 * `npm run top`'s screen, from one GET /top-hashtags response: the window's bounds, whether it is
 * complete, the watermark, and a table of rank, hashtag, count and share of the window's total
 * (the Spark job's console sink, as a table). Pure: the unit test renders a sample response.
 */
import Table from 'cli-table3';
import type { TopHashtagsResponse } from './response.ts';

const number = new Intl.NumberFormat('en-US');

/** `2026-01-17T10:30:00.000Z` → `10:30:00` (UTC, as the API gives it). */
function clock(iso: string): string {
  return iso.slice(11, 19);
}

export function renderTop(top: TopHashtagsResponse, fetchedAt: Date): string {
  const trending = top.view === 'trending';
  const table = new Table({
    head: trending ? ['#', 'hashtag', 'count', 'baseline', 'score'] : ['#', 'hashtag', 'count', 'share'],
    colAligns: trending ? ['right', 'left', 'right', 'right', 'right'] : ['right', 'left', 'right', 'right'],
    // No colours: the same text in a terminal, a pipe and a test.
    style: { head: [], border: [] },
  });
  for (const h of top.hashtags) {
    const share = top.totals.count > 0 ? `${((100 * h.count) / top.totals.count).toFixed(1)} %` : '-';
    table.push(
      trending
        ? [
            String(h.rank),
            h.hashtag,
            number.format(h.count),
            (h.baseline ?? 0).toFixed(1),
            (h.score ?? 0).toFixed(1),
          ]
        : [String(h.rank), h.hashtag, number.format(h.count), share],
    );
  }
  const header = [
    `${top.topic} · ${top.view} window ${clock(top.windowStart)}–${clock(top.windowEnd)} UTC ${top.complete ? '(complete)' : '(open)'}`,
    `watermark ${top.watermark ? `${clock(top.watermark)} UTC` : 'none yet'} · ${number.format(top.totals.count)} hashtags counted, ${number.format(top.totals.hashtags)} distinct · at ${clock(fetchedAt.toISOString())} UTC`,
  ];
  const empty = trending
    ? 'nothing rising above its baseline in this span'
    : 'no hashtags in this window yet';
  const body = top.hashtags.length > 0 ? table.toString() : empty;
  return `${header.join('\n')}\n${body}`;
}
