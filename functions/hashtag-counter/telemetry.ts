/**
 * What operators see of a batch: one structured log line with the batch context (topic-partitions,
 * offset ranges, counts) and CloudWatch metrics (EMF) for records in, accepted, late, duplicate,
 * rejected, dead-letter writes and batch latency.
 */
import type { Logger } from '#lib/logger.ts';
import { type Metrics, MetricUnit } from '#lib/metrics.ts';
import type { BatchOutcome } from './count-batch.ts';
import type { KafkaEvent } from './event.ts';

/** Topic-partitions and offset ranges of an event, cheap enough to log before decoding. */
export function batchContext(event: KafkaEvent): { records: number; topicPartitions: string[] } {
  let records = 0;
  const topicPartitions: string[] = [];
  for (const [topicPartition, list] of Object.entries(event.records ?? {})) {
    if (!Array.isArray(list) || list.length === 0) continue;
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (const r of list) {
      if (typeof r?.offset !== 'number') continue;
      if (r.offset < first) first = r.offset;
      if (r.offset > last) last = r.offset;
    }
    records += list.length;
    topicPartitions.push(`${topicPartition}@${first}..${last}`);
  }
  return { records, topicPartitions };
}

/** Logs the outcome and adds the batch metrics (flushed by the logMetrics middleware). */
export function reportBatch(
  logger: Logger,
  metrics: Metrics,
  recordsIn: number,
  outcome: BatchOutcome,
  latencyMs: number,
): void {
  let accepted = 0;
  let late = 0;
  let duplicate = 0;
  let rejected = 0;
  for (const t of Object.values(outcome.topics)) {
    accepted += t.accepted;
    late += t.late;
    duplicate += t.duplicate;
    rejected += t.rejected;
  }
  metrics.addMetric('RecordsIn', MetricUnit.Count, recordsIn);
  metrics.addMetric('RecordsAccepted', MetricUnit.Count, accepted);
  metrics.addMetric('RecordsLate', MetricUnit.Count, late);
  metrics.addMetric('RecordsDuplicate', MetricUnit.Count, duplicate);
  metrics.addMetric('RecordsRejected', MetricUnit.Count, rejected);
  metrics.addMetric('DeadLetterWrites', MetricUnit.Count, outcome.deadLetters);
  metrics.addMetric('BatchLatency', MetricUnit.Milliseconds, latencyMs);
  logger.info('batch counted', {
    latencyMs: Math.round(latencyMs * 10) / 10,
    topics: outcome.topics,
    partitions: outcome.partitions,
    deadLetters: outcome.deadLetters,
    rejections: outcome.rejections,
  });
}
