/**
 * The trending view: hashtags ranked by how far their count over a span rises above their own
 * baseline, an exponentially weighted mean of the spans before it. Read-only, merged at read time
 * from the per-window sorted sets (docs/trending.md has the formula and why).
 *
 * Like with like: the scored span is made of complete windows only (it ends at the latest window
 * the watermark has closed, or at the window of `at` when that one is complete), and so are the
 * baseline spans before it. A baseline span in which the topic counted nothing at all (the
 * pipeline was not running, or the state has expired) is missing data, not a zero: it is left out.
 */
import type { RedisClient } from '../redis-client.ts';
import { TopicKeys } from './keys.ts';
import { compareCodePoints, readDisplayForms, readTopicClock } from './read.ts';
import { assertSpan, pairs, windowStarts } from './spans.ts';
import { alignDown, assertWindowSettings, type WindowSettings, windowStartOf } from './windows.ts';

/** The scoring's parameters (docs/trending.md, openapi/openapi.yaml state the same defaults). */
export interface TrendingParameters {
  /** EWMA smoothing: baseline span k back (k = 1 the newest) weighs (1 - alpha)^(k - 1). */
  readonly alpha: number;
  /** Prior added to the baseline in the variance: a tag never seen needs count >= minScore * sqrt(prior). */
  readonly prior: number;
  /** A tag is listed only with at least this count in the scored span. */
  readonly minCount: number;
  /** ... and a score of at least this. */
  readonly minScore: number;
  /** At most this many baseline spans (fewer when the retention holds fewer). */
  readonly maxBaselineSpans: number;
  /** A span is offered only when the retention holds at least this many baseline spans before it. */
  readonly minBaselineSpans: number;
}

export const TRENDING_DEFAULTS: TrendingParameters = Object.freeze({
  alpha: 0.3,
  prior: 5,
  minCount: 10,
  minScore: 3,
  maxBaselineSpans: 15,
  minBaselineSpans: 2,
});

/** Windows in each tag's sparkline (`recent`): the last 15 tumbling windows up to the scored span's end. */
export const RECENT_WINDOWS = 15;

/**
 * How many baseline spans a span of `spanSeconds` gets: as many of the previous spans as the
 * retention keeps beside the span itself, at most `maxBaselineSpans`; 0 when fewer than
 * `minBaselineSpans` fit (the span is then not offered for trending).
 */
export function baselineSpansFor(
  settings: Pick<WindowSettings, 'windowSeconds' | 'retentionSeconds'>,
  spanSeconds: number,
  parameters: TrendingParameters = TRENDING_DEFAULTS,
): number {
  const spanWindows = spanSeconds / settings.windowSeconds;
  const retainedWindows = Math.floor(settings.retentionSeconds / settings.windowSeconds);
  const fit = Math.min(parameters.maxBaselineSpans, Math.floor(retainedWindows / spanWindows) - 1);
  return fit >= parameters.minBaselineSpans ? fit : 0;
}

/** One line of the trending list. */
export interface TrendingHashtag {
  rank: number;
  hashtag: string;
  /** Count over the scored span. */
  count: number;
  /** Expected count for the span: EWMA of the baseline spans' counts. */
  baseline: number;
  /** (count - baseline) / sqrt(baseline + prior). */
  score: number;
  /** Count per tumbling window, the last {@link RECENT_WINDOWS} up to the span's end, oldest first. */
  recent: number[];
}

export interface TrendingView {
  view: 'trending';
  spanSeconds: number;
  /** The scored span (epoch ms, start inclusive, end exclusive): complete windows only. */
  windowStart: number;
  windowEnd: number;
  /** Always true once there is a watermark: only complete windows are scored. */
  complete: boolean;
  watermark: number | null;
  baseline: {
    /** Start of the oldest baseline span considered (epoch ms); the baseline ends at `windowStart`. */
    windowStart: number;
    /** Spans considered (the retention allows this many). */
    spans: number;
    /** Of those, spans with counts (the others are left out of the mean). */
    spansWithData: number;
  };
  hashtags: TrendingHashtag[];
  /** Distinct hashtags and hashtag occurrences in the scored span. */
  totals: { hashtags: number; count: number };
}

