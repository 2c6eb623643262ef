/**
 * The health check (successor of the Spark era's tester.py): produces 5 seed-shaped tweets to the
 * tweets topic, reads the same 5 back by their offsets, and checks Redis. Every check reports
 * what works and, when it does not, what to do about it.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { encodeTweet } from '#contracts/tweet.ts';
import type { AppConfig } from '#lib/config.ts';
import { errorMessage, ServiceUnavailableError } from '#lib/errors.ts';
import { redisLocation } from '#lib/redis.ts';

export interface Check {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

const MESSAGES = 5;

/** Produces 5 messages and reads exactly those back (by partition and offset). */
export async function checkKafkaRoundTrip(config: AppConfig, timeoutMs = 15_000): Promise<Check[]> {
  const brokers = [...config.kafka.brokers];
  const kafka = new Kafka({
    clientId: 'doctor',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    retry: { retries: 1 },
  });
  const topic = config.topics.tweets;
  const admin = kafka.admin();
  // Which step failed decides the advice: no broker, no topic, or a broker that misbehaves.
  let step: 'connect' | 'topic' | 'round trip' = 'connect';
  try {
    await admin.connect();
    step = 'topic';
    const topics = await admin.fetchTopicMetadata({ topics: [topic] });
    step = 'round trip';
    const partitions = topics.topics[0]?.partitions.length ?? 0;
    await admin.disconnect();
    const checks: Check[] = [
      { name: 'Kafka', ok: true, detail: `broker answers at ${brokers.join(',')}` },
      { name: `topic ${topic}`, ok: true, detail: `${partitions} partition(s)` },
    ];

    const run = randomUUID();
    const producer = kafka.producer({ idempotent: true, allowAutoTopicCreation: false });
    await producer.connect();
    const now = Date.now() / 1000;
    const sent = await producer.send({
      topic,
      acks: -1,
      messages: Array.from({ length: MESSAGES }, (_, i) => ({
        key: `@doctor-${i}`,
        value: encodeTweet({
          usuario: `@doctor-${i}`,
          texto: `health check ${i + 1}/${MESSAGES} #doctor`,
          hashtag_principal: '#doctor',
          timestamp: now,
        }),
        headers: { 'doctor-run': run },
      })),
    });
    await producer.disconnect();
    checks.push({ name: 'produce', ok: true, detail: `${MESSAGES} messages written (acks=all)` });

    // Read back from where the produce landed, with a throwaway group, and match on our run id.
    const consumer = kafka.consumer({ groupId: `doctor-${run}`, retry: { retries: 1 } });
    const received = new Set<string>();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: false });
    const done = new Promise<void>((resolve) => {
      void consumer.run({
        eachMessage: async ({ message }) => {
          if (message.headers?.['doctor-run']?.toString() === run)
            received.add(message.key?.toString() ?? '');
          if (received.size === MESSAGES) resolve();
        },
      });
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      for (const meta of sent)
        consumer.seek({ topic, partition: meta.partition, offset: String(meta.baseOffset) });
    });
    const timedOut = new Promise<'timeout'>((resolve) =>
      setTimeout(() => resolve('timeout'), timeoutMs).unref(),
    );
    const outcome = await Promise.race([done.then(() => 'ok' as const), timedOut]);
    await consumer.disconnect();
    checks.push(
      outcome === 'ok'
        ? { name: 'consume', ok: true, detail: `read the same ${MESSAGES} messages back` }
        : {
            name: 'consume',
            ok: false,
            detail: `read ${received.size}/${MESSAGES} back within ${timeoutMs / 1000} s`,
          },
    );
    return checks;
  } catch (error) {
    await admin.disconnect().catch(() => undefined);
    if (step === 'connect') {
      return [
        {
          name: 'Kafka',
          ok: false,
          detail: new ServiceUnavailableError('Kafka', brokers.join(','), error).message,
        },
      ];
    }
    const answers: Check = { name: 'Kafka', ok: true, detail: `broker answers at ${brokers.join(',')}` };
    if (step === 'topic' && (error as { type?: string }).type === 'UNKNOWN_TOPIC_OR_PARTITION') {
      return [
        answers,
        {
          name: `topic ${topic}`,
          ok: false,
          detail: 'does not exist: `npm run infra:up` creates it (or set TWEETS_TOPIC to one that exists)',
        },
      ];
    }
    return [answers, { name: `Kafka ${step}`, ok: false, detail: errorMessage(error) }];
  }
}

/** PING, SET/GET/DEL of a throwaway key, and the server version. */
export async function checkRedis(config: AppConfig): Promise<Check[]> {
  const client = new Redis(config.redis.url, {
    lazyConnect: true,
    connectTimeout: 2000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.ping();
    const key = `${config.redis.keyPrefix}:doctor:${randomUUID()}`;
    await client.set(key, 'ok', 'EX', 10);
    const value = await client.get(key);
    await client.del(key);
    const info = await client.info('server');
    const version = /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
    return [
      {
        name: 'Redis',
        ok: value === 'ok',
        detail: `redis ${version} answers at ${redisLocation(config.redis.url)}; write/read/delete ${value === 'ok' ? 'ok' : 'failed'}`,
      },
    ];
  } catch (error) {
    return [
      {
        name: 'Redis',
        ok: false,
        detail: new ServiceUnavailableError('Redis', redisLocation(config.redis.url), error).message,
      },
    ];
  } finally {
    client.disconnect();
  }
}

export async function runDoctor(config: AppConfig): Promise<Check[]> {
  const [kafka, redis] = await Promise.all([checkKafkaRoundTrip(config), checkRedis(config)]);
  return [...kafka, ...redis];
}
