/**
 * `hashtag-counter` (Kafka event source mapping, MSK or self-managed): counts each batch of tweets
 * into the event-time windows in Redis exactly once (see count-batch.ts). A thrown error fails the
 * batch and Lambda retries it whole; the offset guard in Redis makes the retry exact.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { MSKEvent, SelfManagedKafkaEvent } from 'aws-lambda';
import { loadConfig } from '#layer/config.ts';
import { errorMessage } from '#layer/errors.ts';
import { disconnectSharedProducer, getSharedProducer } from '#layer/kafka.ts';
import { createLogger } from '#layer/logger.ts';
import { createMetrics } from '#layer/metrics.ts';
import { createRedis, pingRedis, type Redis } from '#layer/redis.ts';
import { readPassword } from '#layer/secrets.ts';
import { windowSettingsFrom } from '#state/index.ts';
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

let redis: Promise<Redis> | undefined;
function redisClient(): Promise<Redis> {
  redis ??= (async () => {
    const password = config.redis.authSecretArn ? await readPassword(config.redis.authSecretArn) : undefined;
    const client = createRedis(config, password ? { password } : {});
    await pingRedis(client, config.redis.url);
    return client;
  })();
  redis.catch(() => {
    redis = undefined;
  });
  return redis;
}

/** Closes the container's clients (tests and local scripts; a Lambda container just freezes). */
export async function closeCounterClients(): Promise<void> {
  const pending = redis;
  redis = undefined;
  if (pending) (await pending.catch(() => undefined))?.disconnect();
  await disconnectSharedProducer();
}

export const handler = middy<MSKEvent | SelfManagedKafkaEvent, void>()
  .use(injectLambdaContext(logger, { resetKeys: true }))
  .use(logMetrics(metrics))
  .handler(async (event) => {
    const context = batchContext(event);
    logger.appendKeys({ batch: context });
    const started = performance.now();
    try {
      const outcome = await countBatch(event, {
        redis: await redisClient(),
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
  });
