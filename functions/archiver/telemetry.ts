/**
 * What operators see of an archived batch: one structured log line (topics, files with their keys,
 * rows and bytes, rejections) and CloudWatch metrics (EMF): records in, archived, rejected, dead
 * letters, files written, bytes written, batch latency, and lag (how old the batch's oldest record
 * was when its files were durable: how far the lake trails the topic).
 */
import { reportConsumerBatch } from '#lib/batch-telemetry.ts';
import type { Logger } from '#lib/logger.ts';
import type { Metrics } from '#lib/metrics.ts';
import type { ArchiveOutcome } from './archive-batch.ts';

export function reportArchive(
  logger: Logger,
  metrics: Metrics,
  outcome: ArchiveOutcome,
  latencyMs: number,
  nowMs: number,
): void {
  const topics = Object.values(outcome.topics);
  const sum = (field: 'records' | 'archived' | 'rejected') => topics.reduce((n, t) => n + t[field], 0);
  const bytes = outcome.files.reduce((n, f) => n + f.bytes, 0);
  reportConsumerBatch(logger, metrics, {
    message: 'batch archived',
    latencyMs,
    counts: {
      RecordsIn: sum('records'),
      RecordsArchived: sum('archived'),
      RecordsRejected: sum('rejected'),
      DeadLetterWrites: outcome.deadLetters,
      FilesWritten: outcome.files.length,
    },
    bytes: { BytesWritten: bytes },
    lag: { metric: 'ArchiveLag', oldestRecordTimestamp: outcome.oldestRecordTimestamp, nowMs },
    details: {
      topics: outcome.topics,
      files: outcome.files,
      bytes,
      deadLetters: outcome.deadLetters,
      rejections: outcome.rejections,
    },
  });
}
