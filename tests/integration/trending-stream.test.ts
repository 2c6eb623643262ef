/**
 * Issue 13's specification of `view=trending` and `span`: a deterministic stream (exact counts, no
 * randomness) counted into the real Redis through the counter's own atomic step, minute by minute
 * in event-time order with past timestamps, then read through the real handler.
 *
 * 40 tags at round(300 / rank) a minute for 20 minutes; then the rank-30 tag at 4x its own count
 * for 3 minutes; in the burst's second minute a brand-new tag with 3 mentions; then 2 steady
 * minutes, so that the burst's minutes are complete.
 */

import { loadConfig } from '#lib/config.ts';
import { createRedis, type RedisClient } from '#lib/redis.ts';
import { type ApiUnderTest, call, countRecords, createTestApi, testSettings } from '../support/http-api.ts';
import { openApiValidator } from '../support/openapi.ts';
import { REDIS_URL } from '../support/services.ts';

interface Entry {
  rank: number;
  hashtag: string;
  count: number;
  baseline?: number;
  score?: number;
  recent?: number[];
}
interface TopBody {
  view: string;
  spanSeconds: number;
  windowStart: string;
  windowEnd: string;
  complete: boolean;
  hashtags: Entry[];
  totals: { hashtags: number; count: number };
  baseline?: { windowStart: string; windowEnd: string; spans: number; spansWithData: number };
}
interface Problem {
  status: number;
  detail: string;
  errors: Array<{ parameter: string; value?: string; problem: string }>;
}

const MINUTE = 60_000;
const STEADY_MINUTES = 20;
const BURST_MINUTES = 3;
const MINUTES = STEADY_MINUTES + BURST_MINUTES + 2;
/** Watermark = newest event time (minute 24 + 30 s) - 60 s: minute 22 is the latest complete one. */
const LAST_COMPLETE = MINUTES - 3;
const BURST_TAG = '#tag30';
const NEW_TAG = '#brandnew';
/** Minute index -> hashtag -> count: the raw per-minute counts the stream is made of. */
const perMinute: Array<Map<string, number>> = [];
for (let m = 0; m < MINUTES; m += 1) {
  const counts = new Map<string, number>();
  for (let rank = 1; rank <= 40; rank += 1) counts.set(`#tag${rank}`, Math.round(300 / rank));
  const burst = m >= STEADY_MINUTES && m < STEADY_MINUTES + BURST_MINUTES;
  if (burst) counts.set(BURST_TAG, 4 * Math.round(300 / 30));
  if (m === STEADY_MINUTES + 1) counts.set(NEW_TAG, 3);
  perMinute.push(counts);
}

// The scoring as docs/trending.md states it, written again here from the text, not imported.
const ALPHA = 0.3;
const PRIOR = 5;
const MIN_COUNT = 10;
const MIN_SCORE = 3;
const RETAINED_WINDOWS = 60;

/** Sum of the minutes [from, to) (indices outside the stream count nothing); null when no minute has data. */
function spanCounts(from: number, to: number): Map<string, number> | null {
  const sum = new Map<string, number>();
  let any = false;
  for (let m = from; m < to; m += 1) {
    const counts = perMinute[m];
    if (!counts) continue;
    any = true;
    for (const [tag, n] of counts) sum.set(tag, (sum.get(tag) ?? 0) + n);
  }
  return any ? sum : null;
}

/** Reference trending list for the span of `spanMinutes` ending with minute `last` (inclusive). */
function referenceTrending(last: number, spanMinutes: number) {
  const spans = Math.min(15, Math.floor(RETAINED_WINDOWS / spanMinutes) - 1);
  const end = last + 1;
  const current = spanCounts(end - spanMinutes, end) ?? new Map<string, number>();
  const baselines: Array<Map<string, number> | null> = [];
  for (let k = 1; k <= spans; k += 1)
    baselines.push(spanCounts(end - (k + 1) * spanMinutes, end - k * spanMinutes));
  let weightSum = 0;
  baselines.forEach((b, k) => {
    if (b) weightSum += (1 - ALPHA) ** k;
  });
  if (weightSum === 0) return [];
  const rows: Array<{ hashtag: string; count: number; baseline: number; score: number }> = [];
  for (const [hashtag, count] of current) {
    let expected = 0;
    baselines.forEach((b, k) => {
      if (b) expected += ((1 - ALPHA) ** k / weightSum) * (b.get(hashtag) ?? 0);
    });
    const score = (count - expected) / Math.sqrt(expected + PRIOR);
    if (count >= MIN_COUNT && score >= MIN_SCORE) rows.push({ hashtag, count, baseline: expected, score });
  }
  return rows.sort((a, b) => b.score - a.score || b.count - a.count || (a.hashtag < b.hashtag ? -1 : 1));
}

