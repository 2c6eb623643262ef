/**
 * What operators see of a batch: one structured log line with the batch context (topic-partitions,
 * offset ranges, counts) and CloudWatch metrics (EMF) for records in, accepted, late, duplicate,
 * rejected, dead-letter writes and batch latency.
 */

import { reportConsumerBatch } from '#lib/batch-telemetry.ts';
import type { KafkaEvent } from '#lib/kafka-event.ts';
import type { Logger } from '#lib/logger.ts';
import type { Metrics } from '#lib/metrics.ts';
import type { BatchOutcome } from './count-batch.ts';

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
  reportConsumerBatch(logger, metrics, {
    message: 'batch counted',
    latencyMs,
    counts: {
      RecordsIn: recordsIn,
      RecordsAccepted: accepted,
      RecordsLate: late,
      RecordsDuplicate: duplicate,
      RecordsRejected: rejected,
      DeadLetterWrites: outcome.deadLetters,
    },
    details: {
      topics: outcome.topics,
      partitions: outcome.partitions,
      deadLetters: outcome.deadLetters,
      rejections: outcome.rejections,
    },
  });
}
