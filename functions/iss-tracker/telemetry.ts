/**
 * What operators see of a tracked batch: one structured log line (partitions with their offset
 * ranges and counts, rejections) and CloudWatch metrics (EMF): records in, positions applied,
 * stale, duplicate, rejected, dead-letter writes, batch latency, and lag (how old the batch's
 * oldest record was when it was applied: how far `GET /iss/position` trails the topic).
 */
import { reportConsumerBatch } from '#lib/batch-telemetry.ts';
import type { Logger } from '#lib/logger.ts';
import type { Metrics } from '#lib/metrics.ts';
import type { TrackOutcome } from './track-batch.ts';

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
