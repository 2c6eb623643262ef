/**
 * What operators see of one batch of a Kafka consumer, the same way for every consumer: count
 * metrics, `BatchLatency` and, where the consumer measures it, a lag metric (how old the batch's
 * oldest record was when its effect was durable) as CloudWatch metrics (EMF, flushed by the
 * logMetrics middleware), and one structured log line with the latency, the lag and the
 * consumer's own details (topics, partitions, files, rejections).
 */
import type { Logger } from '#lib/logger.ts';
import { type Metrics, MetricUnit } from '#lib/metrics.ts';

export interface ConsumerBatchReport {
  /** The log line's message, e.g. `batch archived`. */
  message: string;
  latencyMs: number;
  /** Metrics in records (unit Count), by metric name: `RecordsIn`, `DeadLetterWrites`, … */
  counts: Readonly<Record<string, number>>;
  /** Metrics in bytes (unit Bytes), by metric name. */
  bytes?: Readonly<Record<string, number>>;
  /** The lag metric's name and what it is measured from; a batch with no timestamp has lag 0. */
  lag?: { metric: string; oldestRecordTimestamp: number | null; nowMs: number };
  /** The consumer's own fields of the log line. */
  details: Readonly<Record<string, unknown>>;
}

/** Milliseconds from the batch's oldest record to now, never negative (clocks skew). */
export function batchLagMs(oldestRecordTimestamp: number | null, nowMs: number): number {
  return oldestRecordTimestamp === null ? 0 : Math.max(0, nowMs - oldestRecordTimestamp);
}

export function reportConsumerBatch(logger: Logger, metrics: Metrics, report: ConsumerBatchReport): void {
  for (const [name, value] of Object.entries(report.counts)) {
    metrics.addMetric(name, MetricUnit.Count, value);
  }
  for (const [name, value] of Object.entries(report.bytes ?? {})) {
    metrics.addMetric(name, MetricUnit.Bytes, value);
  }
  metrics.addMetric('BatchLatency', MetricUnit.Milliseconds, report.latencyMs);
  let lag: { lagMs?: number } = {};
  if (report.lag !== undefined) {
    const lagMs = batchLagMs(report.lag.oldestRecordTimestamp, report.lag.nowMs);
    metrics.addMetric(report.lag.metric, MetricUnit.Milliseconds, lagMs);
    lag = { lagMs };
  }
  logger.info(report.message, {
    latencyMs: Math.round(report.latencyMs * 10) / 10,
    ...lag,
    ...report.details,
  });
}
