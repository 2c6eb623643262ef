/**
 * `hashtag-counter` (Kafka event source mapping, MSK or self-managed): counts each batch of tweets
 * into the event-time windows in Redis exactly once (see count-batch.ts). A thrown error fails the
 * batch and Lambda retries it whole; the offset guard in Redis makes the retry exact.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { MSKEvent, SelfManagedKafkaEvent } from 'aws-lambda';
import { loadConfig } from '#lib/config.ts';
import { errorMessage } from '#lib/errors.ts';
import { closingAfterLocalInvoke } from '#lib/invoke-local.ts';
import { disconnectSharedProducer, getSharedProducer } from '#lib/kafka.ts';
import { createLogger } from '#lib/logger.ts';
import { createMetrics } from '#lib/metrics.ts';
import { containerRedis } from '#lib/redis.ts';
import { windowSettingsFrom } from '#state/windows/index.ts';
import { countBatch } from './count-batch.ts';
import { kafkaDeadLetterSink } from './dead-letter.ts';
import { batchContext, reportBatch } from './telemetry.ts';
import { DEFAULT_MAX_VALUE_BYTES } from './tweet.ts';

const config = loadConfig();
const logger = createLogger('hashtag-counter', config.logLevel);
const metrics = createMetrics('hashtag-counter');
const settings = windowSettingsFrom(config);
const limits = {
  maxValueBytes: DEFAULT_MAX_VALUE_BYTES,
  maxFutureSkewMs: config.windows.maxFutureSkewSeconds * 1000,
};
const deadLetters = kafkaDeadLetterSink(() => getSharedProducer(config, logger), config.topics.deadLetter);

const redis = containerRedis(config);

/** Closes the container's clients (tests and local scripts; a Lambda container just freezes). */
export async function closeCounterClients(): Promise<void> {
  await Promise.all([redis.close(), disconnectSharedProducer()]);
}

export const handler = closingAfterLocalInvoke(
  config.invokeLocal,
  middy<MSKEvent | SelfManagedKafkaEvent, void>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (event) => {
      const context = batchContext(event);
      logger.appendKeys({ batch: context });
      const started = performance.now();
      try {
        const outcome = await countBatch(event, {
          redis: await redis.get(),
          settings,
          consumerGroup: config.consumerGroupId,
          deadLetters,
          limits,
          failureSwitchKey: config.localFailureSwitchKey,
          logger,
        });
        reportBatch(logger, metrics, context.records, outcome, performance.now() - started);
      } catch (error) {
        logger.error('batch failed; Lambda will retry it whole', { error: errorMessage(error) });
        throw error;
      }
    }),
  closeCounterClients,
);
