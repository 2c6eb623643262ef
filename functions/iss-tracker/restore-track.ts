/**
 * Redis is a view of the log: when Redis has lost the ISS state (FLUSHALL, a restart without its
 * data), the consumer group's committed offsets are still in Kafka, so the event source never
 * delivers the old records again; the next batch would bring back the latest position but not the
 * track. So a partition with no applied offset in Redis first replays the `trackLength` records
 * before the batch from Kafka, through the same atomic step as a batch (APPLY_POSITIONS: offset
 * guard, "an older position never replaces a newer one", track trimmed to `trackLength`).
 *
 * Why no marker group (the counter needs one, state/windows/rebuild.ts): the counter must tell a
 * loss from a first start because replaying there is unbounded and would count records its group
 * never owned. Here a replay is bounded by `trackLength` records and idempotent (the offset guard
 * and the "only newer" rule make a replay of what Redis already holds change nothing), so it is
 * always safe to do: a first start of a new group from TRIM_HORIZON has its first offset at the log
 * start and replays nothing; one from LATEST gets the track of the recent positions, as it should.
 *
 * Records that are not positions are skipped in the replay: they went to the dead-letter topic when
 * first met and are not sent again.
 */

import type { IssPosition } from '#contracts/iss-position.ts';
import type { KafkaPartitionLog } from '#lib/kafka-partition-log.ts';
import type { RedisClient } from '#lib/redis.ts';
import { applyIssPositions, type SaveIssPositionOptions } from '#state/iss/index.ts';
import { decodePositionValue, type PositionLimits } from './decode-position.ts';

/** What the replay needs of Kafka: lib/kafka-partition-log.ts (kafkajs); tests may pass their own. */
export type TrackLog = Pick<KafkaPartitionLog, 'holds' | 'bounds' | 'read'>;

/** Offsets [from, to) of one partition to replay. */
export interface ReplayRange {
  readonly from: number;
  readonly to: number;
}

/**
 * The records to replay before a batch starting at `firstOffset` on a partition whose log starts at
 * `logStart`: the `trackLength` before the batch, or those the broker still holds; null when none.
 */
export function replayRange(firstOffset: number, logStart: number, trackLength: number): ReplayRange | null {
  const from = Math.max(logStart, firstOffset - Math.max(1, Math.floor(trackLength)));
  return from < firstOffset ? { from, to: firstOffset } : null;
}

export interface TrackRestoreDependencies {
  readonly redis: RedisClient;
  readonly keyPrefix: string;
  readonly consumerGroup: string;
  readonly track: SaveIssPositionOptions;
  readonly limits: PositionLimits;
  readonly log: TrackLog;
}

/** One partition's replay, for the log line and metrics (telemetry.ts). */
export interface RestoredTrack {
  readonly topic: string;
  readonly partition: number;
  /** Offsets replayed: [from, to). */
  readonly from: number;
  readonly to: number;
  /** Records read back from Kafka. */
  readonly records: number;
  /** Positions that went into the track (the rest were not newer, or not positions). */
  readonly applied: number;
  /** Records that were not positions (skipped; not dead-lettered again). */
  readonly skipped: number;
  readonly ms: number;
}

/**
 * Replays, for `topic`'s `partition` whose applied offset Redis does not have, the records before
 * `firstOffset` that make up the track. Resolves with what it did, or null when there was nothing
 * to replay (the batch starts at the log start, or the broker has no such partition: an event built
 * by hand, e.g. for `invoke local`). Throws when Kafka or Redis fails (Lambda retries the batch).
 */
export async function restoreTrack(
  deps: TrackRestoreDependencies,
  topic: string,
  partition: number,
  firstOffset: number,
): Promise<RestoredTrack | null> {
  // Offset 0 is the start of any log: no Kafka round trip on a first start of a new topic.
  if (firstOffset === 0) return null;
  const started = performance.now();
  if (!(await deps.log.holds(topic, partition))) return null;
  const { earliest, end } = await deps.log.bounds(topic, partition);
  const range = replayRange(Math.min(firstOffset, end), earliest, deps.track.trackLength);
  if (range === null) return null;
  // Read all of it, then apply it in one step: a step per chunk would move the offset, and a
  // failure after the first chunk would leave a partial track that the retry (finding an offset)
  // never completes. The range is at most trackLength records.
  let records = 0;
  let lastOffset = -1;
  const positions: Array<{ offset: number; position: IssPosition }> = [];
  await deps.log.read(topic, partition, range.from, range.to, async (chunk) => {
    for (const r of chunk) {
      const decoded = decodePositionValue(r.value, r.timestamp, deps.limits);
      if (decoded.ok) positions.push({ offset: r.offset, position: decoded.position });
      lastOffset = r.offset;
    }
    records += chunk.length;
  });
  if (lastOffset < 0) return null;
  const step = await applyIssPositions(
    deps.redis,
    deps.keyPrefix,
    { consumerGroup: deps.consumerGroup, topic, partition, lastOffset, positions },
    deps.track,
  );
  return {
    topic,
    partition,
    ...range,
    records,
    applied: step.applied,
    skipped: records - positions.length,
    ms: performance.now() - started,
  };
}
