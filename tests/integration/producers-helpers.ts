/**
 * Helpers for the producer integration tests: unique topics on the real broker, a producer with
 * the functions' settings, reading a topic from the beginning.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { loadConfig } from '#lib/config.ts';
import { createIdempotentProducer, createKafka } from '#lib/kafka.ts';

export const BROKERS = ['127.0.0.1:9092'];
const kafka = new Kafka({ clientId: 'producers-tests', brokers: BROKERS, logLevel: logLevel.NOTHING });

export async function createTopic(prefix: string, partitions = 1): Promise<string> {
  const topic = `${prefix}-${randomUUID()}`;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
  return topic;
}

export async function deleteTopics(topics: string[]): Promise<void> {
  if (topics.length === 0) return;
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics });
  } finally {
    await admin.disconnect();
  }
}

export interface ReadRecord {
  key: string | null;
  value: string;
  partition: number;
  offset: string;
}

/**
 * Reads every record of `topic` from the beginning: per partition up to its high watermark at
 * the time of the call (so the test knows when it has seen everything).
 */
export async function readTopic(topic: string): Promise<ReadRecord[]> {
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const remaining = new Map(offsets.map((o) => [o.partition, Number(o.high)]));
  const expected = [...remaining.values()].reduce((a, b) => a + b, 0);
  const records: ReadRecord[] = [];
  if (expected === 0) return records;
  const consumer = kafka.consumer({ groupId: `producers-tests-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`read ${records.length}/${expected} records of ${topic}`)),
      30_000,
    );
    consumer
      .run({
        eachMessage: async ({ partition, message }) => {
          if (Number(message.offset) >= (remaining.get(partition) ?? 0)) return;
          records.push({
            key: message.key?.toString() ?? null,
            value: message.value?.toString() ?? '',
            partition,
            offset: message.offset,
          });
          if (records.length === expected) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return records.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}

/** One producer with the functions' own settings (idempotent, acks=-1), connected on first use. */
export function testProducer(): { readonly get: () => Promise<Producer>; close(): Promise<void> } {
  const producer = createIdempotentProducer(createKafka(loadConfig({}), { brokers: BROKERS }));
  let connected: Promise<void> | undefined;
  return {
    get: async () => {
      connected ??= producer.connect();
      await connected;
      return producer;
    },
    close: async () => {
      if (connected) await producer.disconnect();
    },
  };
}
