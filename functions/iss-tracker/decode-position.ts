/**
 * One `iss-positions` record -> a position, or why not (never throws on what a producer wrote):
 * the contract (contracts/iss-position.ts) plus the bounds a batch and a replay both apply.
 */
import { epochSecondsToMs } from '#contracts/event-time.ts';
import { decodeIssPosition, type IssPosition } from '#contracts/iss-position.ts';
import type { KafkaRecordRef } from '#lib/kafka-event.ts';

/** Bounds on what a record may hold (the counter's and the archiver's rules). */
export interface PositionLimits {
  /** Largest record value accepted, in bytes. */
  readonly maxValueBytes: number;
  /** How far the event time may be ahead of the record's Kafka timestamp, in ms. */
  readonly maxFutureSkewMs: number;
}

export type DecodedPosition =
  | { readonly ok: true; readonly position: IssPosition }
  | { readonly ok: false; readonly code: string; readonly reason: string };

/** A record as Lambda delivers it (value in base64). */
export function decodePositionRecord(record: KafkaRecordRef, limits: PositionLimits): DecodedPosition {
  if (record.value === null) return decodePositionValue(null, record.timestamp, limits);
  // Measured before decoding: an oversized value is not decoded at all.
  const size = Buffer.byteLength(record.value, 'base64');
  if (size > limits.maxValueBytes) return tooLarge(size, limits);
  return decodePositionValue(Buffer.from(record.value, 'base64'), record.timestamp, limits);
}

/** A record value as read back from Kafka (bytes), with its Kafka timestamp in epoch ms. */
export function decodePositionValue(
  value: Buffer | null,
  kafkaTimestampMs: number,
  limits: PositionLimits,
): DecodedPosition {
  if (value === null) return rejected('no-value: record has no value (tombstone)');
  if (value.length > limits.maxValueBytes) return tooLarge(value.length, limits);
  const decoded = decodeIssPosition(value);
  if (!decoded.ok) return rejected(decoded.reason);
  const eventTimeMs = epochSecondsToMs(decoded.position.timestamp);
  if (eventTimeMs > kafkaTimestampMs + limits.maxFutureSkewMs) {
    return rejected(
      `future-event-time: timestamp ${decoded.position.timestamp} is more than ${limits.maxFutureSkewMs / 1000} s after the record's Kafka timestamp ${kafkaTimestampMs}`,
    );
  }
  return decoded;
}

const tooLarge = (size: number, limits: PositionLimits): DecodedPosition =>
  rejected(`too-large: value is ${size} bytes, more than ${limits.maxValueBytes}`);

function rejected(reason: string): DecodedPosition {
  return { ok: false, code: /^([a-z0-9-]+):/.exec(reason)?.[1] ?? 'invalid', reason };
}
