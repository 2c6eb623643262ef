/**
 * The dead-letter topic: records that cannot be counted, as their original bytes (key, value and
 * headers), plus headers naming where they came from and why they were rejected. A value above
 * {@link MAX_DEAD_LETTER_VALUE_BYTES} is cut to that size (header `dlq-original-value-bytes`).
 */

import type { IHeaders } from 'kafkajs';
import type { Producer } from '#lib/kafka.ts';
import type { KafkaRecordRef } from './kafka-event.ts';

/** Header names added to every dead letter. */
export const DLQ_HEADERS = {
  topic: 'dlq-original-topic',
  partition: 'dlq-original-partition',
  offset: 'dlq-original-offset',
  timestamp: 'dlq-original-timestamp',
  reason: 'dlq-reason',
  /** Set only on a cut value: the original value's size in bytes. */
  valueBytes: 'dlq-original-value-bytes',
} as const;

/**
 * A record near the broker's 1 MiB max.message.bytes plus our headers would not fit in the
 * dead-letter topic: the send would fail, and the whole batch with it, forever. Such a value is
 * cut to this size; the whole record stays on the source topic at the offset the headers name.
 */
export const MAX_DEAD_LETTER_VALUE_BYTES = 512 * 1024;

/**
 * Control and format characters (bidi overrides and isolates, zero-width ones, BOM), line and
 * paragraph separators and lone surrogates, spelled `\u{202E}`. A reason quotes what a producer
 * wrote and is read on consoles and in log viewers, where `#\u202Eevil` would display reversed.
 */
const UNSAFE_FOR_CONSOLES = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/gu;

export function escapeForConsole(text: string): string {
  return text.replace(
    UNSAFE_FOR_CONSOLES,
    (c) => `\\u{${(c.codePointAt(0) ?? 0).toString(16).toUpperCase()}}`,
  );
}

/** One rejected record and why. */
export interface DeadLetter {
  readonly record: KafkaRecordRef;
  readonly reason: string;
}

/** Where dead letters go. `send` resolves once every letter is acknowledged, and throws otherwise. */
export interface DeadLetterSink {
  send(letters: readonly DeadLetter[]): Promise<void>;
}

/**
 * A sink writing to `topic` with `producer` (the layer's idempotent producer: acks from all
 * in-sync replicas, so a resolved send is durable).
 */
export function kafkaDeadLetterSink(producer: () => Promise<Producer>, topic: string): DeadLetterSink {
  return {
    async send(letters) {
      if (letters.length === 0) return;
      const p = await producer();
      // A produce request carries one record batch per partition, and the broker refuses a batch
      // above max.message.bytes (1 MiB by default): send in chunks well below it, in order.
      for (const chunk of chunks(letters.map(toMessage), MAX_CHUNK_BYTES)) {
        await p.send({ topic, acks: -1, messages: chunk });
      }
    },
  };
}

/** Bytes of dead letters per produce request (a single larger letter goes alone). */
export const MAX_CHUNK_BYTES = 256 * 1024;

type DeadLetterMessage = ReturnType<typeof toMessage>;

function* chunks(messages: DeadLetterMessage[], maxBytes: number): Generator<DeadLetterMessage[]> {
  let chunk: DeadLetterMessage[] = [];
  let bytes = 0;
  for (const message of messages) {
    let size = (message.key?.length ?? 0) + (message.value?.length ?? 0);
    for (const [name, value] of Object.entries(message.headers)) size += name.length + String(value).length;
    if (chunk.length > 0 && bytes + size > maxBytes) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(message);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

function toMessage({ record, reason }: DeadLetter) {
  const headers: IHeaders = {};
  // Original headers first (Lambda gives each as an array of byte values), ours win on a clash.
  for (const header of record.headers) {
    for (const [name, bytes] of Object.entries(header)) headers[name] = Buffer.from(bytes);
  }
  headers[DLQ_HEADERS.topic] = record.topic;
  headers[DLQ_HEADERS.partition] = String(record.partition);
  headers[DLQ_HEADERS.offset] = String(record.offset);
  headers[DLQ_HEADERS.timestamp] = String(record.timestamp);
  headers[DLQ_HEADERS.reason] = escapeForConsole(reason);
  let value = record.value === null ? null : Buffer.from(record.value, 'base64');
  if (value !== null && value.length > MAX_DEAD_LETTER_VALUE_BYTES) {
    headers[DLQ_HEADERS.valueBytes] = String(value.length);
    value = value.subarray(0, MAX_DEAD_LETTER_VALUE_BYTES);
  }
  return { key: record.key === null ? null : Buffer.from(record.key, 'base64'), value, headers };
}
