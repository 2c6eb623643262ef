/**
 * Redis is a view of the log: a partition whose state Redis has lost is rebuilt by replaying it
 * from Kafka through the same decode, aggregation and atomic step as the counter, as Kafka Streams
 * restores a store from its changelog.
 *
 * Telling a loss from a first start or a deliberate reset. Redis cannot tell: a FLUSHALL or a
 * restart without its data leaves exactly what a first start sees. So the first apply of a
 * partition also records, OUTSIDE Redis, the offset counting started at: a commit of a marker
 * consumer group in Kafka ({@link PartitionLog.countedFrom}; `<group>.counted` in
 * lib/kafka-partition-log.ts). Then, for a partition with no applied offset in Redis:
 * - no marker: a first start (or the operator deleted the marker group on purpose): count from the
 *   batch, record the marker;
 * - a marker: the state was lost: replay from max(marker, first offset at `now − retention −
 *   allowed lateness`) up to the batch, then count the batch.
 * A consumer-group reset leaves Redis' applied offsets in place, so it is never taken for a loss:
 * the guard skips what was counted, and a reset forward leaves the gap the operator asked for.
 *
 * Chunked and resumable: the replay target is stored first (`rebuild` hash in keys.ts), and each
 * chunk is one atomic step that moves the applied offset; a rebuild that outlives its invocation
 * is resumed by the retry from where the last chunk left it, never restarted.
 *
 * Replayed records are not judged late: they were judged when they first arrived, against a
 * watermark that is part of what was lost, so a rebuilt Redis holds every record of the replayed
 * range (records that were late the first time are counted; the `late` statistic starts again).
 * Bad records are counted as rejected but not sent to the dead-letter topic again (they were, when
 * first met).
 */
import { type DecodeLimits, decodeTweet } from '#contracts/tweet.ts';
import type { RedisClient } from '../redis-client.ts';
import type { CountableRecord } from './aggregate.ts';
import { applyPartitionStep } from './apply.ts';
import { TopicKeys } from './keys.ts';
import type { WindowSettings } from './windows.ts';

/** One record read back from the log. */
export interface LogRecord {
  readonly offset: number;
  /** Kafka timestamp, epoch ms. */
  readonly timestamp: number;
  readonly value: Buffer | null;
}

/** What a rebuild needs of Kafka: lib/kafka-partition-log.ts (kafkajs); tests may hold a log in memory. */
export interface PartitionLog {
  /** The first offset the consumer group counted on the partition (the durable marker), null if none. */
  countedFrom(topic: string, partition: number): Promise<number | null>;
  /** Records the marker; called at the first apply of a partition. */
  markCounted(topic: string, partition: number, offset: number): Promise<void>;
  /** Whether the broker has this topic-partition at all (an event made by hand may name one it has not). */
  holds(topic: string, partition: number): Promise<boolean>;
  /** The earliest offset still on the broker and the next offset to be written. */
  bounds(topic: string, partition: number): Promise<{ earliest: number; end: number }>;
  /** The first offset whose timestamp is at or after `timestampMs` (the end offset when none). */
  offsetAt(topic: string, partition: number, timestampMs: number): Promise<number>;
  /**
   * Reads offsets [from, to) in order, in chunks; resolves once every chunk was handed over and
   * its promise settled (or rejects with the first chunk's error).
   */
  read(
    topic: string,
    partition: number,
    from: number,
    to: number,
    onChunk: (records: readonly LogRecord[]) => Promise<void>,
  ): Promise<void>;
}

/** Redis' progress on one partition. */
export interface PartitionProgress {
  /** Last applied offset (null: none). */
  readonly applied: number | null;
  /** While a rebuild is unfinished: the offset (exclusive) it replays up to. */
  readonly rebuildTo: number | null;
}

/** Applied offsets and unfinished rebuilds of `partitions`, in one round trip (one slot). */
export async function readPartitionProgress(
  redis: RedisClient,
  settings: WindowSettings,
  consumerGroup: string,
  topic: string,
  partitions: readonly number[],
): Promise<Map<number, PartitionProgress>> {
  const result = new Map<number, PartitionProgress>();
  if (partitions.length === 0) return result;
  const keys = new TopicKeys(settings.keyPrefix, topic);
  const fields = partitions.map(String);
  const replies = await redis
    .pipeline()
    .hmget(keys.offsets(consumerGroup), ...fields)
    .hmget(keys.rebuild(consumerGroup), ...fields)
    .exec();
  const [applied, rebuild] = (replies ?? []).map(([error, value]) => {
    if (error) throw error;
    return value as Array<string | null>;
  });
  partitions.forEach((p, i) => {
    result.set(p, {
      applied: parseOffset(applied?.[i] ?? null),
      rebuildTo: parseOffset(rebuild?.[i] ?? null),
    });
  });
  return result;
}

export interface RestoreRequest {
  readonly consumerGroup: string;
  readonly topic: string;
  readonly partition: number;
  /** Replay up to this offset, exclusive: the batch's first offset, or the group's committed offset. */
  readonly upTo: number;
  readonly progress: PartitionProgress;
  readonly limits: DecodeLimits;
  /** Now, epoch ms (the replay starts at now − retention − allowed lateness unless `sinceMs`). */
  readonly nowMs: number;
  readonly sinceMs?: number;
}

export type RestoreOutcome =
  | { readonly status: 'intact' }
  | { readonly status: 'first-start'; readonly markedAt: number }
  /** Records of a partition the broker does not have (an event built by hand, e.g. for invoke local):
   * counted, with no marker, since no log could ever restore them. */
  | { readonly status: 'not-in-log' }
  | {
      readonly status: 'rebuilt';
      /** lost: no state at all; gap: offsets between the applied one and the batch; resumed: an unfinished rebuild. */
      readonly reason: 'lost' | 'gap' | 'resumed';
      readonly from: number;
      readonly to: number;
      readonly records: number;
      readonly accepted: number;
      readonly rejected: number;
      /** Offsets the group had counted that the broker no longer holds ([marker, earliest)), or null. */
      readonly uncovered: { readonly from: number; readonly to: number } | null;
      readonly seconds: number;
    };

