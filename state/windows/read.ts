/**
 * Read side of the windowed counts, for the HTTP function: the top list of the current (or a past)
 * tumbling window, the sliding view built from slide buckets at read time, the counter statistics
 * and the per-window history. Reads never write.
 */
import type { RedisClient } from '../redis-client.ts';
import { INFO_TOTAL, infoDisplayField, TopicKeys } from './keys.ts';
import {
  assertSpan,
  type Entry,
  pairs,
  readUnion,
  readWindowTotals,
  spanKeys,
  windowStarts,
} from './spans.ts';
import {
  alignDown,
  assertWindowSettings,
  isWindowClosed,
  type WindowSettings,
  windowStartOf,
} from './windows.ts';

/** One line of a top list. */
export interface RankedHashtag {
  /** 1-based position in the list. */
  rank: number;
  /** The display form (the most used spelling in the window; ties: code point order). */
  hashtag: string;
  count: number;
}

/** A top list and where it stands against the watermark. */
export interface TopHashtagsView {
  view: 'tumbling' | 'sliding';
  /** Length of the view in seconds (`windowSeconds` unless a span was asked for). */
  spanSeconds: number;
  /** Epoch ms, inclusive. */
  windowStart: number;
  /** Epoch ms, exclusive. */
  windowEnd: number;
  /** `windowEnd <= watermark`: no more records will be counted into this window. */
  complete: boolean;
  /** Epoch ms; null when the topic has seen no record. */
  watermark: number | null;
  /** Count descending, ties by hashtag key (case-folded, code point order) ascending. */
  hashtags: RankedHashtag[];
  /** Distinct hashtags and total count in the whole window, not just the top N. */
  totals: { hashtags: number; count: number };
}

/** What {@link readTopHashtags} should read. */
export interface TopQuery {
  topic: string;
  view: 'tumbling' | 'sliding';
  /** How many hashtags to return, at least 1. */
  limit: number;
  /** Epoch ms: read the window containing this instant instead of the current one. */
  at?: number;
  /**
   * Length of the view (default `windowSeconds`): tumbling, that many seconds of whole windows
   * ending with the window of the anchor; sliding, a multiple of `slideSeconds`.
   */
  spanSeconds?: number;
}

/** Event-time clock of a topic as the counter left it. */
export interface TopicClock {
  /** Max event time seen (epoch ms), null when the topic has seen no record. */
  maxEventTime: number | null;
  /** Max event time - allowed lateness, never decreasing; null when the topic has seen no record. */
  watermark: number | null;
}

/** Reads the event-time clock of `topic`. */
export async function readTopicClock(
  redis: RedisClient,
  settings: WindowSettings,
  topic: string,
): Promise<TopicClock> {
  const keys = new TopicKeys(settings.keyPrefix, topic);
  const [maxEventTime, watermark] = await redis.hmget(keys.meta, 'maxEventTime', 'watermark');
  return { maxEventTime: toNumberOrNull(maxEventTime), watermark: toNumberOrNull(watermark) };
}

/**
 * The top `limit` hashtags of one window of `topic`.
 *
 * Without `at`, the window is the current one in event time: the one containing the max event
 * time seen on the topic (or the wall-clock now when nothing was seen). With `at`, the window
 * containing that instant; a window whose end plus the retention is at or before the watermark is
 * gone by definition and reads as empty and complete.
 *
 * Tumbling: the window of `windowSeconds`. Sliding: the last `windowSeconds` ending at the end of
 * the slide bucket that contains the anchor instant, summed from the slide buckets at read time.
 */
export async function readTopHashtags(
  redis: RedisClient,
  settings: WindowSettings,
  query: TopQuery,
): Promise<TopHashtagsView> {
  assertWindowSettings(settings);
  if (!Number.isInteger(query.limit) || query.limit < 1)
    throw new RangeError('limit must be a positive integer');
  if (query.at !== undefined && !Number.isFinite(query.at))
    throw new RangeError('at must be a finite epoch ms');
  const keys = new TopicKeys(settings.keyPrefix, query.topic);
  const clock = await readTopicClock(redis, settings, query.topic);
  const anchor = query.at ?? clock.maxEventTime ?? Date.now();
  const windowMs = settings.windowSeconds * 1000;
  const slideMs = settings.slideSeconds * 1000;
  const spanSeconds = query.spanSeconds ?? settings.windowSeconds;
  assertSpan(spanSeconds, query.view === 'tumbling' ? settings.windowSeconds : settings.slideSeconds);

  const windowEnd =
    query.view === 'tumbling'
      ? windowStartOf(settings, anchor) + windowMs
      : alignDown(anchor, slideMs) + slideMs;
  const windowStart = windowEnd - spanSeconds * 1000;
  const base = {
    view: query.view,
    spanSeconds,
    windowStart,
    windowEnd,
    complete: isWindowClosed(windowEnd, clock.watermark),
    watermark: clock.watermark,
  };
  if (clock.watermark !== null && windowEnd + settings.retentionSeconds * 1000 <= clock.watermark) {
    return { ...base, complete: true, hashtags: [], totals: { hashtags: 0, count: 0 } };
  }

  const { top, totals } =
    query.view === 'tumbling'
      ? windowEnd - windowStart === windowMs
        ? await readTumblingTop(redis, keys, windowStart, query.limit)
        : await readTumblingSpanTop(redis, settings, keys, windowStart, windowEnd, query.limit)
      : await readSlidingTop(redis, spanKeys(settings, keys, windowStart, windowEnd), query.limit);

  // Display forms live per tumbling window: prefer the newest window the view overlaps, then older
  // ones (a sliding view's start is not window-aligned, so align it to find that window's info).
  const infoWindows = windowStarts(
    settings,
    windowStartOf(settings, windowStart),
    windowStartOf(settings, windowEnd - 1) + windowMs,
  ).reverse();
  const displays = await readDisplayForms(
    redis,
    infoWindows.map((w) => keys.windowInfo(w)),
    top.map(([key]) => key),
  );
  return {
    ...base,
    hashtags: top.map(([key, count], i) => ({ rank: i + 1, hashtag: displays[i] ?? key, count })),
    totals,
  };
}

