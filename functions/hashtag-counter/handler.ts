/**
 * `hashtag-counter` (Kafka event source mapping, MSK or self-managed): counts each batch of tweets
 * into the event-time windows in Redis exactly once (app.ts, count-batch.ts). Wiring only: the
 * container's config and clients, the dead-letter sink, the handler.
 */
import { DEFAULT_MAX_VALUE_BYTES } from '#contracts/tweet.ts';
import { lambdaContainer } from '#lib/container.ts';
import { kafkaDeadLetterSink } from '#lib/dead-letter.ts';
import { createKafka, resolveConnection } from '#lib/kafka.ts';
import { kafkaPartitionLog } from '#lib/kafka-partition-log.ts';
import { windowSettingsFrom } from '#state/windows/index.ts';
import { createHashtagCounterHandler } from './app.ts';

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
    // Read back only to rebuild a partition whose state Redis has lost (state/windows/rebuild.ts).
    log: kafkaPartitionLog({
      kafka: async () => createKafka(config, await resolveConnection(config), logger),
      consumerGroup: config.consumerGroupId,
    }),
    logger,
    metrics,
  }),
);
