/**
 * Helpers for the producer integration tests: unique topics on the real broker, reading a topic
 * from the beginning, a Lambda context, the EventBridge fixture, and captured log lines.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Context, ScheduledEvent } from 'aws-lambda';
import { Kafka, logLevel } from 'kafkajs';

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

/** The EventBridge scheduled event from the AWS documentation (a fresh copy each call). */
export function scheduledEvent(overrides: Partial<ScheduledEvent> = {}): ScheduledEvent {
  const file = path.join(__dirname, '../fixtures/eventbridge/scheduled-event.json');
  const event = structuredClone(JSON.parse(readFileSync(file, 'utf8')) as ScheduledEvent);
  return { ...event, ...overrides };
}

/** A Lambda context whose remaining time counts down from `remainingMs`. */
export function lambdaContext(functionName: string, remainingMs: number): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/11/22/[$LATEST]test',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** Captures the JSON lines written to stdout and stderr (Powertools logs, EMF metrics) while `fn` runs. */
export async function captureJsonLines<T>(
  fn: () => Promise<T>,
): Promise<{ result: T; lines: Record<string, unknown>[] }> {
  const chunks: string[] = [];
  const capture = (chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  // Powertools writes INFO and metrics to stdout, WARN and ERROR to stderr.
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation(capture),
    jest.spyOn(process.stderr, 'write').mockImplementation(capture),
  ];
  try {
    const result = await fn();
    const lines = chunks
      .join('')
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    return { result, lines };
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}
