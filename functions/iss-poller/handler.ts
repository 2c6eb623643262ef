/**
 * `iss-poller` (EventBridge schedule, rate(1 minute)): polls the ISS position every
 * ISS_POLL_INTERVAL seconds for the length of the invocation and publishes every new valid
 * position to the ISS topic and to Redis. Config, sources (with their circuit breakers), the
 * Kafka producer and the Redis client live at module scope and survive warm invocations.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { loadConfig } from '#lib/config.ts';
import { closingAfterLocalInvoke } from '#lib/invoke-local.ts';
import { BatchingPublisher, disconnectSharedProducer, getSharedProducer } from '#lib/kafka.ts';
import { createLogger } from '#lib/logger.ts';
import { createMetrics, MetricUnit } from '#lib/metrics.ts';
import { containerRedis } from '#lib/redis.ts';
import { saveIssPosition } from '#state/iss/index.ts';
import { createIssSources, refreshTle } from './iss-sources.ts';
import { type PollSummary, pollIss, systemClock } from './poller.ts';

const config = loadConfig();
const logger = createLogger('iss-poller', config.logLevel);
const metrics = createMetrics('iss-poller');
const { sources, propagator } = createIssSources(config, (rejection) => {
  logger.warn('ISS response rejected', {
    source: rejection.source,
    reason: rejection.reason,
    detail: rejection.message,
  });
  const metric = metrics.singleMetric();
  metric.addDimensions({ source: rejection.source, reason: rejection.reason });
  metric.addMetric('IssResponsesRejected', MetricUnit.Count, 1);
});

const redis = containerRedis(config);

// Kept free at the end of the invocation for the last publish and the return.
const SAFETY_MARGIN_MS = 2000;

export const handler = closingAfterLocalInvoke(
  config.invokeLocal,
  middy<ScheduledEvent, PollSummary, Error, Context>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .handler(pollOnce),
  () => Promise.all([redis.close(), disconnectSharedProducer()]),
);

async function pollOnce(event: ScheduledEvent, context: Context): Promise<PollSummary> {
  logger.appendKeys({ scheduledEventId: event.id, scheduledTime: event.time });
  refreshTle(config, propagator, logger);
  const [client, producer] = await Promise.all([redis.get(), getSharedProducer(config, logger)]);
  const publisher = new BatchingPublisher(producer, {
    topic: config.topics.iss,
    batchSize: 1,
    compression: 'none',
  });

  const summary = await pollIss(
    {
      intervalMs: config.iss.pollIntervalSeconds * 1000,
      pollDurationMs: config.iss.pollDurationSeconds * 1000,
      remainingMs: context.getRemainingTimeInMillis(),
      safetyMarginMs: SAFETY_MARGIN_MS,
      pollBudgetMs: Math.max(config.iss.pollIntervalSeconds, config.iss.requestTimeoutSeconds) * 1000,
    },
    {
      sources,
      clock: systemClock,
      claim: (position) =>
        saveIssPosition(client, config.redis.keyPrefix, position, {
          trackLength: config.iss.trackLength,
          ttlSeconds: config.iss.positionTtlSeconds,
        }),
      publish: async (position) => {
        // One key: every position lands on one partition, in order.
        await publisher.publish({ key: '25544', value: JSON.stringify(position) });
        await publisher.flush();
      },
      onEvent: (e) => {
        if (e.type === 'published') logger.info('ISS position published', { position: e.position });
        else if (e.type === 'duplicate') logger.info('ISS position not newer than the last one', { ...e });
        else if (e.type === 'no-position') logger.warn('no ISS position from any source', { poll: e.poll });
        else logger.debug('ISS source skipped', { source: e.source, reason: e.reason });
      },
    },
  );

  metrics.addMetric('IssPositionsPublished', MetricUnit.Count, summary.published);
  metrics.addMetric('IssPositionsFromSgp4', MetricUnit.Count, summary.bySource.sgp4);
  metrics.addMetric('IssDuplicatesSkipped', MetricUnit.Count, summary.duplicates);
  metrics.addMetric('IssPollsWithoutPosition', MetricUnit.Count, summary.noPosition);
  logger.info('ISS polling done', { ...summary });
  return summary;
}
