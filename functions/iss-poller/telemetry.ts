/**
 * What operators see of the poller: a structured log line and a metric for every rejected API
 * answer and every unforeseen source failure, one line per published or skipped position, and the
 * per-invocation totals as metrics (EMF).
 */
import type { Logger } from '#lib/logger.ts';
import { type Metrics, MetricUnit } from '#lib/metrics.ts';
import type { RejectionListener } from './api-sources.ts';
import type { PollEvent, PollSummary } from './poller.ts';

/** Logs and counts each rejected answer, by source and reason. */
export function rejectionReporter(logger: Logger, metrics: Metrics): RejectionListener {
  return (rejection) => {
    logger.warn('ISS response rejected', {
      source: rejection.source,
      reason: rejection.reason,
      detail: rejection.message,
    });
    const metric = metrics.singleMetric();
    metric.addDimensions({ source: rejection.source, reason: rejection.reason });
    metric.addMetric('IssResponsesRejected', MetricUnit.Count, 1);
  };
}

/** Logs what each poll did; counts source failures that are neither a rejection nor an open circuit. */
export function pollEventReporter(logger: Logger, metrics: Metrics): (event: PollEvent) => void {
  return (e) => {
    if (e.type === 'published') logger.info('ISS position published', { position: e.position });
    else if (e.type === 'duplicate') logger.info('ISS position not newer than the last one', { ...e });
    else if (e.type === 'no-position') logger.warn('no ISS position from any source', { poll: e.poll });
    else if (e.type === 'source-failed') {
      // Not an answer we rejected: a bug or an unforeseen failure (Powertools logs the stack).
      logger.error('ISS source failed unexpectedly', { source: e.source, error: e.error });
      const metric = metrics.singleMetric();
      metric.addDimensions({ source: e.source });
      metric.addMetric('IssSourceErrors', MetricUnit.Count, 1);
    } else logger.debug('ISS source skipped', { source: e.source, reason: e.reason });
  };
}

/** The invocation's totals: metrics (flushed by the logMetrics middleware) and one log line. */
export function reportPolling(logger: Logger, metrics: Metrics, summary: PollSummary): void {
  metrics.addMetric('IssPositionsPublished', MetricUnit.Count, summary.published);
  metrics.addMetric('IssPositionsFromSgp4', MetricUnit.Count, summary.bySource.sgp4);
  metrics.addMetric('IssDuplicatesSkipped', MetricUnit.Count, summary.duplicates);
  metrics.addMetric('IssPollsWithoutPosition', MetricUnit.Count, summary.noPosition);
  logger.info('ISS polling done', { ...summary });
}
