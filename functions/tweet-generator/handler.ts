/**
 * `tweet-generator` (EventBridge schedule): publishes TWEETS_PER_INVOCATION synthetic tweets to
 * the tweets topic, keyed by user, all at once or paced at TWEETS_PER_SECOND; some talk about
 * where the ISS is (latest position from Redis). Config, producer and Redis client live at module
 * scope and survive warm invocations.
 */
import { randomUUID } from 'node:crypto';
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
import { readIssPosition } from '#state/iss/index.ts';
import { type GenerationResult, generateTweets } from './generation-run.ts';
import { TweetModel } from './tweet-model.ts';

const config = loadConfig();
const logger = createLogger('tweet-generator', config.logLevel);
const metrics = createMetrics('tweet-generator');

const redis = containerRedis(config);

const SAFETY_MARGIN_MS = 3000;
const clock = { now: () => Date.now(), sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };

export const handler = closingAfterLocalInvoke(
  config.invokeLocal,
  middy<ScheduledEvent, GenerationResult, Error, Context>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .handler(generate),
  () => Promise.all([redis.close(), disconnectSharedProducer()]),
);

async function generate(event: ScheduledEvent, context: Context): Promise<GenerationResult> {
  const scheduledMs = Date.parse(event.time);
  const scenarioStartMs = Number.isNaN(scheduledMs) ? Date.now() : scheduledMs;
  // With GENERATOR_SEED a replay of the same scheduled event produces the same tweets.
  const seed = config.generator.seed ? `${config.generator.seed}:${event.time}` : randomUUID();
  logger.appendKeys({ scheduledEventId: event.id, scheduledTime: event.time, seed });

  const [client, producer] = await Promise.all([redis.get(), getSharedProducer(config, logger)]);
  const { latest } = await readIssPosition(client, config.redis.keyPrefix);
  const publisher = new BatchingPublisher(producer, {
    topic: config.topics.tweets,
    batchSize: config.kafka.producerBatchSize,
    compression: config.kafka.compression,
  });

  const result = await generateTweets(
    {
      count: config.generator.tweetsPerInvocation,
      tweetsPerSecond: config.generator.tweetsPerSecond,
      scenarioStartMs,
      deadlineMs: Date.now() + context.getRemainingTimeInMillis() - SAFETY_MARGIN_MS,
    },
    new TweetModel(seed),
    latest,
    {
      publish: (tweet) => publisher.publish({ key: tweet.usuario, value: JSON.stringify(tweet) }),
      flush: () => publisher.flush(),
    },
    clock,
  );

  metrics.addMetric('TweetsPublished', MetricUnit.Count, publisher.sent);
  metrics.addMetric('IssTweetsPublished', MetricUnit.Count, result.issTweets);
  logger.info('tweets published', { ...result, sent: publisher.sent, issPosition: latest });
  return result;
}
