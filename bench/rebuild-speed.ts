/**
 * Rebuild speed: how fast a partition whose state Redis lost is replayed from Kafka into Redis
 * (state/windows/rebuild.ts through lib/kafka-partition-log.ts), in records/s. Produces `records`
 * tweets on a private one-partition topic of the local broker, records the marker at 0 (counting
 * started there) and restores the partition into the local Redis under a private key prefix, as
 * the counter would after a FLUSHALL. Cleans up its topic and keys.
 *
 *   npx tsx bench/rebuild-speed.ts [records, default 200000]
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { encodeTweet } from '#contracts/tweet.ts';
import { kafkaPartitionLog } from '#lib/kafka-partition-log.ts';
import { restorePartition, type WindowSettings } from '#state/windows/index.ts';

const records = Number(process.argv[2] ?? 200_000);
const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
const id = randomUUID();
const topic = `bench-rebuild-${id}`;
const consumerGroup = `bench-rebuild-${id}`;
const settings: WindowSettings = {
  keyPrefix: `bench:${id}`,
  windowSeconds: 60,
  slideSeconds: 10,
  allowedLatenessSeconds: 60,
  retentionSeconds: 3600,
};

const kafka = new Kafka({ clientId: 'bench-rebuild', brokers, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
const log = kafkaPartitionLog({ kafka: async () => kafka, consumerGroup });
try {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const now = Date.now();
  const tags = Array.from({ length: 500 }, (_, i) => `#Tag${i}`);
  for (let i = 0; i < records; i += 5_000) {
    const messages = [];
    for (let j = i; j < Math.min(records, i + 5_000); j++) {
      const eventTime = now - 3_000_000 + Math.floor((j * 3_000_000) / records);
      const tag = tags[(j * 7919) % tags.length] as string;
      messages.push({
        value: encodeTweet({
          usuario: '@bench',
          texto: `sobre ${tag}`,
          hashtag_principal: tag,
          timestamp: eventTime / 1000,
        }),
      });
    }
    await producer.send({ topic, acks: -1, messages });
  }
  await producer.disconnect();
  await log.markCounted(topic, 0, 0);

  const outcome = await restorePartition(redis, settings, log, {
    consumerGroup,
    topic,
    partition: 0,
    upTo: records,
    progress: { applied: null, rebuildTo: null },
    limits: { maxValueBytes: 16 * 1024, maxFutureSkewMs: 300_000 },
    nowMs: Date.now(),
  });
  if (outcome.status !== 'rebuilt') throw new Error(`expected a rebuild, got ${outcome.status}`);
  console.log(
    JSON.stringify({
      records: outcome.records,
      counted: outcome.accepted,
      seconds: Number(outcome.seconds.toFixed(2)),
      recordsPerSecond: Math.round(outcome.records / outcome.seconds),
    }),
  );
} finally {
  await log.close();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.deleteGroups([`${consumerGroup}.counted`]).catch(() => undefined);
  await admin.disconnect();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${settings.keyPrefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}