const MAX_CHUNK_ATTEMPTS = 3;
/** Records per atomic step at most: a fetch returns whole record batches, and one step should stay short for Redis. */
export const MAX_RECORDS_PER_STEP = 5_000;

/**
 * Makes Redis hold partition `request.partition` up to `request.upTo` − 1 again, when it had lost
 * it (see the module comment); answers `intact` when it had not. Safe to run concurrently with the
 * counter or another rebuild: every chunk is a compare-and-set on the applied offset.
 */
export async function restorePartition(
  redis: RedisClient,
  settings: WindowSettings,
  log: PartitionLog,
  request: RestoreRequest,
): Promise<RestoreOutcome> {
  const { consumerGroup, topic, partition, upTo, progress } = request;
  const keys = new TopicKeys(settings.keyPrefix, topic);
  let rebuildTo = progress.rebuildTo;
  const { applied } = progress;
  if (rebuildTo === null && applied !== null && upTo <= applied + 1) return { status: 'intact' };
  const marker = await log.countedFrom(topic, partition);
  let reason: 'lost' | 'gap' | 'resumed' = 'resumed';
  if (rebuildTo === null && applied !== null) {
    // A gap between what Redis applied and the batch: a failover that lost the latest writes, or a
    // batch the event source gave up on. Replayed, unless the marker was moved past it (a
    // deliberate reset forward: see the module comment).
    if (Math.max(marker ?? 0, applied + 1) >= upTo) return { status: 'intact' };
    reason = 'gap';
    rebuildTo = upTo;
    await redis.hset(keys.rebuild(consumerGroup), String(partition), String(rebuildTo));
  } else if (rebuildTo === null) {
    if (marker === null) {
      if (!(await log.holds(topic, partition))) return { status: 'not-in-log' };
      await log.markCounted(topic, partition, upTo);
      return { status: 'first-start', markedAt: upTo };
    }
    // A retry of the first batch after its marker was written: nothing was counted before it.
    if (upTo <= marker) return { status: 'first-start', markedAt: marker };
    reason = 'lost';
    rebuildTo = upTo;
    // Stored before the first chunk: a retry resumes the rebuild instead of taking the moved offset for intact state.
    await redis.hset(keys.rebuild(consumerGroup), String(partition), String(rebuildTo));
  }

  const started = performance.now();
  const sinceMs =
    request.sinceMs ?? request.nowMs - (settings.retentionSeconds + settings.allowedLatenessSeconds) * 1000;
  const [bounds, atSince] = await Promise.all([
    log.bounds(topic, partition),
    log.offsetAt(topic, partition, sinceMs),
  ]);
  const countedFrom = marker ?? 0;
  // The broker deleted records the group had counted, and what it still holds starts after `since`:
  // records of the replay range may be gone.
  const uncovered =
    bounds.earliest > countedFrom && atSince <= bounds.earliest
      ? { from: countedFrom, to: bounds.earliest }
      : null;
  let from = Math.max(countedFrom, atSince, bounds.earliest);
  if (applied !== null) from = Math.max(from, applied + 1);
  const to = Math.min(rebuildTo, bounds.end);

  let expected = applied;
  let records = 0;
  let accepted = 0;
  let rejected = 0;
  if (from < to) {
    const applyChunk = async (chunk: readonly LogRecord[]) => {
      for (let attempt = 1; attempt <= MAX_CHUNK_ATTEMPTS; attempt++) {
        const fresh = chunk.filter((r) => r.offset < to && (expected === null || r.offset > expected));
        const last = fresh.at(-1);
        if (last === undefined) return;
        const valid: CountableRecord[] = [];
        for (const r of fresh) {
          const tweet = decodeTweet(r.value, r.timestamp, request.limits);
          if (tweet.ok)
            valid.push({ offset: r.offset, eventTime: tweet.eventTime, hashtags: tweet.hashtags });
        }
        const result = await applyPartitionStep(redis, settings, {
          consumerGroup,
          topic,
          partition,
          expectedOffset: expected,
          newOffset: last.offset,
          records: valid,
          duplicates: 0,
          rejected: fresh.length - valid.length,
          judgeLate: false,
        });
        if (result.status === 'applied') {
          expected = last.offset;
          records += fresh.length;
          accepted += result.accepted;
          rejected += fresh.length - valid.length;
          return;
        }
        // Another rebuild (or the CLI) moved the offset: keep only what it has not applied.
        expected = result.storedOffset;
      }
      throw new Error(
        `${topic}-${partition}: the applied offset kept moving during ${MAX_CHUNK_ATTEMPTS} rebuild attempts`,
      );
    };
    await log.read(topic, partition, from, to, async (fetched) => {
      for (let i = 0; i < fetched.length; i += MAX_RECORDS_PER_STEP) {
        await applyChunk(fetched.slice(i, i + MAX_RECORDS_PER_STEP));
      }
    });
  }
  await redis.hdel(keys.rebuild(consumerGroup), String(partition));
  return {
    status: 'rebuilt',
    reason,
    from,
    to,
    records,
    accepted,
    rejected,
    uncovered,
    seconds: (performance.now() - started) / 1000,
  };
}

function parseOffset(value: string | null): number | null {
  if (value === null || value === '') return null;
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new Error(`stored offset is not an integer: ${JSON.stringify(value)}`);
  return n;
}
