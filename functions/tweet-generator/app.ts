/**
 * The generator as a Lambda handler for its EventBridge schedule, built from explicit
 * dependencies: handler.ts passes the container's clients and config, tests their own.
 */
import { randomUUID } from 'node:crypto';
import { encodeTweet } from '#contracts/tweet.ts';
import { type Clock, systemClock } from '#lib/clock.ts';
import type { AppConfig } from '#lib/config.ts';
import type { Producer } from '#lib/kafka.ts';
import { BatchingPublisher } from '#lib/kafka-publisher.ts';
import type { Logger } from '#lib/logger.ts';
import { type Metrics, MetricUnit } from '#lib/metrics.ts';
import type { RedisClient } from '#lib/redis.ts';
import { createScheduledHandler, type ScheduledHandler } from '#lib/scheduled-handler.ts';
import { readIssPosition } from '#state/iss/index.ts';
import { type GenerationResult, generateTweets } from './generation-run.ts';
import { TweetModel } from './tweet-model.ts';

export interface TweetGeneratorDependencies {
  /** Where the latest ISS position is read (connected). */
  readonly redis: () => Promise<RedisClient>;
  /** The producer the tweets go through (connected). */
  readonly producer: () => Promise<Producer>;
  readonly topic: string;
  readonly keyPrefix: string;
  readonly generation: AppConfig['generator'];
  readonly batching: Pick<AppConfig['kafka'], 'producerBatchSize' | 'compression'>;
  readonly clock?: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

// Kept free at the end of the invocation for the flush and the return.
const SAFETY_MARGIN_MS = 3000;

/** Publishes one invocation's tweets, some about where the ISS is, and flushes them. */
export function createTweetGeneratorHandler(
  deps: TweetGeneratorDependencies,
): ScheduledHandler<GenerationResult> {
  const { logger, metrics, generation } = deps;
  const clock = deps.clock ?? systemClock;
  return createScheduledHandler(deps, async (event, context) => {
    const scheduledMs = Date.parse(event.time);
    const scenarioStartMs = Number.isNaN(scheduledMs) ? clock.now() : scheduledMs;
    // With GENERATOR_SEED a replay of the same scheduled event produces the same tweets.
    const seed = generation.seed ? `${generation.seed}:${event.time}` : randomUUID();
    logger.appendKeys({ seed });

    const [client, producer] = await Promise.all([deps.redis(), deps.producer()]);
    const { latest } = await readIssPosition(client, deps.keyPrefix);
    const publisher = new BatchingPublisher(producer, {
      topic: deps.topic,
      batchSize: deps.batching.producerBatchSize,
      compression: deps.batching.compression,
    });

    const result = await generateTweets(
      {
        count: generation.tweetsPerInvocation,
        tweetsPerSecond: generation.tweetsPerSecond,
        scenarioStartMs,
        deadlineMs: clock.now() + context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS,
      },
      new TweetModel(seed),
      latest,
      {
        publish: (tweet) => publisher.publish({ key: tweet.usuario, value: encodeTweet(tweet) }),
        flush: () => publisher.flush(),
      },
      clock,
    );

    metrics.addMetric('TweetsPublished', MetricUnit.Count, publisher.sent);
    metrics.addMetric('IssTweetsPublished', MetricUnit.Count, result.issTweets);
    logger.info('tweets published', { ...result, sent: publisher.sent, issPosition: latest });
    return result;
  });
}
