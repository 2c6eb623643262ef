/**
 * Counting one Lambda batch of Kafka records, exactly once per record:
 *
 * 1. decode every record (bad ones become dead letters with a reason; nothing throws per record);
 * 2. read the last applied offset of every partition in the batch (one round trip per topic); a
 *    partition without one, or with an unfinished rebuild, goes through restorePartition
 *    (state/windows/rebuild.ts): a first start records its marker, a partition whose state Redis
 *    has lost is replayed from Kafka up to the batch first;
 * 3. send the fresh bad records (offset above the applied one) to the dead-letter topic and wait
 *    for the acknowledgement;
 * 4. apply each partition in one atomic Redis step that moves its offset (APPLY_STEP in state/windows/lua-scripts.ts);
 * 5. once all are applied, raise each topic's watermark (ADVANCE_WATERMARK): every
 *    partition of a batch is judged against the watermark from before the batch, as Spark judges a
 *    micro-batch, and a retry after a partial failure judges the rest exactly as the first attempt.
 *
 * Order matters: the dead letters are durable before any offset moves past them. If the invocation
 * dies between 3 and 4, Lambda retries the batch, the offsets have not moved, and the same letters
 * are sent again (the dead-letter topic is at-least-once; its headers name topic, partition and
 * offset, so duplicates are recognisable). If 4 ran first and the dead-letter write then failed,
 * the retry would find the offset already moved and the bad records would be lost.
 * Lambda retries a failed batch as a whole and keeps per-partition order:
 * https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html
 */

import { type DecodeLimits, decodeTweetBase64 } from '#contracts/tweet.ts';
import type { DeadLetter, DeadLetterSink } from '#lib/dead-letter.ts';
import { type KafkaEvent, type PartitionRecords, partitionsOf } from '#lib/kafka-event.ts';
import type { Logger } from '#lib/logger.ts';
import type { RedisClient } from '#lib/redis.ts';
import {
  advanceWatermark,
  applyPartitionStep,
  type CountableRecord,
  type CounterStats,
  type PartitionLog,
  type PartitionProgress,
  type RestoreOutcome,
  readPartitionProgress,
  restorePartition,
  type WindowSettings,
} from '#state/windows/index.ts';

export interface CounterDependencies {
  readonly redis: RedisClient;
  readonly settings: WindowSettings;
  readonly consumerGroup: string;
  readonly deadLetters: DeadLetterSink;
  readonly limits: DecodeLimits;
  /** Local stage only: when this Redis key exists it is deleted and the batch fails (retry tests). */
  readonly failureSwitchKey?: string | undefined;
  readonly logger?: Logger;
  /**
   * The topic read back, for rebuilding a partition whose state Redis has lost. Without it (unit
   * benches) a lost partition is counted from the batch on, as before the rebuild existed.
   */
  readonly log?: PartitionLog | undefined;
  /** Epoch ms (default Date.now): where a rebuild starts is now − retention − allowed lateness. */
  readonly now?: () => number;
}

/** A partition that was not simply counted on: a first start marked, or a rebuild. */
export type RestoredPartition = Exclude<RestoreOutcome, { status: 'intact' }> & {
  readonly topic: string;
  readonly partition: number;
};

/** What happened to one partition's records. */
export interface PartitionOutcome extends CounterStats {
  readonly topic: string;
  readonly partition: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly records: number;
}

export interface BatchOutcome {
  readonly partitions: PartitionOutcome[];
  /** Per topic: accepted, late, duplicate and rejected records of this batch. */
  readonly topics: Record<string, CounterStats & { records: number }>;
  readonly deadLetters: number;
  /** Reason code -> records rejected for it in this batch. */
  readonly rejections: Record<string, number>;
  /** First starts and rebuilds done before counting this batch. */
  readonly restored: RestoredPartition[];
}

/** Thrown by the local failure switch. */
export class InjectedFailureError extends Error {
  override name = 'InjectedFailureError';
}

/** Thrown when a partition step keeps losing the offset race (another invocation on the same partition). */
export class OffsetConflictError extends Error {
  override name = 'OffsetConflictError';
}

const MAX_PLAN_ATTEMPTS = 3;