/**
 * Trending answers of complete windows, kept in memory (one per container). The scored span and
 * its baseline hold complete windows only, which no later record can change (a record for a
 * closed window is late and not counted), so an answer stays right until the watermark closes the
 * next window and the key moves on. Not a copy of the counts: at most `capacity` small answers
 * (the listed tags, at most {@link CACHED_HASHTAGS} each).
 */
export class TrendingCache {
  private readonly answers = new Map<string, TrendingView>();

  constructor(private readonly capacity = 32) {}

  get(key: string): TrendingView | undefined {
    const hit = this.answers.get(key);
    if (hit !== undefined) {
      // Most recently used last: Map keeps insertion order.
      this.answers.delete(key);
      this.answers.set(key, hit);
    }
    return hit;
  }

  set(key: string, answer: TrendingView): void {
    this.answers.delete(key);
    this.answers.set(key, answer);
    for (const oldest of this.answers.keys()) {
      if (this.answers.size <= this.capacity) break;
      this.answers.delete(oldest);
    }
  }
}

/** How many listed tags an answer keeps in the cache: the API's largest `limit`. */
export const CACHED_HASHTAGS = 100;

export interface TrendingQuery {
  topic: string;
  limit: number;
  spanSeconds: number;
  /** Epoch ms; the scored span ends at this instant's window (or earlier, at the last complete one). */
  at?: number;
}

/** A scored candidate before ranking. */
export interface Scored {
  key: string;
  count: number;
  baseline: number;
  score: number;
}

/**
 * Scores every tag of `current` against `baselineSpans` (newest first; `null` = a span without
 * data, left out). Pure; returns the tags that pass both thresholds, best first (score, then
 * count descending, then key in code point order).
 */
export function scoreTrending(
  current: ReadonlyMap<string, number>,
  baselineSpans: ReadonlyArray<ReadonlyMap<string, number> | null>,
  parameters: TrendingParameters = TRENDING_DEFAULTS,
): Scored[] {
  const weights: number[] = [];
  let weightSum = 0;
  baselineSpans.forEach((span, k) => {
    const w = span === null ? 0 : (1 - parameters.alpha) ** k;
    weights.push(w);
    weightSum += w;
  });
  // No baseline at all (the topic's first span): nothing can be said to rise.
  if (weightSum === 0) return [];
  const out: Scored[] = [];
  for (const [key, count] of current) {
    if (count < parameters.minCount) continue;
    let weighted = 0;
    baselineSpans.forEach((span, k) => {
      if (span !== null) weighted += (weights[k] as number) * (span.get(key) ?? 0);
    });
    const baseline = weighted / weightSum;
    const score = (count - baseline) / Math.sqrt(baseline + parameters.prior);
    if (score >= parameters.minScore) out.push({ key, count, baseline, score });
  }
  return out.sort((a, b) => b.score - a.score || b.count - a.count || compareCodePoints(a.key, b.key));
}

