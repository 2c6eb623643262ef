/**
 * What operators see of a tracked batch: one structured log line (partitions with their offset
 * ranges and counts, rejections) and CloudWatch metrics (EMF): records in, positions applied,
 * stale, duplicate, rejected, dead-letter writes, batch latency, and lag (how old the batch's
 * oldest record was when it was applied: how far `GET /iss/position` trails the topic). A track
 * replayed from Kafka (restore-track.ts) is one more INFO line and `PartitionsRebuilt`,
 * `RecordsReplayed` (the counter's names, functions/hashtag-counter/restore-telemetry.ts).
 */
import { reportConsumerBatch } from '#lib/batch-telemetry.ts';
import type { Logger } from '#lib/logger.ts';
import { type Metrics, MetricUnit } from '#lib/metrics.ts';
import type { RestoredTrack } from './restore-track.ts';
import type { TrackOutcome } from './track-batch.ts';

/** One INFO line per partition whose track was replayed, and the metrics of all of them. */
export function reportRestores(logger: Logger, metrics: Metrics, restored: readonly RestoredTrack[]): void {
  if (restored.length === 0) return;
  for (const r of restored) {
    logger.info(
      'no applied offset in Redis for this partition (state lost, or a new group): replayed its track from Kafka before the batch',
      {
        topicPartition: `${r.topic}-${r.partition}`,
        replayedOffsets: `${r.from}..${r.to - 1}`,
        records: r.records,
        applied: r.applied,
        skipped: r.skipped,
        ms: Math.round(r.ms),
      },
    );
  }
  metrics.addMetric('PartitionsRebuilt', MetricUnit.Count, restored.length);
  metrics.addMetric(
    'RecordsReplayed',
    MetricUnit.Count,
    restored.reduce((n, r) => n + r.records, 0),
  );
}

export function reportTracking(
  logger: Logger,
  metrics: Metrics,
  outcome: TrackOutcome,
  latencyMs: number,
  nowMs: number,
): void {
  const sum = (field: 'records' | 'applied' | 'stale' | 'duplicate' | 'rejected') =>
    outcome.partitions.reduce((n, p) => n + p[field], 0);
  reportConsumerBatch(logger, metrics, {
    message: 'batch tracked',
    latencyMs,
    counts: {
      RecordsIn: sum('records'),
      PositionsApplied: sum('applied'),
      PositionsStale: sum('stale'),
      RecordsDuplicate: sum('duplicate'),
      RecordsRejected: sum('rejected'),
      DeadLetterWrites: outcome.deadLetters,
    },
    lag: { metric: 'TrackerLag', oldestRecordTimestamp: outcome.oldestRecordTimestamp, nowMs },
    details: {
      partitions: outcome.partitions,
      deadLetters: outcome.deadLetters,
      rejections: outcome.rejections,
    },
  });
}
