/**
 * Kafka for the archiver's tests: uniquely named topics (with their dead-letter topics) on the
 * real broker, records produced to them with chosen Kafka timestamps, the Lambda event built from
 * what the broker answered (real offsets), and a reader for the dead-letter topics.
 */
import { randomUUID } from 'node:crypto';
import type { MSKEvent, SelfManagedKafkaEvent } from 'aws-lambda';
import { Kafka, logLevel, type Producer } from 'kafkajs';
import { deadLetterTopicOf } from '#contracts/topics.ts';
import { kafkaEvent, type RecordSpec } from '../fixtures/msk/kafka-events.ts';
import { headerStrings, readMessages } from './kafka-read.ts';
import { KAFKA_BROKERS } from './services.ts';

export const BROKERS = KAFKA_BROKERS;

/** A record as produced: where the broker put it and what it holds. */
export interface ProducedRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Kafka timestamp, epoch ms (CreateTime, as produced). */
  readonly timestamp: number;
  readonly value: Buffer;
}

export interface DeadLetterRecord {
  readonly value: Buffer | null;
  readonly headers: Record<string, string>;
}

export interface ArchiverKafka {
  readonly kafka: Kafka;
  /** Creates `name-<id>` with `partitions` partitions and its dead-letter topic; returns the name. */
  createTopic(name: string, partitions: number): Promise<string>;
  /** Produces `values` to one partition, in order, each with its Kafka timestamp. */
  produce(
    topic: string,
    partition: number,
    values: ReadonlyArray<{ value: string | Buffer; timestamp: number }>,
  ): Promise<ProducedRecord[]>;
  /** The first `count` messages of `topic` (waits up to 20 s for them). */
  read(topic: string, count: number): Promise<DeadLetterRecord[]>;
  close(): Promise<void>;
}

/** The Lambda event (MSK shape unless told) holding exactly `records`. */
export function eventOf(
  records: readonly ProducedRecord[],
  source: 'msk' | 'self-managed-kafka' = 'msk',
): MSKEvent | SelfManagedKafkaEvent {
  const specs: RecordSpec[] = records.map((r) => ({
    topic: r.topic,
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    value: r.value,
  }));
  return kafkaEvent(source, specs);
}

export async function startArchiverKafka(): Promise<ArchiverKafka> {
  const id = randomUUID().slice(0, 8);
  const kafka = new Kafka({ clientId: `archiver-test-${id}`, brokers: BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const producer: Producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const created: string[] = [];

  return {
    kafka,
    async createTopic(name, partitions) {
      const topic = `${name}-${id}`;
      await admin.createTopics({
        topics: [
          { topic, numPartitions: partitions },
          { topic: deadLetterTopicOf(topic), numPartitions: 1 },
        ],
        waitForLeaders: true,
      });
      created.push(topic, deadLetterTopicOf(topic));
      return topic;
    },
    async produce(topic, partition, values) {
      const [meta] = await producer.send({
        topic,
        acks: -1,
        messages: values.map((v) => ({ partition, value: v.value, timestamp: String(v.timestamp) })),
      });
      if (meta === undefined) throw new Error(`no produce answer for ${topic}-${partition}`);
      const base = Number(meta.baseOffset);
      return values.map((v, i) => ({
        topic,
        partition,
        offset: base + i,
        timestamp: v.timestamp,
        value: Buffer.isBuffer(v.value) ? v.value : Buffer.from(v.value, 'utf8'),
      }));
    },
    read: (topic, count) =>
      readMessages<DeadLetterRecord>(kafka, topic, count, ({ message }) => ({
        value: message.value,
        headers: headerStrings(message.headers),
      })),
    async close() {
      await producer.disconnect();
      if (created.length > 0) await admin.deleteTopics({ topics: created }).catch(() => undefined);
      await admin.disconnect();
    },
  };
}
