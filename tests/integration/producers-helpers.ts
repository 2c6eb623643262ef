/**
 * Helpers for the producer integration tests: unique topics on the real broker, a producer with
 * the functions' settings, reading a topic from the beginning.
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { loadConfig } from '#lib/config.ts';
import { createIdempotentProducer, createKafka } from '#lib/kafka.ts';
import { readMessages } from '../support/kafka-read.ts';
import { KAFKA_BROKERS } from '../support/services.ts';

export const BROKERS = KAFKA_BROKERS;
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
  const records = await readMessages<ReadRecord>(
    kafka,
    topic,
    expected,
    ({ partition, message }) =>
      // Only what was there at the call: the test then knows when it has seen everything.
      Number(message.offset) >= (remaining.get(partition) ?? 0)
        ? undefined
        : {
            key: message.key?.toString() ?? null,
            value: message.value?.toString() ?? '',
            partition,
            offset: message.offset,
          },
    { group: 'producers-tests', timeoutMs: 30_000 },
  );
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
