/**
 * The tweet-generator against the real Kafka broker and Redis: the handler invoked with the
 * EventBridge scheduled event, and the generation run through the layer's batching publisher.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { loadConfig } from '#lib/config.ts';
import { BatchingPublisher, createIdempotentProducer, createKafka } from '#lib/kafka.ts';
import { saveIssPosition } from '#state/iss/index.ts';
import { generateTweets } from '../../functions/tweet-generator/generation-run.ts';
import { HASHTAGS, TweetModel } from '../../functions/tweet-generator/tweet-model.ts';
import { createTopic, deleteTopics, lambdaContext, readTopic, scheduledEvent } from './producers-helpers.ts';

/** The wire contract: exactly these four fields. */
const tweetSchema = z.strictObject({
  usuario: z.string().regex(/^@\w+$/),
  texto: z.string().min(1),
  hashtag_principal: z.string().regex(/^#\w+$/u),
  timestamp: z.number().positive(),
});

const redis = new Redis('redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
const keyPrefix = `test:${randomUUID()}`;
const topics: string[] = [];
const savedEnv = { ...process.env };

afterAll(async () => {
  await deleteTopics(topics);
  const keys = await redis.keys(`${keyPrefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
});
afterEach(() => {
  process.env = { ...savedEnv };
});

async function invokeGenerator(env: Record<string, string>, event = scheduledEvent()) {
  Object.assign(process.env, {
    STAGE: 'local',
    LOG_LEVEL: 'WARN',
    KAFKA_BROKERS: '127.0.0.1:9092',
    REDIS_URL: 'redis://127.0.0.1:6379',
    // A fresh module registry per call is a new container: close its clients like invoke local.
    IS_LOCAL: 'true',
    ...env,
  });
  jest.resetModules();
  const { handler } = await import('../../functions/tweet-generator/handler.ts');
  return handler(event, lambdaContext('tweet-generator', 30_000));
}

const tweetsOf = async (topic: string) =>
  (await readTopic(topic)).map((r) => ({ ...r, tweet: tweetSchema.parse(JSON.parse(r.value)) }));

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
    const config = loadConfig({ KAFKA_BROKERS: '127.0.0.1:9092' });
    const producer = createIdempotentProducer(createKafka(config, { brokers: ['127.0.0.1:9092'] }));
    await producer.connect();
    const publisher = new BatchingPublisher(producer, { topic, batchSize: 500, compression: 'gzip' });
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
        publish: (t) => publisher.publish({ key: t.usuario, value: JSON.stringify(t) }),
        flush: () => publisher.flush(),
      },
      clock,
    );
    await producer.disconnect();

    const tweets = (await tweetsOf(topic)).map((r) => r.tweet);
    expect(tweets).toHaveLength(24_000);
    expect(publisher.sent).toBe(result.generated);

    const byTag = new Map<string, number>();
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