interface DecodedPartition {
  readonly source: PartitionRecords;
  readonly valid: CountableRecord[];
  readonly rejected: Array<DeadLetter & { code: string }>;
}

/**
 * Counts `event` into Redis. Resolves when every partition is applied; throws (so that Lambda
 * retries the whole batch) when Redis or the dead-letter write fails. A retry is exact.
 */
export async function countBatch(event: KafkaEvent, deps: CounterDependencies): Promise<BatchOutcome> {
  const decoded = decodePartitions(partitionsOf(event), deps.limits);

  const { applied, restored } = await readOffsetsRestoringLost(deps, decoded);
  const fresh = decoded.flatMap((p) =>
    p.rejected.filter((r) => isFresh(r.record.offset, applied.get(p.source))),
  );
  await deps.deadLetters.send(fresh);

  const rejections: Record<string, number> = {};
  for (const letter of fresh) rejections[letter.code] = (rejections[letter.code] ?? 0) + 1;

  // One step per partition, issued together (one connection keeps them in order).
  const settled = await Promise.allSettled(
    decoded.map((p) => applyPartition(deps, p, applied.get(p.source) ?? null)),
  );
  const failures = settled.flatMap((s) => (s.status === 'rejected' ? [s.reason] : []));
  if (failures.length > 0) {
    const appliedCount = settled.length - failures.length;
    deps.logger?.error('partition steps failed; the batch will be retried', {
      appliedPartitions: appliedCount,
      failedPartitions: failures.length,
      error: failures[0] instanceof Error ? failures[0].message : String(failures[0]),
    });
    throw failures[0];
  }

  // After the steps, as when an invocation dies before Lambda hears back: the retry redelivers
  // records already counted, and only the offset guard keeps it exact. That is what a test of the
  // switch should prove; failing earlier would make any retry trivially exact.
  if (deps.failureSwitchKey !== undefined && (await deps.redis.getdel(deps.failureSwitchKey)) !== null) {
    throw new InjectedFailureError(
      `local failure switch ${deps.failureSwitchKey} was set: failing this batch after its counts were applied`,
    );
  }

  const partitions = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  await Promise.all(
    [...new Set(decoded.map((p) => p.source.topic))].map((topic) =>
      advanceWatermark(deps.redis, deps.settings, topic),
    ),
  );
  // A null-prototype object: `__proto__` is a legal Kafka topic name.
  const topics: BatchOutcome['topics'] = Object.create(null);
  for (const p of partitions) {
    const t = topics[p.topic] ?? { records: 0, accepted: 0, late: 0, duplicate: 0, rejected: 0 };
    topics[p.topic] = t;
    t.records += p.records;
    t.accepted += p.accepted;
    t.late += p.late;
    t.duplicate += p.duplicate;
    t.rejected += p.rejected;
  }
  return { partitions, topics, deadLetters: fresh.length, rejections, restored };
}

function decodePartitions(partitions: PartitionRecords[], limits: DecodeLimits): DecodedPartition[] {
  return partitions.map((source) => {
    const valid: CountableRecord[] = [];
    const rejected: DecodedPartition['rejected'] = [];
    for (const record of source.records) {
      const tweet = decodeTweetBase64(record.value, record.timestamp, limits);
      if (tweet.ok)
        valid.push({ offset: record.offset, eventTime: tweet.eventTime, hashtags: tweet.hashtags });
      else rejected.push({ record, reason: tweet.reason, code: tweet.code });
    }
    return { source, valid, rejected };
  });
}

async function readProgress(
  deps: CounterDependencies,
  decoded: readonly DecodedPartition[],
): Promise<Map<PartitionRecords, PartitionProgress>> {
  const byTopic = new Map<string, DecodedPartition[]>();
  for (const p of decoded) byTopic.set(p.source.topic, [...(byTopic.get(p.source.topic) ?? []), p]);
  const result = new Map<PartitionRecords, PartitionProgress>();
  await Promise.all(
    [...byTopic].map(async ([topic, parts]) => {
      const progress = await readPartitionProgress(
        deps.redis,
        deps.settings,
        deps.consumerGroup,
        topic,
        parts.map((p) => p.source.partition),
      );
      for (const p of parts) {
        result.set(p.source, progress.get(p.source.partition) ?? { applied: null, rebuildTo: null });
      }
    }),
  );
  return result;
}

