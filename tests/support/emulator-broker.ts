/**
 * The shared set-up of the emulator's integration tests against the real broker: a kafkajs client,
 * a silent log for the emulator, a poll-until helper, and the suite's admin, producer and topics
 * (connected before the suite, deleted after it).
 */
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import pWaitFor from 'p-wait-for';
import { KAFKA_BROKERS } from './services.ts';

export const brokers = KAFKA_BROKERS;

/** The emulator's log, silenced: the tests assert on what it does, not on what it says. */
export const quietLog = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export function emulatorKafka(clientId: string): Kafka {
  return new Kafka({ clientId, brokers, logLevel: logLevel.NOTHING });
}

/** Polls `check` every 50 ms until it holds, or fails after `timeoutMs`. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  await pWaitFor(check, {
    interval: 50,
    timeout: { milliseconds: timeoutMs, message: 'condition not met in time' },
  });
}

/**
 * The suite's admin and producer, connected in beforeAll; `createTopic` makes a fresh topic that
 * afterAll deletes. Call it at the top of a describe block.
 */
export function suiteBroker(kafka: Kafka, topicPrefix: string) {
  const admin = kafka.admin();
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  const topics: string[] = [];

  beforeAll(async () => {
    await admin.connect();
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    await admin.deleteTopics({ topics }).catch(() => undefined);
    await admin.disconnect();
  });

  async function createTopic(partitions: number): Promise<string> {
    const topic = `${topicPrefix}-${randomUUID()}`;
    topics.push(topic);
    await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions }] });
    return topic;
  }

  return { admin, producer, createTopic };
}
