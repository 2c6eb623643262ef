/**
 * `hashtag-counter` (Kafka event source mapping, MSK or self-managed): counts each batch of tweets
 * into the event-time windows in Redis exactly once (app.ts, count-batch.ts). Wiring only: the
 * container's config and clients, the dead-letter sink, the handler.
 */
import { DEFAULT_MAX_VALUE_BYTES } from '#contracts/tweet.ts';
import { lambdaContainer } from '#lib/container.ts';
import { windowSettingsFrom } from '#state/windows/index.ts';
import { createHashtagCounterHandler } from './app.ts';
import { kafkaDeadLetterSink } from './dead-letter.ts';

const { config, logger, metrics, redis, producer, exported } = lambdaContainer('hashtag-counter');

export const handler = exported(
  createHashtagCounterHandler({
    redis: redis.get,
    settings: windowSettingsFrom(config),
    consumerGroup: config.consumerGroupId,
    deadLetters: kafkaDeadLetterSink(producer, config.topics.deadLetter),
    limits: {
      maxValueBytes: DEFAULT_MAX_VALUE_BYTES,
      maxFutureSkewMs: config.windows.maxFutureSkewSeconds * 1000,
    },
    failureSwitchKey: config.localFailureSwitchKey,
    logger,
    metrics,
  }),
);
