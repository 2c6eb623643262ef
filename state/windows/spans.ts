/**
 * Spans: longer stretches of event time (5, 15, 60 min) merged at read time from the per-window
 * sorted sets and slide buckets the counter already writes. No second copy of the counts: a span
 * is a list of keys whose union is its counts.
 */
import type { RedisClient } from '../redis-client.ts';
import { INFO_TOTAL, type TopicKeys } from './keys.ts';
import type { WindowSettings } from './windows.ts';

/** The spans the HTTP API offers, in seconds. */
export const SPAN_SECONDS = { '1m': 60, '5m': 300, '15m': 900, '60m': 3600 } as const;
export type SpanName = keyof typeof SPAN_SECONDS;

/** A hashtag key and its count. */
export type Entry = [key: string, count: number];

/** Throws a RangeError unless `spanSeconds` is a whole number of `unitSeconds` (window or slide). */
export function assertSpan(spanSeconds: number, unitSeconds: number): void {
  if (!Number.isInteger(spanSeconds) || spanSeconds < unitSeconds || spanSeconds % unitSeconds !== 0) {
    throw new RangeError(`span must be a positive multiple of ${unitSeconds} s (got ${spanSeconds})`);
  }
}

/** The tumbling window starts of [startMs, endMs), oldest first (both window-aligned). */
export function windowStarts(settings: WindowSettings, startMs: number, endMs: number): number[] {
  const windowMs = settings.windowSeconds * 1000;
  const starts: number[] = [];
  for (let t = startMs; t < endMs; t += windowMs) starts.push(t);
  return starts;
}

/**
 * The keys whose union counts [startMs, endMs) (slide-aligned): whole tumbling windows where the
 * range covers them, slide buckets at the ragged edges. A 60 min sliding view is then about 70 keys,
 * not 360 buckets.
 */
export function spanKeys(
  settings: WindowSettings,
  keys: TopicKeys,
  startMs: number,
  endMs: number,
): string[] {
  const windowMs = settings.windowSeconds * 1000;
  const slideMs = settings.slideSeconds * 1000;
  const out: string[] = [];
  for (let t = startMs; t < endMs; ) {
    if (t % windowMs === 0 && t + windowMs <= endMs) {
      out.push(keys.window(t));
      t += windowMs;
    } else {
      out.push(keys.bucket(t));
      t += slideMs;
    }
  }
  return out;
}

/** The union counts of `zsets` (same hash slot), in one command. */
export async function readUnion(redis: RedisClient, zsets: readonly string[]): Promise<Entry[]> {
  if (zsets.length === 0) return [];
  return pairs(await redis.zunion(zsets.length, ...zsets, 'WITHSCORES'));
}

/** Sum of the `total` field of each window's info hash (records counted), in one pipeline. */
export async function readWindowTotals(
  redis: RedisClient,
  keys: TopicKeys,
  starts: readonly number[],
): Promise<number> {
  const pipeline = redis.pipeline();
  for (const start of starts) pipeline.hget(keys.windowInfo(start), INFO_TOTAL);
  let sum = 0;
  for (const [error, value] of (await pipeline.exec()) ?? []) {
    if (error) throw error;
    const n = Number(value ?? 0);
    if (Number.isFinite(n)) sum += n;
  }
  return sum;
}

export function pairs(flat: readonly string[]): Entry[] {
  const out: Entry[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push([flat[i] as string, Number(flat[i + 1])]);
  return out;
}
