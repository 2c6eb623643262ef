/**
 * The tweet-generator against the real Kafka broker and Redis: the handler invoked with the
 * EventBridge scheduled event, and the generation run through the layer's batching publisher.
 * Every record read back is decoded with the counter's own contract (contracts/tweet.ts).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { decodeTweet, encodeTweet, readTweet, type Tweet } from '#contracts/tweet.ts';
import { loadConfig } from '#lib/config.ts';
import { BatchingPublisher } from '#lib/kafka-publisher.ts';
import { createLogger } from '#lib/logger.ts';
import { createMetrics } from '#lib/metrics.ts';
import { saveIssPosition } from '#state/iss/index.ts';
import { createTweetGeneratorHandler } from '../../functions/tweet-generator/app.ts';
import { generateTweets } from '../../functions/tweet-generator/generation-run.ts';
import { TweetModel } from '../../functions/tweet-generator/tweet-model.ts';
import { HASHTAGS } from '../../functions/tweet-generator/tweet-vocabulary.ts';
import { deleteKeysWithPrefix } from '../fixtures/msk/kafka-events.ts';
import { captureJsonLines } from '../support/json-lines.ts';
import { lambdaContext, scheduledEvent } from '../support/lambda.ts';
import { REDIS_URL } from '../support/services.ts';
import { createTopic, deleteTopics, readTopic, testProducer } from './producers-helpers.ts';

const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
const keyPrefix = `test:${randomUUID()}`;
const topics: string[] = [];
const producer = testProducer();

afterAll(async () => {
  await deleteTopics(topics);
  await deleteKeysWithPrefix(redis, keyPrefix);
  await redis.quit();
  await producer.close();
});

/** The handler built from these settings (as environment variables), the test's Redis and producer. */
async function invokeGenerator(env: Record<string, string>, event = scheduledEvent()) {
  const config = loadConfig({ STAGE: 'local', ...env });
  const handler = createTweetGeneratorHandler({
    redis: async () => redis,
    producer: producer.get,
    topic: config.topics.tweets,
    keyPrefix: config.redis.keyPrefix,
    generation: config.generator,
    batching: config.kafka,
    logger: createLogger('tweet-generator', 'WARN'),
    metrics: createMetrics('tweet-generator'),
  });
  // Its EMF metric lines would flood the test output.
  const { result } = await captureJsonLines(() => handler(event, lambdaContext('tweet-generator', 30_000)));
  return result;
}

const contractLimits = { maxValueBytes: 16 * 1024, maxFutureSkewMs: 300_000 };

/** The records of `topic`, each a tweet the counter counts for its hashtag_principal (else it throws). */
const tweetsOf = async (topic: string) =>
  (await readTopic(topic)).map((r) => {
    const value = Buffer.from(r.value, 'utf8');
    const read = readTweet(value);
    if (!read.ok) throw new Error(`${r.value}: ${read.reason}`);
    const counted = decodeTweet(value, read.tweet.timestamp * 1000, contractLimits);
    if (!counted.ok) throw new Error(`${r.value}: ${counted.reason}`);
    expect(counted.hashtags.map((h) => h.form)).toEqual([read.tweet.hashtag_principal]);
    return { ...r, tweet: read.tweet };
  });

