/**
 * Write side of the windowed counts: one atomic Redis step per Kafka partition (see
 * `APPLY_STEP` in lua-scripts.ts for its contract), guarded by the last applied offset of the consumer group.
 *
 * The caller reads the applied offsets first ({@link readAppliedOffsets}), keeps only the records
 * above them, does what must happen before the offset moves (dead-letter writes), then calls
 * {@link applyPartitionStep} with the offset it read. If another invocation moved the offset in
 * between, the step writes nothing and answers `conflict` with the stored offset, and the caller
 * re-plans from there. Once every partition is applied, the caller calls {@link advanceWatermark}.
 * Lambda retries whole batches, so redeliveries are the normal case.
 */
import type { RedisClient } from '../redis-client.ts';
import { aggregateRecords, type CountableRecord, type StepAggregate } from './aggregate.ts';
import { TopicKeys } from './keys.ts';
import { ADVANCE_WATERMARK, APPLY_STEP } from './lua-scripts.ts';
import { assertWindowSettings, type WindowSettings } from './windows.ts';

/** One partition's share of a batch. */
export interface PartitionStep {
  readonly consumerGroup: string;
  readonly topic: string;
  readonly partition: number;
  /** The last applied offset as {@link readAppliedOffsets} returned it (null: none yet). */
  readonly expectedOffset: number | null;
  /** The offset to store once applied: the highest fresh offset of the partition, or null to leave it. */
  readonly newOffset: number | null;
  /** Valid fresh records (offset above `expectedOffset`). */
  readonly records: readonly CountableRecord[];
  /** Records at or below `expectedOffset` in this batch: skipped, counted as duplicate. */
  readonly duplicates: number;
  /** Fresh records that could not be read and went to the dead-letter topic. */
  readonly rejected: number;
  /**
   * False for a rebuild replaying the log: every record is counted, none judged late against the
   * stored watermark (default true). See rebuild.ts.
   */
  readonly judgeLate?: boolean;
}

/** The outcome of one step. */
export type StepResult =
  | { readonly status: 'applied'; readonly accepted: number; readonly late: number }
  | { readonly status: 'conflict'; readonly storedOffset: number | null };

/**
 * The last applied offset of each partition of `topic` for `consumerGroup` (null: never applied),
 * in one command.
 */
export async function readAppliedOffsets(
  redis: RedisClient,
  settings: WindowSettings,
  consumerGroup: string,
  topic: string,
  partitions: readonly number[],
): Promise<Map<number, number | null>> {
  const result = new Map<number, number | null>();
  if (partitions.length === 0) return result;
  const keys = new TopicKeys(settings.keyPrefix, topic);
  const values = await redis.hmget(keys.offsets(consumerGroup), ...partitions.map(String));
  partitions.forEach((p, i) => {
    result.set(p, parseOffset(values[i] ?? null));
  });
  return result;
}

/**
 * Applies one partition step atomically: counts, late/duplicate/rejected stats, watermark, window
 * expiry and the new offset, or nothing at all (`conflict`, or a thrown Redis error).
 */
export async function applyPartitionStep(
  redis: RedisClient,
  settings: WindowSettings,
  step: PartitionStep,
): Promise<StepResult> {
  assertWindowSettings(settings);
  const { keys, args } = encodeStep(settings, step, aggregateRecords(settings, step.records));
  const reply = (await scriptClient(redis).trendingApplyStep(keys.length, ...keys, ...args)) as [
    number,
    number | string,
    number?,
  ];
  if (reply[0] === 1) return { status: 'applied', accepted: Number(reply[1]), late: Number(reply[2] ?? 0) };
  return { status: 'conflict', storedOffset: parseOffset(String(reply[1])) };
}

/** KEYS and ARGV in the layout `APPLY_STEP` documents. Exported for tests of the layout. */
export function encodeStep(
  settings: WindowSettings,
  step: PartitionStep,
  aggregate: StepAggregate,
): { keys: string[]; args: string[] } {
  if (!Number.isSafeInteger(step.partition) || step.partition < 0) throw new RangeError('bad partition');
  const topicKeys = new TopicKeys(settings.keyPrefix, step.topic);
  const keys = [topicKeys.offsets(step.consumerGroup), topicKeys.meta, topicKeys.stats];
  const args = [
    String(step.partition),
    step.expectedOffset === null ? '' : String(step.expectedOffset),
    step.newOffset === null ? '' : String(step.newOffset),
    aggregate.maxEventTime === null ? '' : String(aggregate.maxEventTime),
    String(settings.allowedLatenessSeconds * 1000),
    String(settings.retentionSeconds * 1000),
    String(settings.windowSeconds * 1000),
    String(step.duplicates),
    String(step.rejected),
    String(aggregate.windows.size),
    step.judgeLate === false ? '0' : '1',
  ];
  for (const win of aggregate.windows.values()) {
    keys.push(topicKeys.window(win.start), topicKeys.windowInfo(win.start));
    args.push(
      String(win.start),
      String(win.records),
      String(win.keys.size),
      String(win.forms.size),
      String(win.buckets.size),
    );
    for (const [key, count] of win.keys) args.push(key, String(count));
    for (const [form, { key, count }] of win.forms) args.push(form, key, String(count));
    for (const [bucketStart, entries] of win.buckets) {
      keys.push(topicKeys.bucket(bucketStart));
      args.push(String(bucketStart), String(entries.size));
      for (const [key, count] of entries) args.push(key, String(count));
    }
  }
  return { keys, args };
}

/**
 * Raises the watermark of `topic` to its max event time minus the allowed lateness. Call it once
 * every partition step of a batch has been applied (never after a failed one): records of one
 * batch are all judged against the watermark from before the batch. Idempotent.
 * @returns the watermark after the call (epoch ms), null when the topic has seen no record.
 */
export async function advanceWatermark(
  redis: RedisClient,
  settings: WindowSettings,
  topic: string,
): Promise<number | null> {
  const keys = new TopicKeys(settings.keyPrefix, topic);
  const reply = await scriptClient(redis).trendingAdvanceWatermark(
    1,
    keys.meta,
    String(settings.allowedLatenessSeconds * 1000),
  );
  return reply === '' || reply === null ? null : Number(reply);
}

type ScriptClient = RedisClient & {
  trendingApplyStep(...args: Array<string | number>): Promise<unknown>;
  trendingAdvanceWatermark(...args: Array<string | number>): Promise<unknown>;
};

/** Registers the scripts on the client once (ioredis sends EVALSHA and falls back to EVAL). */
function scriptClient(redis: RedisClient): ScriptClient {
  const client = redis as ScriptClient;
  if (typeof client.trendingApplyStep !== 'function') {
    redis.defineCommand('trendingApplyStep', { lua: APPLY_STEP });
    redis.defineCommand('trendingAdvanceWatermark', { lua: ADVANCE_WATERMARK });
  }
  return client;
}

function parseOffset(value: string | null): number | null {
  if (value === null || value === '') return null;
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`stored offset is not an integer: ${JSON.stringify(value)}`);
  return n;
}