/** The trending list of `topic` (see the module comment for which spans are compared). */
export async function readTrending(
  redis: RedisClient,
  settings: WindowSettings,
  query: TrendingQuery,
  options: { cache?: TrendingCache; parameters?: TrendingParameters } = {},
): Promise<TrendingView> {
  const parameters = options.parameters ?? TRENDING_DEFAULTS;
  assertWindowSettings(settings);
  assertSpan(query.spanSeconds, settings.windowSeconds);
  if (!Number.isInteger(query.limit) || query.limit < 1)
    throw new RangeError('limit must be a positive integer');
  const spans = baselineSpansFor(settings, query.spanSeconds, parameters);
  if (spans === 0)
    throw new RangeError(`the retention holds no baseline for a span of ${query.spanSeconds} s`);
  const keys = new TopicKeys(settings.keyPrefix, query.topic);
  const clock = await readTopicClock(redis, settings, query.topic);
  const windowMs = settings.windowSeconds * 1000;
  const spanMs = query.spanSeconds * 1000;
  const anchor = query.at ?? clock.maxEventTime ?? Date.now();
  const anchorEnd = windowStartOf(settings, anchor) + windowMs;
  const lastComplete = clock.watermark === null ? anchorEnd : alignDown(clock.watermark, windowMs);
  const windowEnd = Math.min(anchorEnd, lastComplete);
  const windowStart = windowEnd - spanMs;
  const baselineStart = windowStart - spans * spanMs;
  const empty: TrendingView = {
    view: 'trending',
    spanSeconds: query.spanSeconds,
    windowStart,
    windowEnd,
    complete: clock.watermark !== null,
    watermark: clock.watermark,
    baseline: { windowStart: baselineStart, spans, spansWithData: 0 },
    hashtags: [],
    totals: { hashtags: 0, count: 0 },
  };
  if (clock.watermark === null) return empty;
  const cacheKey = `${keys.meta}|${query.spanSeconds}|${windowEnd}|${query.limit > CACHED_HASHTAGS ? query.limit : ''}`;
  const cached = options.cache?.get(cacheKey);
  if (cached !== undefined) return limited({ ...cached, watermark: clock.watermark }, query.limit);

  // One pipeline: the scored span's union, then each baseline span's union, newest first.
  const spanUnion = (start: number) => {
    const zsets = windowStarts(settings, start, start + spanMs).map((s) => keys.window(s));
    return [zsets.length, ...zsets] as const;
  };
  const pipeline = redis.pipeline();
  pipeline.zunion(...spanUnion(windowStart), 'WITHSCORES');
  for (let k = 1; k <= spans; k += 1) pipeline.zunion(...spanUnion(windowStart - k * spanMs), 'WITHSCORES');
  const unions = ((await pipeline.exec()) ?? []).map(([error, value]) => {
    if (error) throw error;
    return pairs(value as string[]);
  });
  const [current = [], ...previous] = unions;
  const baselineSpans = previous.map((entries) => (entries.length === 0 ? null : new Map(entries)));
  const scored = scoreTrending(new Map(current), baselineSpans, parameters).slice(
    0,
    Math.max(query.limit, options.cache ? CACHED_HASHTAGS : 0),
  );

  const recentStarts = windowStarts(settings, windowEnd - RECENT_WINDOWS * windowMs, windowEnd);
  const listed = scored.map((s) => s.key);
  const [displays, recent] = await Promise.all([
    readDisplayForms(
      redis,
      windowStarts(settings, windowStart, windowEnd)
        .reverse()
        .map((s) => keys.windowInfo(s)),
      listed,
    ),
    readRecentCounts(
      redis,
      recentStarts.map((s) => keys.window(s)),
      listed,
    ),
  ]);
  const answer: TrendingView = {
    ...empty,
    baseline: { windowStart: baselineStart, spans, spansWithData: baselineSpans.filter(Boolean).length },
    hashtags: scored.map((s, i) => ({
      rank: i + 1,
      hashtag: displays[i] ?? s.key,
      count: s.count,
      baseline: s.baseline,
      score: s.score,
      recent: recent.map((perWindow) => perWindow[i] ?? 0),
    })),
    totals: { hashtags: current.length, count: current.reduce((sum, [, n]) => sum + n, 0) },
  };
  options.cache?.set(cacheKey, answer);
  return limited(answer, query.limit);
}

function limited(answer: TrendingView, limit: number): TrendingView {
  return answer.hashtags.length <= limit ? answer : { ...answer, hashtags: answer.hashtags.slice(0, limit) };
}

/** Per window (in order), the count of each of `members` (0 when absent). */
async function readRecentCounts(redis: RedisClient, zsets: string[], members: string[]): Promise<number[][]> {
  if (members.length === 0) return zsets.map(() => []);
  const pipeline = redis.pipeline();
  for (const zset of zsets) pipeline.zmscore(zset, ...members);
  return ((await pipeline.exec()) ?? []).map(([error, value]) => {
    if (error) throw error;
    return (value as Array<string | null>).map((v) => (v === null ? 0 : Number(v)));
  });
}
