/**
 * What operators see of a rebuild (state/windows/rebuild.ts): a WARN line per partition whose
 * state Redis had lost, an ERROR line when Kafka no longer held all of it, and metrics to alarm
 * on: `PartitionsRebuilt`, `RecordsReplayed`, `StateLossUncovered` (partitions whose loss the
 * topic's retention could not cover). A first start is one INFO line.
 */
import type { Logger } from '#lib/logger.ts';
import { type Metrics, MetricUnit } from '#lib/metrics.ts';
import type { RestoredPartition } from './count-batch.ts';

export function reportRestores(
  logger: Logger,
  metrics: Metrics,
  restored: readonly RestoredPartition[],
): void {
  let rebuilt = 0;
  let replayed = 0;
  let uncovered = 0;
  for (const r of restored) {
    const topicPartition = `${r.topic}-${r.partition}`;
    if (r.status === 'not-in-log') {
      logger.warn(
        'records of a partition Kafka does not have (an event built by hand?): counted, but no rebuild could restore them',
        {
          topicPartition,
        },
      );
      continue;
    }
    if (r.status === 'first-start') {
      logger.info('first batch of a partition: counting starts here', { topicPartition, offset: r.markedAt });
      continue;
    }
    // An offset gap with no records in it (transaction markers, compaction) is no news.
    if (r.reason === 'gap' && r.records === 0) continue;
    rebuilt += 1;
    replayed += r.records;
    const message = {
      lost: 'Redis had lost this partition; rebuilt it from Kafka before counting the batch',
      gap: 'records between the applied offset and the batch had not been counted (a Redis failover that lost recent writes, or a batch given up on); counted them from Kafka',
      resumed: 'resumed an unfinished rebuild of this partition from Kafka',
    }[r.reason];
    logger.warn(message, {
      topicPartition,
      replayedOffsets: `${r.from}..${r.to - 1}`,
      records: r.records,
      accepted: r.accepted,
      rejected: r.rejected,
      seconds: Math.round(r.seconds * 100) / 100,
      recordsPerSecond: r.seconds > 0 ? Math.round(r.records / r.seconds) : null,
    });
    if (r.uncovered !== null) {
      uncovered += 1;
      logger.error(
        'state loss not fully covered: the broker no longer holds offsets this group had counted',
        {
          topicPartition,
          missingOffsets: `${r.uncovered.from}..${r.uncovered.to - 1}`,
          fix: 'raise the topic retention (retention.ms) above RETENTION_SECONDS + ALLOWED_LATENESS_SECONDS',
        },
      );
    }
  }
  if (rebuilt > 0) {
    metrics.addMetric('PartitionsRebuilt', MetricUnit.Count, rebuilt);
    metrics.addMetric('RecordsReplayed', MetricUnit.Count, replayed);
    metrics.addMetric('StateLossUncovered', MetricUnit.Count, uncovered);
  }
}
