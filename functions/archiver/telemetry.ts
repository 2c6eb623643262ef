/**
 * What operators see of an archived batch: one structured log line (topics, files with their keys,
 * rows and bytes, rejections) and CloudWatch metrics (EMF): records in, archived, rejected, dead
 * letters, files written, bytes written, batch latency, and lag (how old the batch's oldest record
 * was when its files were durable: how far the lake trails the topic).
 */
import type { Logger } from '#lib/logger.ts';
import { type Metrics, MetricUnit } from '#lib/metrics.ts';
import type { ArchiveOutcome } from './archive-batch.ts';

export function reportArchive(
  logger: Logger,
  metrics: Metrics,
  outcome: ArchiveOutcome,
  latencyMs: number,
  nowMs: number,
): void {
  let records = 0;
  let archived = 0;
  let rejected = 0;
  for (const t of Object.values(outcome.topics)) {
    records += t.records;
    archived += t.archived;
    rejected += t.rejected;
  }
  const bytes = outcome.files.reduce((n, f) => n + f.bytes, 0);
  const lagMs =
    outcome.oldestRecordTimestamp === null ? 0 : Math.max(0, nowMs - outcome.oldestRecordTimestamp);
  metrics.addMetric('RecordsIn', MetricUnit.Count, records);
  metrics.addMetric('RecordsArchived', MetricUnit.Count, archived);
  metrics.addMetric('RecordsRejected', MetricUnit.Count, rejected);
  metrics.addMetric('DeadLetterWrites', MetricUnit.Count, outcome.deadLetters);
  metrics.addMetric('FilesWritten', MetricUnit.Count, outcome.files.length);
  metrics.addMetric('BytesWritten', MetricUnit.Bytes, bytes);
  metrics.addMetric('BatchLatency', MetricUnit.Milliseconds, latencyMs);
  metrics.addMetric('ArchiveLag', MetricUnit.Milliseconds, lagMs);
  logger.info('batch archived', {
    latencyMs: Math.round(latencyMs * 10) / 10,
    lagMs,
    topics: outcome.topics,
    files: outcome.files,
    bytes,
    deadLetters: outcome.deadLetters,
    rejections: outcome.rejections,
  });
}