async function readTumblingTop(
  redis: RedisClient,
  keys: TopicKeys,
  windowStart: number,
  limit: number,
): Promise<{ top: Entry[]; totals: { hashtags: number; count: number } }> {
  const zkey = keys.window(windowStart);
  const [head, distinct, total] = await Promise.all([
    redis.zrange(zkey, 0, limit - 1, 'REV', 'WITHSCORES'),
    redis.zcard(zkey),
    redis.hget(keys.windowInfo(windowStart), INFO_TOTAL),
  ]);
  let top = pairs(head);
  const last = top.at(-1);
  if (top.length === limit && last && distinct > limit) {
    // Redis orders equal scores by member descending under REV; we want ascending. Take every member
    // above the last score, then fill up with the members at that score in ascending order.
    const score = last[1];
    const [above, atScore] = await Promise.all([
      redis.zrange(zkey, '+inf', `(${score}`, 'BYSCORE', 'REV', 'WITHSCORES'),
      redis.zrange(zkey, score, score, 'BYSCORE', 'LIMIT', 0, limit, 'WITHSCORES'),
    ]);
    const higher = pairs(above);
    top = [...higher, ...pairs(atScore).slice(0, Math.max(0, limit - higher.length))];
  }
  return {
    top: top.sort(byCountThenKey).slice(0, limit),
    totals: { hashtags: distinct, count: toNumberOrNull(total) ?? 0 },
  };
}

/** Several whole windows: their union, and the sum of their record totals (as one window reports). */
async function readTumblingSpanTop(
  redis: RedisClient,
  settings: WindowSettings,
  keys: TopicKeys,
  windowStart: number,
  windowEnd: number,
  limit: number,
): Promise<{ top: Entry[]; totals: { hashtags: number; count: number } }> {
  const starts = windowStarts(settings, windowStart, windowEnd);
  const [union, count] = await Promise.all([
    readUnion(
      redis,
      starts.map((s) => keys.window(s)),
    ),
    readWindowTotals(redis, keys, starts),
  ]);
  return { top: union.sort(byCountThenKey).slice(0, limit), totals: { hashtags: union.length, count } };
}

async function readSlidingTop(
  redis: RedisClient,
  zsets: string[],
  limit: number,
): Promise<{ top: Entry[]; totals: { hashtags: number; count: number } }> {
  const union = await readUnion(redis, zsets);
  const count = union.reduce((sum, [, n]) => sum + n, 0);
  return { top: union.sort(byCountThenKey).slice(0, limit), totals: { hashtags: union.length, count } };
}

/** The display form of each of `hashtagKeys`: the first info hash (in order) that has one, else the key. */
export async function readDisplayForms(
  redis: RedisClient,
  infoKeys: string[],
  hashtagKeys: string[],
): Promise<string[]> {
  if (hashtagKeys.length === 0) return [];
  const fields = hashtagKeys.map(infoDisplayField);
  const perWindow = await Promise.all(infoKeys.map((k) => redis.hmget(k, ...fields)));
  return hashtagKeys.map((key, i) => {
    for (const forms of perWindow) {
      const form = forms[i];
      if (form) return form;
    }
    return key;
  });
}

/** Count descending, then key ascending in code point order (the byte order Redis uses). */
export function byCountThenKey(a: Entry, b: Entry): number {
  return b[1] - a[1] || compareCodePoints(a[0], b[0]);
}

/** Code point order (UTF-16 `<` would put U+E000..U+FFFF after astral characters). */
export function compareCodePoints(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

export function toNumberOrNull(value: string | null | undefined): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}
