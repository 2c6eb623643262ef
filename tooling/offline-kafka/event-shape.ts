/**
 * Kafka records in the exact shape AWS Lambda's event source mapping delivers them: records grouped
 * under "topic-partition", key and value base64, headers as arrays of byte values, timestamp in
 * epoch milliseconds with its type. `aws:kafka` (MSK) events also carry the cluster ARN.
 */
// https://docs.aws.amazon.com/lambda/latest/dg/with-kafka.html (self-managed) and
// https://docs.aws.amazon.com/lambda/latest/dg/with-msk.html (MSK): event payload examples.
import type { MSKEvent, MSKRecord, SelfManagedKafkaEvent } from 'aws-lambda';

export type KafkaLambdaEvent = MSKEvent | SelfManagedKafkaEvent;

/** One record as the mapping delivers it (the AWS types mark key/value required; AWS omits them when null). */
export type KafkaLambdaRecord = Omit<MSKRecord, 'key' | 'value'> & { key?: string; value?: string };

/** What the emulator needs of a consumed message (a subset of kafkajs's `KafkaMessage`). */
export interface ConsumedMessage {
  readonly offset: string;
  readonly timestamp: string;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers?: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>>;
  /** kafkajs decodes the record batch's attributes here (not in its published types). */
  readonly batchContext?: { readonly timestampType?: number };
}

// Kafka's record batch attribute: 0 = CreateTime (set by the producer), 1 = LogAppendTime (set by the broker).
const LOG_APPEND_TIME = 1;

function headerBytes(value: Buffer | string): number[] {
  return [...(typeof value === 'string' ? Buffer.from(value, 'utf8') : value)];
}

/** Maps one consumed message of `topic`/`partition` onto the AWS record shape. */
export function toLambdaRecord(
  topic: string,
  partition: number,
  message: ConsumedMessage,
): KafkaLambdaRecord {
  return {
    topic,
    partition,
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
    timestampType:
      message.batchContext?.timestampType === LOG_APPEND_TIME ? 'LOG_APPEND_TIME' : 'CREATE_TIME',
    // A null key (or a tombstone's null value) is left out of the record, as AWS does.
    ...(message.key === null ? {} : { key: message.key.toString('base64') }),
    ...(message.value === null ? {} : { value: message.value.toString('base64') }),
    headers: hasHeaders(message) ? lambdaHeaders(message) : [],
  };
}

/** The headers as AWS lists them: one `{name: bytes}` per occurrence. */
function lambdaHeaders(message: ConsumedMessage): Array<Record<string, number[]>> {
  const headers: Array<Record<string, number[]>> = [];
  for (const [name, raw] of Object.entries(message.headers ?? {})) {
    if (raw === undefined) continue;
    // kafkajs folds repeated header keys into an array; AWS lists each occurrence separately.
    for (const value of Array.isArray(raw) ? raw : [raw]) headers.push({ [name]: headerBytes(value) });
  }
  return headers;
}

/** Where the event says it came from: `kafka` events are self-managed, `msk` events name the cluster. */
export type EventOrigin =
  | { readonly kind: 'kafka'; readonly bootstrapServers: readonly string[] }
  | { readonly kind: 'msk'; readonly bootstrapServers: readonly string[]; readonly clusterArn: string };

/** The invocation payload for one batch of records (all of one topic-partition, in offset order). */
export function toLambdaEvent(origin: EventOrigin, records: readonly KafkaLambdaRecord[]): KafkaLambdaEvent {
  const grouped: Record<string, MSKRecord[]> = {};
  for (const record of records) {
    const key = `${record.topic}-${record.partition}`;
    // The AWS type declares key/value as always present; the wire format omits them when null.
    const list = grouped[key] ?? [];
    list.push(record as MSKRecord);
    grouped[key] = list;
  }
  const bootstrapServers = origin.bootstrapServers.join(',');
  return origin.kind === 'msk'
    ? { eventSource: 'aws:kafka', eventSourceArn: origin.clusterArn, bootstrapServers, records: grouped }
    : { eventSource: 'SelfManagedKafka', bootstrapServers, records: grouped };
}

/**
 * Bytes the AWS record of `message` adds to the JSON payload (its serialised form plus the
 * separating comma), counted without building or serialising it: the emulator sizes every record
 * when it arrives and builds the record only when its batch leaves. Numbers and base64 are ASCII;
 * the topic and header names are measured as JSON strings.
 */
export function messagePayloadBytes(topic: string, partition: number, message: ConsumedMessage): number {
  // {"topic":,"partition":,"offset":,"timestamp":,"timestampType":"","headers":} and the comma
  let bytes = 77 + jsonStringBytes(topic);
  bytes += decimalDigits(partition) + message.offset.length + message.timestamp.length;
  bytes += message.batchContext?.timestampType === LOG_APPEND_TIME ? 15 : 11; // LOG_APPEND_TIME / CREATE_TIME
  if (message.key !== null) bytes += 9 + base64Length(message.key.length); // ,"key":""
  if (message.value !== null) bytes += 11 + base64Length(message.value.length); // ,"value":""
  bytes += hasHeaders(message) ? Buffer.byteLength(JSON.stringify(lambdaHeaders(message))) : 2;
  return bytes;
}

function base64Length(bytes: number): number {
  return 4 * Math.ceil(bytes / 3);
}

function decimalDigits(n: number): number {
  let digits = 1;
  for (let rest = n; rest >= 10; rest = Math.floor(rest / 10)) digits += 1;
  return digits;
}

function hasHeaders(message: ConsumedMessage): boolean {
  for (const _ in message.headers ?? {}) return true;
  return false;
}

// A mapping reads one topic: its JSON size is measured once, not per record.
const topicBytes = new Map<string, number>();

function jsonStringBytes(topic: string): number {
  let bytes = topicBytes.get(topic);
  if (bytes === undefined) {
    bytes = Buffer.byteLength(JSON.stringify(topic));
    topicBytes.set(topic, bytes);
  }
  return bytes;
}
