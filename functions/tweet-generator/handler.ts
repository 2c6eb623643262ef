/**
 * `tweet-generator` (EventBridge schedule): publishes TWEETS_PER_INVOCATION synthetic tweets to
 * the tweets topic, keyed by user, all at once or paced at TWEETS_PER_SECOND; some talk about
 * where the ISS is (app.ts). Wiring only: the container's config and clients, the handler.
 */
import { lambdaContainer } from '#lib/container.ts';
import { createTweetGeneratorHandler } from './app.ts';

const { config, logger, metrics, redis, producer, exported } = lambdaContainer('tweet-generator');

export const handler = exported(
  createTweetGeneratorHandler({
    redis: redis.get,
    producer,
    topic: config.topics.tweets,
    keyPrefix: config.redis.keyPrefix,
    generation: config.generator,
    batching: config.kafka,
    logger,
    metrics,
  }),
);
