/**
 * GET /top-hashtags and GET /top-hashtags/history through the real handler (middy chain
 * included), with counts written to the real Redis by the counter's own atomic step.
 */
import type { WindowSettings } from '#state/windows/index.ts';
import { type ApiUnderTest, call, countRecords, createTestApi, testSettings } from '../support/http-api.ts';
import { openApiValidator } from '../support/openapi.ts';
import { useTestRedis } from '../support/redis-clients.ts';

interface TopBody {
  topic: string;
  view: string;
  windowStart: string;
  windowEnd: string;
  complete: boolean;
  watermark: string | null;
  hashtags: Array<{ rank: number; hashtag: string; count: number }>;
  totals: { hashtags: number; count: number };
  stats: { accepted: number; late: number; duplicate: number; rejected: number };
}

const matchesSpec = openApiValidator();
const prefixes: string[] = [];
const redis = useTestRedis(() => prefixes);

/** A fresh API on its own prefix. */
function freshApi(overrides: Partial<WindowSettings> = {}, now?: () => number): ApiUnderTest {
  const settings = testSettings(overrides);
  prefixes.push(settings.keyPrefix);
  return createTestApi(redis(), settings, now ? { now } : {});
}

const MINUTE = 60_000;
/** The start of the minute before the current one: a window that is certainly over in wall time. */
const minuteStart = (offsetMinutes: number) =>
  Math.floor(Date.now() / MINUTE) * MINUTE + offsetMinutes * MINUTE;

async function getTop(api: ApiUnderTest, query = '') {
  const answer = await call(api, `/top-hashtags${query}`);
  expect(matchesSpec('/top-hashtags', answer)).toEqual([]);
  return { ...answer, top: answer.json as TopBody };
}