describe('tweet-generator handler', () => {
  it('publishes N valid tweets keyed by user, ISS-aware, with their event time', async () => {
    const topic = await createTopic('tweets-n', 3);
    topics.push(topic);
    const prefix = `${keyPrefix}:n`;
    await saveIssPosition(
      redis,
      prefix,
      { latitude: 0, longitude: -150, timestamp: Math.floor(Date.now() / 1000), source: 'sgp4' },
      { trackLength: 5, ttlSeconds: 60 },
    );
    const before = Date.now() / 1000;

    const result = await invokeGenerator({
      TWEETS_TOPIC: topic,
      TWEETS_PER_INVOCATION: '3000',
      REDIS_KEY_PREFIX: prefix,
      KAFKA_PRODUCER_BATCH_SIZE: '250',
    });
    const after = Date.now() / 1000;

    const records = await tweetsOf(topic);
    expect(records).toHaveLength(3000);
    expect(result).toMatchObject({ generated: 3000, stoppedEarly: false });
    const partitionOfUser = new Map<string, number>();
    for (const { key, partition, tweet } of records) {
      expect(key).toBe(tweet.usuario);
      expect(tweet.timestamp).toBeGreaterThanOrEqual(Math.floor(before * 1000) / 1000);
      expect(tweet.timestamp).toBeLessThanOrEqual(after);
      expect(partitionOfUser.get(tweet.usuario) ?? partition).toBe(partition);
      partitionOfUser.set(tweet.usuario, partition);
    }
    const iss = records.filter((r) => r.tweet.texto.includes('#ISS'));
    expect(iss.length).toBe(result.issTweets);
    expect(iss.length).toBeGreaterThan(50);
    for (const r of iss) expect(r.tweet.texto).toContain('#PacificOcean');
  });

  it('replays the same tweets for the same seed and scheduled event, and others for another event', async () => {
    const topic = await createTopic('tweets-seed', 1);
    topics.push(topic);
    const env = {
      TWEETS_TOPIC: topic,
      TWEETS_PER_INVOCATION: '1000',
      GENERATOR_SEED: 'reproducible',
      REDIS_KEY_PREFIX: `${keyPrefix}:seed`,
    };

    await invokeGenerator(env);
    await invokeGenerator(env);
    await invokeGenerator(env, scheduledEvent({ time: '2015-10-08T16:54:06Z' }));

    const content = (await tweetsOf(topic)).map(({ tweet: { timestamp: _t, ...rest } }) => rest);
    expect(content).toHaveLength(3000);
    expect(content.slice(1000, 2000)).toEqual(content.slice(0, 1000));
    expect(content.slice(2000, 3000)).not.toEqual(content.slice(0, 1000));
  });
});

describe('tweet generation through the batching publisher', () => {
  it('shows the long-tail popularity and a burst that surges and fades in the per-minute counts', async () => {
    const topic = await createTopic('tweets-trends', 3);
    topics.push(topic);
    const publisher = new BatchingPublisher(await producer.get(), {
      topic,
      batchSize: 500,
      compression: 'gzip',
    });
    const periodStart = 1_800_000_000 - (1_800_000_000 % 600);
    let now = periodStart * 1000;
    const clock = {
      now: () => now,
      sleep: async (ms: number) => {
        now += ms;
      },
    };
    const model = new TweetModel('trends');

    // 20 minutes of scenario time at 20 tweets/s, on a clock that jumps instead of waiting.
    const result = await generateTweets(
      {
        count: 24_000,
        tweetsPerSecond: 20,
        scenarioStartMs: periodStart * 1000,
        deadlineMs: Number.MAX_SAFE_INTEGER,
      },
      model,
      null,
      {
        publish: (t) => publisher.publish({ key: t.usuario, value: encodeTweet(t) }),
        flush: () => publisher.flush(),
      },
      clock,
    );

    const tweets = (await tweetsOf(topic)).map((r) => r.tweet);
    expect(tweets).toHaveLength(24_000);
    expect(publisher.sent).toBe(result.generated);

    const byTag = new Map<Tweet['hashtag_principal'], number>();
    for (const t of tweets) byTag.set(t.hashtag_principal, (byTag.get(t.hashtag_principal) ?? 0) + 1);
    const [first, second, tenth] = [HASHTAGS[0], HASHTAGS[1], HASHTAGS[9]].map((tag) => byTag.get(tag) ?? 0);
    expect(first).toBeGreaterThan((second ?? 0) * 1.5);
    expect(first).toBeGreaterThan((tenth ?? 0) * 8);

    const burst = model.burstOfPeriod(periodStart / 600);
    const inMinute = (fromSeconds: number) =>
      tweets.filter(
        (t) =>
          t.hashtag_principal === burst.hashtag &&
          t.timestamp >= fromSeconds &&
          t.timestamp < fromSeconds + 60,
      ).length;
    const peak = inMinute(burst.startSeconds + 30);
    expect(peak).toBeGreaterThan(150);
    expect(peak).toBeGreaterThan(inMinute(burst.startSeconds - 60) * 5);
    expect(peak).toBeGreaterThan(inMinute(burst.startSeconds + 480) * 5);
  });
});