/**
 * The applied offset of every partition of the batch, after restoring the partitions that need it
 * (no applied offset, a gap between the applied offset and the batch, or a rebuild left unfinished
 * by an earlier invocation). The common case costs one round trip per topic and no Kafka call.
 */
async function readOffsetsRestoringLost(
  deps: CounterDependencies,
  decoded: DecodedPartition[],
): Promise<{ applied: Map<PartitionRecords, number | null>; restored: RestoredPartition[] }> {
  const progress = await readProgress(deps, decoded);
  const { log } = deps;
  const pending = decoded.filter((p) => {
    const at = progress.get(p.source);
    const first = p.source.records[0]?.offset ?? 0;
    return at !== undefined && (at.applied === null || at.rebuildTo !== null || first > at.applied + 1);
  });
  const restored: RestoredPartition[] = [];
  if (log !== undefined && pending.length > 0) {
    const nowMs = (deps.now ?? Date.now)();
    const outcomes = await Promise.all(
      pending.map(async ({ source }) => {
        const outcome = await restorePartition(deps.redis, deps.settings, log, {
          consumerGroup: deps.consumerGroup,
          topic: source.topic,
          partition: source.partition,
          upTo: source.records[0]?.offset ?? 0,
          progress: progress.get(source) ?? { applied: null, rebuildTo: null },
          limits: deps.limits,
          nowMs,
        });
        return { ...outcome, topic: source.topic, partition: source.partition };
      }),
    );
    for (const o of outcomes) if (o.status !== 'intact') restored.push(o);
    if (outcomes.some((o) => o.status === 'rebuilt')) {
      for (const [source, at] of await readProgress(deps, pending)) progress.set(source, at);
    }
  }
  const applied = new Map<PartitionRecords, number | null>();
  for (const [source, at] of progress) applied.set(source, at.applied);
  return { applied, restored };
}

function isFresh(offset: number, applied: number | null | undefined): boolean {
  return applied === null || applied === undefined || offset > applied;
}

async function applyPartition(
  deps: CounterDependencies,
  partition: DecodedPartition,
  appliedOffset: number | null,
): Promise<PartitionOutcome> {
  const { source } = partition;
  const records = source.records;
  let expected = appliedOffset;
  for (let attempt = 1; attempt <= MAX_PLAN_ATTEMPTS; attempt++) {
    const freshRecords = records.filter((r) => isFresh(r.offset, expected));
    const valid = partition.valid.filter((r) => isFresh(r.offset, expected));
    const rejected = freshRecords.length - valid.length;
    const duplicate = records.length - freshRecords.length;
    const result = await applyPartitionStep(deps.redis, deps.settings, {
      consumerGroup: deps.consumerGroup,
      topic: source.topic,
      partition: source.partition,
      expectedOffset: expected,
      newOffset: freshRecords.at(-1)?.offset ?? null,
      records: valid,
      duplicates: duplicate,
      rejected,
    });
    if (result.status === 'applied') {
      return {
        topic: source.topic,
        partition: source.partition,
        firstOffset: records[0]?.offset ?? -1,
        lastOffset: records.at(-1)?.offset ?? -1,
        records: records.length,
        accepted: result.accepted,
        late: result.late,
        duplicate,
        rejected,
      };
    }
    // The offset went back or vanished (FLUSHALL, a failover, a restart without its data) between
    // reading it and this step: Redis lost state under this invocation. Re-planning from there
    // would count this batch on top of nothing; failing it makes the retry rebuild first.
    if (expected !== null && (result.storedOffset === null || result.storedOffset < expected)) {
      throw new OffsetConflictError(
        `${source.topic}-${source.partition}: the applied offset went from ${expected} to ${result.storedOffset ?? 'none'} during this batch (state lost); the retry rebuilds it from Kafka`,
      );
    }
    deps.logger?.warn('offset moved under this invocation; re-planning the partition', {
      topicPartition: `${source.topic}-${source.partition}`,
      expectedOffset: expected,
      storedOffset: result.storedOffset,
    });
    expected = result.storedOffset;
  }
  throw new OffsetConflictError(
    `${source.topic}-${source.partition}: the applied offset kept moving during ${MAX_PLAN_ATTEMPTS} attempts`,
  );
}