describe('GET /top-hashtags', () => {
  it('lists the current window’s hashtags by count, highest first, with totals and statistics', async () => {
    const api = freshApi();
    const minute = minuteStart(0);
    const t = minute + 5_000;
    await countRecords(redis(), api.settings, api.topic, [
      ['#Kafka', t, 3],
      ['#Spark', t + 1_000, 5],
      ['#ISS', t + 2_000, 1],
    ]);

    const { status, top } = await getTop(api);

    expect(status).toBe(200);
    expect(top.view).toBe('tumbling');
    // The current window is the newest record's (event time), even if the wall clock moved on.
    expect(top.windowStart).toBe(new Date(minute).toISOString());
    expect(top.windowEnd).toBe(new Date(minute + MINUTE).toISOString());
    expect(top.hashtags).toEqual([
      { rank: 1, hashtag: '#Spark', count: 5 },
      { rank: 2, hashtag: '#Kafka', count: 3 },
      { rank: 3, hashtag: '#ISS', count: 1 },
    ]);
    expect(top.totals).toEqual({ hashtags: 3, count: 9 });
    expect(top.stats).toEqual({ accepted: 9, late: 0, duplicate: 0, rejected: 0 });
    expect(top.complete).toBe(false);
    // Watermark = newest event time - 60 s of allowed lateness.
    expect(top.watermark).toBe(new Date(t + 2_000 - 60_000).toISOString());
  });

  it('lists at most `limit` hashtags while the totals still cover the whole window', async () => {
    const api = freshApi();
    const t = minuteStart(0) + 1_000;
    await countRecords(
      redis(),
      api.settings,
      api.topic,
      Array.from({ length: 15 }, (_, i) => [`#tag${String(i).padStart(2, '0')}`, t, i + 1] as const),
    );

    const { top } = await getTop(api, '?limit=3');

    expect(top.hashtags.map((h) => [h.hashtag, h.count])).toEqual([
      ['#tag14', 15],
      ['#tag13', 14],
      ['#tag12', 13],
    ]);
    expect(top.totals).toEqual({ hashtags: 15, count: 120 });
    expect((await getTop(api)).top.hashtags).toHaveLength(10);
    expect((await getTop(api, '?limit=100')).top.hashtags).toHaveLength(15);
  });

  it('orders hashtags with equal counts by their case-folded spelling, the same on every request', async () => {
    const api = freshApi();
    const t = minuteStart(0) + 1_000;
    await countRecords(redis(), api.settings, api.topic, [
      ['#Zeta', t, 2],
      ['#alpha', t, 2],
      ['#Mu', t, 2],
      ['#Beta', t, 2],
      ['#top', t, 3],
    ]);

    const first = await getTop(api, '?limit=3');
    const again = await getTop(api, '?limit=3');

    expect(first.top.hashtags).toEqual([
      { rank: 1, hashtag: '#top', count: 3 },
      { rank: 2, hashtag: '#alpha', count: 2 },
      { rank: 3, hashtag: '#Beta', count: 2 },
    ]);
    expect(again.body).toBe(first.body);
  });

  it('answers a window with no counts with an empty list, zero totals and no watermark', async () => {
    const api = freshApi();

    const { status, top } = await getTop(api, '?view=sliding');

    expect(status).toBe(200);
    expect(top.hashtags).toEqual([]);
    expect(top.totals).toEqual({ hashtags: 0, count: 0 });
    expect(top.watermark).toBeNull();
    expect(top.complete).toBe(false);
    expect(top.stats).toEqual({ accepted: 0, late: 0, duplicate: 0, rejected: 0 });
  });

  it('reads a past window given as ISO 8601 or as epoch seconds, and marks it complete', async () => {
    const api = freshApi();
    const past = minuteStart(-5);
    await countRecords(redis(), api.settings, api.topic, [
      ['#Past', past + 10_000, 4],
      ['#Older', past + 20_000, 2],
    ]);
    await countRecords(redis(), api.settings, api.topic, [['#Now', minuteStart(0) + 1_000, 7]]);

    const byIso = await getTop(api, `?at=${encodeURIComponent(new Date(past + 30_000).toISOString())}`);
    const bySeconds = await getTop(api, `?at=${(past + 30_000) / 1000}`);
    const current = await getTop(api);

    expect(byIso.top.windowStart).toBe(new Date(past).toISOString());
    expect(byIso.top.hashtags).toEqual([
      { rank: 1, hashtag: '#Past', count: 4 },
      { rank: 2, hashtag: '#Older', count: 2 },
    ]);
    expect(byIso.top.complete).toBe(true);
    expect(bySeconds.body).toBe(byIso.body);
    expect(current.top.hashtags).toEqual([{ rank: 1, hashtag: '#Now', count: 7 }]);
    expect(current.top.complete).toBe(false);
  });

  it('accepts an ISO 8601 instant with a zone offset and fractional seconds', async () => {
    const api = freshApi();
    const past = minuteStart(-2);
    await countRecords(redis(), api.settings, api.topic, [['#Offset', past + 1_000, 1]]);
    const local = new Date(past + 30_500 + 2 * 3_600_000).toISOString().replace('Z', '+02:00');

    const { status, top } = await getTop(api, `?at=${encodeURIComponent(local)}`);

    expect(status).toBe(200);
    expect(top.windowStart).toBe(new Date(past).toISOString());
    expect(top.hashtags).toEqual([{ rank: 1, hashtag: '#Offset', count: 1 }]);
  });

  it('serves the sliding view: the last 60 s up to the end of the current 10 s bucket', async () => {
    const api = freshApi();
    // Anchor well inside a bucket, so the view is [bucketEnd - 60 s, bucketEnd).
    const bucketEnd = Math.floor(Date.now() / 10_000) * 10_000;
    const newest = bucketEnd - 1_000;
    await countRecords(redis(), api.settings, api.topic, [
      ['#Inside', bucketEnd - 55_000, 2], // in the view
      ['#Inside', newest, 1],
      ['#Outside', bucketEnd - 65_000, 5], // slid out of the view
    ]);

    const { top } = await getTop(api, '?view=sliding');

    expect(top.view).toBe('sliding');
    expect(top.windowEnd).toBe(new Date(bucketEnd).toISOString());
    expect(top.windowStart).toBe(new Date(bucketEnd - 60_000).toISOString());
    expect(top.hashtags).toEqual([{ rank: 1, hashtag: '#Inside', count: 3 }]);
    expect(top.totals).toEqual({ hashtags: 1, count: 3 });
  });

  it('counts records behind the watermark as late, not into their window', async () => {
    const api = freshApi();
    const t = minuteStart(0) + 1_000;
    await countRecords(redis(), api.settings, api.topic, [['#OnTime', t, 2]]);
    // Two minutes older than the newest record: its window ended before the watermark.
    const { late } = await countRecords(redis(), api.settings, api.topic, [['#TooLate', t - 2 * MINUTE, 3]]);

    const { top } = await getTop(api);
    const past = await getTop(api, `?at=${(t - 2 * MINUTE) / 1000}`);

    expect(late).toBe(3);
    expect(top.stats).toEqual({ accepted: 2, late: 3, duplicate: 0, rejected: 0 });
    expect(past.top.hashtags).toEqual([]);
  });

  it('reads a window whose state has expired by TTL as empty', async () => {
    // 1 s windows kept 1 s past the watermark: the keys live about 1.5 s.
    const api = freshApi({
      windowSeconds: 1,
      slideSeconds: 1,
      allowedLatenessSeconds: 0,
      retentionSeconds: 1,
    });
    const start = Math.floor(Date.now() / 1000) * 1000;
    await countRecords(redis(), api.settings, api.topic, [['#Brief', start + 500, 2]]);

    const before = await getTop(api);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const after = await getTop(api);

    expect(before.top.hashtags).toEqual([{ rank: 1, hashtag: '#Brief', count: 2 }]);
    expect(after.top.windowStart).toBe(before.top.windowStart);
    expect(after.top.hashtags).toEqual([]);
    expect(after.top.totals).toEqual({ hashtags: 0, count: 0 });
  });

  it('answers 304 to the current ETag and 200 with a new ETag once the counts change', async () => {
    const api = freshApi();
    const t = minuteStart(0) + 1_000;
    await countRecords(redis(), api.settings, api.topic, [['#Cached', t, 1]]);
    const first = await getTop(api);
    const etag = first.headers.etag ?? '';

    const unchanged = await call(api, '/top-hashtags', { headers: { 'If-None-Match': etag } });
    const weak = await call(api, '/top-hashtags', { headers: { 'If-None-Match': `"other", W/${etag}` } });
    await countRecords(redis(), api.settings, api.topic, [['#Cached', t, 1]]);
    const changed = await call(api, '/top-hashtags', { headers: { 'If-None-Match': etag } });

    expect(etag).toMatch(/^"[\w-]+"$/);
    expect(unchanged.status).toBe(304);
    expect(unchanged.body).toBe('');
    expect(unchanged.headers.etag).toBe(etag);
    expect(matchesSpec('/top-hashtags', unchanged)).toEqual([]);
    expect(weak.status).toBe(304);
    expect(changed.status).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
    expect((changed.json as TopBody).hashtags).toEqual([{ rank: 1, hashtag: '#Cached', count: 2 }]);
  });

  it('lets caches keep an answer until the next 10 s slide boundary at most', async () => {
    const at = (ms: number) => freshApi({}, () => ms);
    const boundary = Math.floor(Date.now() / 10_000) * 10_000;

    const early = await call(at(boundary + 500), '/top-hashtags');
    const late = await call(at(boundary + 9_700), '/top-hashtags');

    expect(early.headers['cache-control']).toBe('public, max-age=10');
    expect(late.headers['cache-control']).toBe('public, max-age=1');
  });
});

describe('GET /top-hashtags/history', () => {
  it('gives the total of each of the last windows, newest last, zero where nothing was counted', async () => {
    const api = freshApi();
    const minute = minuteStart(0);
    const at = (m: number) => minute + m * MINUTE;
    await countRecords(redis(), api.settings, api.topic, [
      ['#a', at(-3) + 1_000, 4],
      ['#b', at(-1) + 1_000, 2],
      ['#a', at(0) + 1_000, 5],
    ]);

    const answer = await call(api, '/top-hashtags/history?windows=4');

    expect(answer.status).toBe(200);
    expect(matchesSpec('/top-hashtags/history', answer)).toEqual([]);
    expect(answer.json).toEqual({
      topic: 'tweets_topic',
      windowSeconds: 60,
      windows: [-3, -2, -1, 0].map((m, i) => ({
        windowStart: new Date(at(m)).toISOString(),
        windowEnd: new Date(at(m + 1)).toISOString(),
        total: [4, 0, 2, 5][i],
      })),
    });
  });

  it('gives 15 windows by default', async () => {
    const api = freshApi();
    const answer = await call(api, '/top-hashtags/history');
    expect((answer.json as { windows: unknown[] }).windows).toHaveLength(15);
  });
});
