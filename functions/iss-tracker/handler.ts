/**
 * `iss-tracker` (Kafka event source mapping on `iss-positions`, MSK or self-managed): keeps the
 * latest ISS position and the bounded track in Redis from the topic, exactly once per record
 * (app.ts, track-batch.ts). Wiring only: the container's config and clients, the dead-letter sink,
 * the reader of the topic (to restore a lost track), the handler.
 */
import { deadLetterTopicOf } from '#contracts/topics.ts';
import { DEFAULT_MAX_VALUE_BYTES } from '#contracts/tweet.ts';
import { lambdaContainer } from '#lib/container.ts';
import { kafkaDeadLetterSink } from '#lib/dead-letter.ts';
import { createKafka, resolveConnection } from '#lib/kafka.ts';
import { kafkaPartitionLog } from '#lib/kafka-partition-log.ts';
import { createIssTrackerHandler } from './app.ts';

const { config, logger, metrics, redis, producer, exported } = lambdaContainer('iss-tracker');

export const handler = exported(
  createIssTrackerHandler({
    redis: redis.get,
    keyPrefix: config.redis.keyPrefix,
    consumerGroup: config.consumerGroupId,
    track: { trackLength: config.iss.trackLength, ttlSeconds: config.iss.positionTtlSeconds },
    deadLetters: kafkaDeadLetterSink(producer, deadLetterTopicOf(config.topics.iss)),
    limits: {
      maxValueBytes: DEFAULT_MAX_VALUE_BYTES,
      maxFutureSkewMs: config.windows.maxFutureSkewSeconds * 1000,
    },
    // Read back only to restore the track of a partition whose state Redis has lost
    // (restore-track.ts); no consumer group and no marker group are used.
    log: kafkaPartitionLog({
      kafka: async () => createKafka(config, await resolveConnection(config), logger),
      consumerGroup: config.consumerGroupId,
    }),
    logger,
    metrics,
  }),
);
