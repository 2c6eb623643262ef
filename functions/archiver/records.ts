/**
 * One Kafka record -> one lake row, or a rejection with a reason for the dead-letter topic.
 * The value must fit its topic's contract (contracts/tweet.ts, contracts/iss-position.ts) and carry
 * an event time the lake can file: positive, and not further ahead of the record's Kafka timestamp
 * than the counter allows (the same verdict on every delivery, since both inputs are in the record).
 */

import { epochSecondsToMs } from '#contracts/event-time.ts';
import { decodeIssPosition } from '#contracts/iss-position.ts';
import { rejectionReason } from '#contracts/rejection.ts';
import { readTweet } from '#contracts/tweet.ts';
import type { KafkaRecordRef } from '#lib/kafka-event.ts';
import type { LakeRow, LakeTableName } from '#lib/lake/tables.ts';

export interface RecordLimits {
  /** Largest record value accepted, in bytes. */
  readonly maxValueBytes: number;
  /** How far the event time may be ahead of the record's Kafka timestamp, in ms. */
  readonly maxFutureSkewMs: number;
}

export type RowOutcome<T extends LakeTableName> =
  | { readonly ok: true; readonly row: LakeRow<T>; readonly eventTime: number }
  | { readonly ok: false; readonly code: string; readonly reason: string };

type Rejected = Extract<RowOutcome<LakeTableName>, { ok: false }>;

const reject = (code: string, detail: string): Rejected => ({
  ok: false,
  code,
  reason: rejectionReason(code, detail),
});

/** `reason` from a contract decoder starts with its code (`not-json: ...`). */
function fromReason(reason: string): Rejected {
  const code = /^([a-z0-9-]+):/.exec(reason)?.[1] ?? 'invalid';
  return { ok: false, code, reason };
}

function valueBytes(record: KafkaRecordRef, limits: RecordLimits): Buffer | Rejected {
  if (record.value === null) return reject('no-value', 'record has no value (tombstone)');
  const size = Buffer.byteLength(record.value, 'base64');
  if (size > limits.maxValueBytes)
    return reject('too-large', `value is ${size} bytes, more than ${limits.maxValueBytes}`);
  return Buffer.from(record.value, 'base64');
}

function eventTimeProblem(seconds: number, record: KafkaRecordRef, limits: RecordLimits): Rejected | number {
  const eventTime = epochSecondsToMs(seconds);
  // 8.64e15 ms is the last instant a Date (and so a date=YYYY-MM-DD folder) can name.
  if (!Number.isSafeInteger(eventTime) || eventTime <= 0 || eventTime > 8.64e15) {
    return reject('invalid-event-time', `timestamp ${seconds} is not a positive epoch-seconds time`);
  }
  if (eventTime > record.timestamp + limits.maxFutureSkewMs) {
    return reject(
      'future-event-time',
      `timestamp ${seconds} is more than ${limits.maxFutureSkewMs / 1000} s after the record's Kafka timestamp ${record.timestamp}`,
    );
  }
  return eventTime;
}

type KafkaColumns = Pick<LakeRow<LakeTableName>, 'kafka_partition' | 'kafka_offset' | 'kafka_timestamp'>;

/**
 * The steps every table shares: the value's size, the topic's contract, the event time; then
 * `toRow` lays out the decoded value with its event time and the record's Kafka columns.
 */
function buildRow<T extends LakeTableName, V extends { readonly timestamp: number }>(
  record: KafkaRecordRef,
  limits: RecordLimits,
  decode: (bytes: Buffer) => { readonly ok: true; readonly value: V } | Rejected,
  toRow: (value: V, eventTime: number, kafka: KafkaColumns) => LakeRow<T>,
): RowOutcome<T> {
  const bytes = valueBytes(record, limits);
  if (!Buffer.isBuffer(bytes)) return bytes;
  const decoded = decode(bytes);
  if (!decoded.ok) return decoded;
  const eventTime = eventTimeProblem(decoded.value.timestamp, record, limits);
  if (typeof eventTime !== 'number') return eventTime;
  const kafka = {
    kafka_partition: record.partition,
    kafka_offset: record.offset,
    kafka_timestamp: record.timestamp,
  };
  return { ok: true, eventTime, row: toRow(decoded.value, eventTime, kafka) };
}

function decodeTweetValue(bytes: Buffer) {
  const read = readTweet(bytes);
  return read.ok
    ? { ok: true as const, value: read.tweet }
    : { ok: false as const, code: read.code, reason: read.reason };
}

function decodeIssPositionValue(bytes: Buffer) {
  const decoded = decodeIssPosition(bytes);
  return decoded.ok ? { ok: true as const, value: decoded.position } : fromReason(decoded.reason);
}

export function tweetRow(record: KafkaRecordRef, limits: RecordLimits): RowOutcome<'tweets'> {
  return buildRow(record, limits, decodeTweetValue, (tweet, eventTime, kafka) => ({
    usuario: tweet.usuario,
    texto: tweet.texto,
    hashtag_principal: tweet.hashtag_principal ?? null,
    event_time: eventTime,
    ...kafka,
  }));
}

export function issPositionRow(record: KafkaRecordRef, limits: RecordLimits): RowOutcome<'iss_positions'> {
  return buildRow(
    record,
    limits,
    decodeIssPositionValue,
    ({ latitude, longitude, source }, eventTime, kafka) => {
      return { latitude, longitude, event_time: eventTime, source, ...kafka };
    },
  );
}

/** The row builder of each table. */
export const ROW_BUILDERS: {
  readonly [T in LakeTableName]: (record: KafkaRecordRef, limits: RecordLimits) => RowOutcome<T>;
} = { tweets: tweetRow, iss_positions: issPositionRow };
