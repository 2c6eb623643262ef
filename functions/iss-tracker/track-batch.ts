/**
 * Applying one Lambda batch of `iss-positions` records to the ISS state in Redis, exactly once
 * per record:
 *
 * 1. decode every record against the contract (decode-position.ts); a record that is not a
 *    position, or whose event time is further ahead of its Kafka timestamp than allowed (it would
 *    hold the "latest" position hostage), becomes a dead letter with its reason;
 * 2. read each partition's last applied offset; where Redis has none (its state was lost, or a
 *    new group), first replay the track's worth of records before the batch from Kafka
 *    (restore-track.ts); then send the fresh dead letters (above the offset) to the dead-letter
 *    topic, waiting for the acknowledgement;
 * 3. apply each partition in one atomic Redis step that adds the fresh positions newer than the
 *    latest one and moves the offset (APPLY_POSITIONS in state/iss/lua-scripts.ts).
 *
 * Dead letters are durable before the offset moves past them: a failure in between makes Lambda
 * retry the batch, which sends them again (at-least-once, headers name topic, partition and
 * offset) and then applies; a retry after 3 changes nothing.
 * https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html
 */
import type { IssPosition } from '#contracts/iss-position.ts';
import type { DeadLetter, DeadLetterSink } from '#lib/dead-letter.ts';
import { type KafkaEvent, type KafkaRecordRef, partitionsOf } from '#lib/kafka-event.ts';
import type { RedisClient } from '#lib/redis.ts';
import { applyIssPositions, readIssAppliedOffset, type SaveIssPositionOptions } from '#state/iss/index.ts';
import { decodePositionRecord, type PositionLimits } from './decode-position.ts';
import { type RestoredTrack, restoreTrack, type TrackLog } from './restore-track.ts';

export interface TrackerDependencies {
  readonly redis: RedisClient;
  readonly keyPrefix: string;
  readonly consumerGroup: string;
  readonly track: SaveIssPositionOptions;
  readonly deadLetters: DeadLetterSink;
  readonly limits: PositionLimits;
  /**
   * The topic read back, to restore the track of a partition whose state Redis has lost
   * (restore-track.ts). Without it, such a partition's track starts again from the batch.
   */
  readonly log?: TrackLog | undefined;
}

/** What one partition's share of the batch did. */
export interface TrackedPartition {
  readonly topic: string;
  readonly partition: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly records: number;
  /** Positions that became the latest one. */
  readonly applied: number;
  /** Positions not newer than the latest one (ignored). */
  readonly stale: number;
  /** Records at or below the applied offset (a redelivery; ignored). */
  readonly duplicate: number;
  readonly rejected: number;
}

export interface TrackOutcome {
  readonly partitions: TrackedPartition[];
  readonly deadLetters: number;
  /** Reason code -> records rejected for it. */
  readonly rejections: Record<string, number>;
  /** Smallest Kafka timestamp in the batch (epoch ms), or null for an empty batch. */
  readonly oldestRecordTimestamp: number | null;
  /** Partitions whose track was replayed from Kafka before the batch (no applied offset in Redis). */
  readonly restored: RestoredTrack[];
}

/**
 * Applies `event` to the ISS state. Resolves when every partition is applied; throws otherwise
 * (Lambda retries the batch; a retry is exact).
 * @throws MalformedEventError when the event is not a Kafka event.
 */
export async function trackBatch(event: KafkaEvent, deps: TrackerDependencies): Promise<TrackOutcome> {
  const rejections: Record<string, number> = {};
  let deadLetters = 0;
  let oldest: number | null = null;
  const partitions: TrackedPartition[] = [];
  const restored: RestoredTrack[] = [];
  for (const p of partitionsOf(event)) {
    const applied = await readIssAppliedOffset(
      deps.redis,
      deps.keyPrefix,
      deps.consumerGroup,
      p.topic,
      p.partition,
    );
    const first = p.records[0] as KafkaRecordRef;
    if (applied === null && deps.log !== undefined) {
      const replay = await restoreTrack({ ...deps, log: deps.log }, p.topic, p.partition, first.offset);
      if (replay !== null) restored.push(replay);
    }
    const fresh = p.records.filter((r) => applied === null || r.offset > applied);
    const positions: Array<{ offset: number; position: IssPosition }> = [];
    const letters: DeadLetter[] = [];
    for (const record of fresh) {
      const decoded = decodePositionRecord(record, deps.limits);
      if (decoded.ok) positions.push({ offset: record.offset, position: decoded.position });
      else {
        letters.push({ record, reason: decoded.reason });
        rejections[decoded.code] = (rejections[decoded.code] ?? 0) + 1;
      }
    }
    await deps.deadLetters.send(letters);
    deadLetters += letters.length;
    const last = p.records.at(-1) as KafkaRecordRef;
    const step =
      fresh.length === 0
        ? { applied: 0, stale: 0, duplicate: 0 }
        : await applyIssPositions(
            deps.redis,
            deps.keyPrefix,
            {
              consumerGroup: deps.consumerGroup,
              topic: p.topic,
              partition: p.partition,
              lastOffset: last.offset,
              positions,
            },
            deps.track,
          );
    for (const r of p.records) if (oldest === null || r.timestamp < oldest) oldest = r.timestamp;
    partitions.push({
      topic: p.topic,
      partition: p.partition,
      firstOffset: first.offset,
      lastOffset: last.offset,
      records: p.records.length,
      applied: step.applied,
      stale: step.stale,
      // Records filtered out here, plus any the script found applied by an overlapping invocation.
      duplicate: p.records.length - fresh.length + step.duplicate,
      rejected: letters.length,
    });
  }
  return { partitions, deadLetters, rejections, oldestRecordTimestamp: oldest, restored };
}
