/**
 * Metrics in CloudWatch Embedded Metric Format (Powertools Metrics): on AWS they become
 * CloudWatch metrics from the log line alone, with no API call on the hot path; locally they
 * are one more JSON line to read.
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export type { Metrics };
export { MetricUnit };

export const METRICS_NAMESPACE = 'TrendingHashtags';

export function createMetrics(serviceName: string): Metrics {
  return new Metrics({
    namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
    serviceName,
    defaultDimensions: { stage: process.env.STAGE ?? 'local' },
  });
}
