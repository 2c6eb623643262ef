/**
 * One Kafka record -> one lake row, or a rejection with a reason for the dead-letter topic.
 * The value must fit its topic's contract (contracts/tweet.ts, contracts/iss-position.ts) and carry
 * an event time the lake can file: positive, and not further ahead of the record's Kafka timestamp
 * than the counter allows (the same verdict on every delivery, since both inputs are in the record).
 */

import { epochSecondsToMs } from '#contracts/event-time.ts';
import { decodeIssPosition } from '#contracts/iss-position.ts';
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

function reject(code: string, detail: string): Rejected {
  return {
    ok: false,
    code,
    reason: `${code}: ${detail.length > 300 ? `${detail.slice(0, 300)}...` : detail}`,
  };
}

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

const kafkaColumns = (record: KafkaRecordRef) => ({
  kafka_partition: record.partition,
  kafka_offset: record.offset,
  kafka_timestamp: record.timestamp,
});

export function tweetRow(record: KafkaRecordRef, limits: RecordLimits): RowOutcome<'tweets'> {
  const bytes = valueBytes(record, limits);
  if (!Buffer.isBuffer(bytes)) return bytes;
  const read = readTweet(bytes);
  if (!read.ok) return { ok: false, code: read.code, reason: read.reason };
  const eventTime = eventTimeProblem(read.tweet.timestamp, record, limits);
  if (typeof eventTime !== 'number') return eventTime;
  const { usuario, texto, hashtag_principal } = read.tweet;
  return {
    ok: true,
    eventTime,
    row: {
      usuario,
      texto,
      hashtag_principal: hashtag_principal ?? null,
      event_time: eventTime,
      ...kafkaColumns(record),
    },
  };
}

export function issPositionRow(record: KafkaRecordRef, limits: RecordLimits): RowOutcome<'iss_positions'> {
  const bytes = valueBytes(record, limits);
  if (!Buffer.isBuffer(bytes)) return bytes;
  const decoded = decodeIssPosition(bytes);
  if (!decoded.ok) return fromReason(decoded.reason);
  const eventTime = eventTimeProblem(decoded.position.timestamp, record, limits);
  if (typeof eventTime !== 'number') return eventTime;
  const { latitude, longitude, source } = decoded.position;
  return {
    ok: true,
    eventTime,
    row: { latitude, longitude, event_time: eventTime, source, ...kafkaColumns(record) },
  };
}

/** The row builder of each table. */
export const ROW_BUILDERS: {
  readonly [T in LakeTableName]: (record: KafkaRecordRef, limits: RecordLimits) => RowOutcome<T>;
} = { tweets: tweetRow, iss_positions: issPositionRow };
