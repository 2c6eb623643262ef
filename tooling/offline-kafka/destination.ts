/**
 * The on-failure destination of a Kafka event source mapping, `kafka://<topic>`: records the
 * function could not process (retries exhausted, or older than the maximum record age) are
 * written there, one message per record, in the format AWS documents: the failure metadata plus
 * the record itself as a one-record event payload, keyed with the record's own key (no key:
 * Kafka's default partitioning).
 */
// https://docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure-destination.html (record format, partition key)
import { randomUUID } from 'node:crypto';
import type { Kafka, Producer } from 'kafkajs';
import { type EventOrigin, type KafkaLambdaRecord, toLambdaEvent } from './event-shape.ts';

/**
 * Why records were given up on. `RetriesExhausted` is the condition AWS's Kafka page shows;
 * `RecordAgeExceeded` is the one its other stream sources report for the maximum record age.
 */
export type FailureCondition = 'RetriesExhausted' | 'RecordAgeExceeded';

export interface FailedRecords {
  readonly records: readonly KafkaLambdaRecord[];
  readonly condition: FailureCondition;
  /** Invocations that held these records. */
  readonly approximateInvokeCount: number;
  /** The last invocation's FunctionError (`Unhandled` when it failed without one: a timeout, no answer). */
  readonly functionError: string | undefined;
}

/** What the destination needs to know of the mapping. */
export interface DestinationContext {
  readonly functionArn: string;
  readonly origin: EventOrigin;
}

/** The documented message for one failed record: its key and its JSON value. */
export function failureMessage(
  context: DestinationContext,
  failed: FailedRecords,
  record: KafkaLambdaRecord,
  now: Date,
): { readonly key: Buffer | null; readonly value: string } {
  const payload = toLambdaEvent(context.origin, [record]);
  const payloadText = JSON.stringify(payload);
  const message = {
    requestContext: {
      requestId: randomUUID(),
      functionArn: `${context.functionArn}:$LATEST`,
      condition: failed.condition,
      approximateInvokeCount: failed.approximateInvokeCount,
    },
    responseContext: {
      statusCode: 200,
      executedVersion: '$LATEST',
      functionError: failed.functionError ?? 'Unhandled',
    },
    version: '1.0',
    timestamp: now.toISOString(),
    KafkaBatchInfo: {
      batchSize: 1,
      ...(context.origin.kind === 'msk' ? { eventSourceArn: context.origin.clusterArn } : {}),
      bootstrapServers: context.origin.bootstrapServers.join(','),
      payloadSize: Buffer.byteLength(payloadText),
      recordInfo: { offset: String(record.offset), timestamp: new Date(record.timestamp).toISOString() },
    },
    payload,
  };
  return {
    key: record.key === undefined ? null : Buffer.from(record.key, 'base64'),
    value: JSON.stringify(message),
  };
}

/** Writes failed records to one topic with a kafkajs producer (connected on first use). */
export class KafkaFailureDestination {
  private readonly producer: Producer;
  private connected: Promise<void> | undefined;

  constructor(
    kafka: Kafka,
    readonly topic: string,
    private readonly context: DestinationContext,
    private readonly now: () => Date = () => new Date(),
  ) {
    // Idempotent, acks from all in-sync replicas: a failed record is written once and durably.
    this.producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      allowAutoTopicCreation: false,
    });
  }

  /** Resolves once every record is acknowledged by the broker; rejects otherwise (the caller retries). */
  async send(failed: FailedRecords): Promise<void> {
    this.connected ??= this.producer.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw error;
    });
    await this.connected;
    const now = this.now();
    await this.producer.send({
      topic: this.topic,
      acks: -1,
      messages: failed.records.map((r) => failureMessage(this.context, failed, r, now)),
    });
  }

  async stop(): Promise<void> {
    if (this.connected) await this.producer.disconnect();
  }
}
