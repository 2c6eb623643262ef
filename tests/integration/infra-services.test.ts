/**
 * The local services as the rest of the suite uses them: the real Kafka broker and Redis server
 * started by tooling/infra/cli.ts (the global setup ran `infraUp`).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { loadConfig } from '#lib/config.ts';
import { checkKafkaRoundTrip, checkRedis } from '../../tooling/doctor/doctor.ts';
import { ensureTopics, infraSettings, infraUp } from '../../tooling/infra/infra.ts';

const settings = infraSettings();
const brokers = `${settings.host}:${settings.kafkaPort}`;
const kafka = new Kafka({ clientId: 'infra-test', brokers: [brokers], logLevel: logLevel.NOTHING });

describe('local Kafka broker', () => {
  const topic = `infra-test-${randomUUID()}`;
  const admin = kafka.admin();

  beforeAll(async () => {
    await admin.connect();
  });

  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('creates a topic once and leaves it unchanged when asked again', async () => {
    const first = await ensureTopics(brokers, [{ name: topic, partitions: 3 }]);
    const second = await ensureTopics(brokers, [{ name: topic, partitions: 5 }]);

    expect(first).toEqual([topic]);
    expect(second).toEqual([]);
    const metadata = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(metadata.topics[0]?.partitions).toHaveLength(3);
  });

  it('round-trips messages through all 3 partitions in order per partition', async () => {
    await ensureTopics(brokers, [{ name: topic, partitions: 3 }]);
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const sent = Array.from({ length: 30 }, (_, i) => ({ partition: i % 3, value: `m-${i}` }));
    await producer.send({ topic, acks: -1, messages: sent });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `infra-test-${randomUUID()}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: Array<{ partition: number; value: string }> = [];
    await new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          received.push({ partition, value: message.value?.toString() ?? '' });
          if (received.length === sent.length) resolve();
        },
      });
    });
    await consumer.disconnect();

    for (const partition of [0, 1, 2]) {
      expect(received.filter((r) => r.partition === partition).map((r) => r.value)).toEqual(
        sent.filter((s) => s.partition === partition).map((s) => s.value),
      );
    }
  });

  it('creates the pipeline topics with the partitions the design names', async () => {
    const metadata = await admin.fetchTopicMetadata({ topics: settings.topics.map((t) => t.name) });
    const partitions = Object.fromEntries(metadata.topics.map((t) => [t.name, t.partitions.length]));

    expect(partitions).toEqual({
      tweets_topic: 3,
      'iss-positions': 1,
      // Each topic's dead-letter topic.
      'tweets_topic.dlq': 1,
      'iss-positions.dlq': 1,
    });
  });
});

describe('local Redis server', () => {
  it('answers PING and round-trips a value', async () => {
    const redis = new Redis({ host: settings.host, port: settings.redisPort });
    const key = `test:${randomUUID()}`;
    try {
      expect(await redis.ping()).toBe('PONG');
      await redis.set(key, 'héllo #Spark', 'EX', 30);
      expect(await redis.get(key)).toBe('héllo #Spark');
    } finally {
      await redis.del(key);
      redis.disconnect();
    }
  });
});

describe('infra:up on running services', () => {
  it('reuses the running broker and server instead of starting new ones', async () => {
    const result = await infraUp(settings, () => undefined);

    expect(result.started).toEqual([]);
    expect([...result.reused].sort()).toEqual(['kafka', 'redis']);
  });
});

describe('doctor', () => {
  it('reports every check as passing against the running services', async () => {
    const config = loadConfig({
      KAFKA_BROKERS: brokers,
      REDIS_URL: `redis://${settings.host}:${settings.redisPort}`,
    });

    const checks = [...(await checkKafkaRoundTrip(config)), ...(await checkRedis(config))];

    expect(checks.filter((c) => !c.ok)).toEqual([]);
    expect(checks.map((c) => c.name)).toEqual(['Kafka', 'topic tweets_topic', 'produce', 'consume', 'Redis']);
  });

  it('tells a missing topic apart from an unreachable broker', async () => {
    const config = loadConfig({
      KAFKA_BROKERS: brokers,
      REDIS_URL: `redis://${settings.host}:${settings.redisPort}`,
      TWEETS_TOPIC: `doctor-missing-${Date.now()}`,
    });

    const checks = await checkKafkaRoundTrip(config, 2000);

    expect(checks).toEqual([
      expect.objectContaining({ name: 'Kafka', ok: true }),
      expect.objectContaining({
        name: `topic ${config.topics.tweets}`,
        ok: false,
        detail: expect.stringContaining('does not exist: `npm run infra:up` creates it'),
      }),
    ]);
  });

  it('names the unreachable service and how to start it', async () => {
    const config = loadConfig({ KAFKA_BROKERS: '127.0.0.1:1', REDIS_URL: 'redis://127.0.0.1:1' });

    const checks = [...(await checkKafkaRoundTrip(config, 2000)), ...(await checkRedis(config))];

    expect(checks).toEqual([
      expect.objectContaining({
        name: 'Kafka',
        ok: false,
        detail: expect.stringContaining('npm run infra:up'),
      }),
      expect.objectContaining({
        name: 'Redis',
        ok: false,
        detail: expect.stringContaining('npm run infra:up'),
      }),
    ]);
  });
});
