/**
 * The counter's statistics and the per-window history of a topic, for the HTTP function. Reads
 * never write.
 */
import type { RedisClient } from '../redis-client.ts';
import { INFO_TOTAL, TopicKeys } from './keys.ts';
import { readTopicClock, toNumberOrNull } from './read.ts';
import { assertWindowSettings, type WindowSettings, windowStartOf } from './windows.ts';

/** Record counts of a topic since its state was created. */
export interface CounterStats {
  /** Valid records counted into a window. */
  accepted: number;
  /** Valid records whose window had already closed (end at or before the watermark): not counted. */
  late: number;
  /** Records at or below the last applied offset of their partition (redeliveries): skipped. */
  duplicate: number;
  /** Records that could not be read: sent to the dead-letter topic. */
  rejected: number;
}

/** Accepted, late, duplicate and rejected record counts of `topic` (zeros when never written). */
export async function readCounterStats(
  redis: RedisClient,
  settings: WindowSettings,
  topic: string,
): Promise<CounterStats> {
  const keys = new TopicKeys(settings.keyPrefix, topic);
  const [accepted, late, duplicate, rejected] = await redis.hmget(
    keys.stats,
    'accepted',
    'late',
    'duplicate',
    'rejected',
  );
  return {
    accepted: toNumberOrNull(accepted) ?? 0,
    late: toNumberOrNull(late) ?? 0,
    duplicate: toNumberOrNull(duplicate) ?? 0,
    rejected: toNumberOrNull(rejected) ?? 0,
  };
}

/**
 * Total counts of the last `windows` tumbling windows up to and including the current one
 * (see {@link readTopHashtags}) or the one containing `at` (epoch ms), newest last. Windows without
 * state (nothing counted, or expired) read as 0.
 */
export async function readWindowHistory(
  redis: RedisClient,
  settings: WindowSettings,
  topic: string,
  windows: number,
  at?: number,
): Promise<Array<{ windowStart: number; windowEnd: number; total: number }>> {
  assertWindowSettings(settings);
  if (!Number.isInteger(windows) || windows < 1) throw new RangeError('windows must be a positive integer');
  const keys = new TopicKeys(settings.keyPrefix, topic);
  const clock = at === undefined ? await readTopicClock(redis, settings, topic) : null;
  const windowMs = settings.windowSeconds * 1000;
  if (at !== undefined && !Number.isFinite(at)) throw new RangeError('at must be a finite epoch ms');
  const current = windowStartOf(settings, at ?? clock?.maxEventTime ?? Date.now());
  const starts = Array.from({ length: windows }, (_, i) => current - (windows - 1 - i) * windowMs);
  const pipeline = redis.pipeline();
  for (const start of starts) pipeline.hget(keys.windowInfo(start), INFO_TOTAL);
  const results = (await pipeline.exec()) ?? [];
  return starts.map((windowStart, i) => {
    const [error, value] = results[i] ?? [null, null];
    if (error) throw error;
    return {
      windowStart,
      windowEnd: windowStart + windowMs,
      total: toNumberOrNull(typeof value === 'string' ? value : null) ?? 0,
    };
  });
}