const matchesSpec = openApiValidator();
let redis: RedisClient;
let api: ApiUnderTest;
/** Start of minute 0 of the stream: far enough back that every minute of it is over. */
const t0 = Math.floor(Date.now() / MINUTE) * MINUTE - (MINUTES + 1) * MINUTE;
const minuteAt = (m: number) => t0 + m * MINUTE;
/** An instant inside minute `m`, as epoch seconds for `at`. */
const atMinute = (m: number) => (minuteAt(m) + 45_000) / 1000;

beforeAll(async () => {
  redis = createRedis(loadConfig({ REDIS_URL: REDIS_URL }));
  await redis.connect();
  api = createTestApi(redis, testSettings());
  // One step per minute, in event-time order, every record in the middle of its minute.
  for (const [m, counts] of perMinute.entries()) {
    await countRecords(
      redis,
      api.settings,
      api.topic,
      [...counts].map(([tag, n]) => [tag, minuteAt(m) + 30_000, n] as const),
    );
  }
}, 60_000);

afterAll(async () => {
  const keys = await redis.keys(`${api.settings.keyPrefix}:*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
});

async function getTop(query: string): Promise<TopBody> {
  const answer = await call(api, `/top-hashtags?${query}`);
  expect(matchesSpec('/top-hashtags', answer)).toEqual([]);
  expect(answer.status).toBe(200);
  return answer.json as TopBody;
}

async function getProblem(target: ApiUnderTest, query: string): Promise<Problem> {
  const answer = await call(target, `/top-hashtags?${query}`);
  expect(matchesSpec('/top-hashtags', answer)).toEqual([]);
  expect(answer.status).toBe(400);
  return answer.json as Problem;
}

describe('view=trending on a deterministic stream', () => {
  it('lists the burst tag first at the burst’s first complete minute, where the count ranks it 8th', async () => {
    const trending = await getTop(`view=trending&span=1m&at=${atMinute(STEADY_MINUTES)}`);
    const tumbling = await getTop(`view=tumbling&span=1m&at=${atMinute(STEADY_MINUTES)}`);

    expect(trending.windowStart).toBe(new Date(minuteAt(STEADY_MINUTES)).toISOString());
    expect(trending.complete).toBe(true);
    expect(trending.hashtags[0]).toMatchObject({ rank: 1, hashtag: BURST_TAG, count: 40, baseline: 10 });
    expect(trending.hashtags[0]?.recent).toEqual([...Array(14).fill(10), 40]);
    expect(trending.baseline).toMatchObject({ spans: 15, spansWithData: 15 });
    const rank = tumbling.hashtags.findIndex((h) => h.hashtag === BURST_TAG) + 1;
    expect(rank).toBeGreaterThanOrEqual(6);
    expect(rank).toBe(8);
  });

  it('lists nothing at any steady minute: no tag passes the threshold', async () => {
    for (let m = 0; m < STEADY_MINUTES; m += 1) {
      const body = await getTop(`view=trending&span=1m&limit=100&at=${atMinute(m)}`);
      expect({ minute: m, hashtags: body.hashtags }).toEqual({ minute: m, hashtags: [] });
    }
  });

  it('never lists the brand-new tag with 3 mentions, at any minute or span', async () => {
    for (const span of ['1m', '5m', '15m']) {
      for (let m = STEADY_MINUTES; m < MINUTES; m += 1) {
        const body = await getTop(`view=trending&span=${span}&limit=100&at=${atMinute(m)}`);
        expect(body.hashtags.map((h) => h.hashtag)).not.toContain(NEW_TAG);
      }
    }
  });

  it('agrees with an independent computation from the raw per-minute counts to 1e-9, for every minute and span', async () => {
    let compared = 0;
    for (const [span, minutes] of [
      ['1m', 1],
      ['5m', 5],
      ['15m', 15],
    ] as const) {
      for (let m = 0; m < MINUTES; m += 1) {
        const body = await getTop(`view=trending&span=${span}&limit=100&at=${atMinute(m)}`);
        // An open minute is not scored: the span ends at the latest complete one.
        const expected = referenceTrending(Math.min(m, LAST_COMPLETE), minutes);
        expect(body.hashtags.map((h) => h.hashtag)).toEqual(expected.map((r) => r.hashtag));
        body.hashtags.forEach((h, i) => {
          const r = expected[i];
          expect(h.count).toBe(r?.count);
          expect(Math.abs((h.baseline ?? Number.NaN) - (r?.baseline ?? 0))).toBeLessThan(1e-9);
          expect(Math.abs((h.score ?? Number.NaN) - (r?.score ?? 0))).toBeLessThan(1e-9);
          compared += 1;
        });
      }
    }
    // The comparison is not vacuous: the burst is listed at several minutes and spans.
    expect(compared).toBeGreaterThanOrEqual(5);
  });

  it('scores the latest complete span when asked for now, while the current window is still open', async () => {
    const now = await getTop('view=trending&span=1m');
    expect(now.windowStart).toBe(new Date(minuteAt(LAST_COMPLETE)).toISOString());
    expect(now.complete).toBe(true);
  });
});

describe('span', () => {
  it('sums exactly the per-minute windows it merges, in the tumbling and the sliding view', async () => {
    const last = STEADY_MINUTES + 2;
    const expected = spanCounts(last - 4, last + 1) ?? new Map<string, number>();
    const records = [...expected.values()].reduce((a, b) => a + b, 0);

    const tumbling = await getTop(`view=tumbling&span=5m&limit=100&at=${atMinute(last)}`);
    // Every record sits at second 30 of its minute: the 5 min ending at the slide after second 45
    // hold the same five minutes.
    const sliding = await getTop(`view=sliding&span=5m&limit=100&at=${atMinute(last)}`);

    for (const body of [tumbling, sliding]) {
      expect(body.spanSeconds).toBe(300);
      expect(new Map(body.hashtags.map((h) => [h.hashtag, h.count]))).toEqual(expected);
      expect(body.totals).toEqual({ hashtags: expected.size, count: records });
    }
    expect(tumbling.windowStart).toBe(new Date(minuteAt(last - 4)).toISOString());
    expect(tumbling.windowEnd).toBe(new Date(minuteAt(last + 1)).toISOString());
    // And one minute of the span alone is that minute's window.
    const minute = await getTop(`view=tumbling&limit=100&at=${atMinute(last)}`);
    expect(new Map(minute.hashtags.map((h) => [h.hashtag, h.count]))).toEqual(perMinute[last]);
  });

  it('refuses a trending span whose baseline the retention cannot hold, naming span and the retention', async () => {
    const problem = await getProblem(api, 'view=trending&span=60m');
    expect(problem.errors).toEqual([
      expect.objectContaining({
        parameter: 'span',
        value: '60m',
        problem: expect.stringContaining('RETENTION_SECONDS=3600'),
      }),
    ]);
    expect(problem.detail).toContain('180 min of history');
  });

  it('refuses a span longer than the retention, and an `at` whose span reaches past it', async () => {
    const short = createTestApi(redis, { ...api.settings, retentionSeconds: 1800 });
    const tooLong = await getProblem(short, 'view=tumbling&span=60m');
    expect(tooLong.errors.map((e) => e.parameter)).toEqual(['span']);
    expect(tooLong.detail).toContain('the retention keeps 30 min');

    const old = Math.floor(Date.now() / 1000) - 3600 + 300;
    const tooOld = await getProblem(api, `view=tumbling&span=15m&at=${old}`);
    expect(tooOld.errors.map((e) => e.parameter)).toEqual(['at']);
  });

  it('refuses an unknown view or span, naming each', async () => {
    const problem = await getProblem(api, 'view=rising&span=2m');
    expect(problem.errors.map((e) => [e.parameter, e.value])).toEqual([
      ['view', 'rising'],
      ['span', '2m'],
    ]);
  });
});
