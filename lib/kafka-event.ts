/**
 * The Kafka event as Lambda delivers it (MSK `aws:kafka` and `SelfManagedKafka` share the record
 * shape): `records` keyed by `topic-partition`, values base64, headers as arrays of byte values.
 * https://docs.aws.amazon.com/lambda/latest/dg/with-msk.html
 * https://docs.aws.amazon.com/lambda/latest/dg/with-kafka.html
 *
 * The envelope is AWS's, so a malformed one is a bug to surface (it throws); what a producer put
 * inside a record is never trusted (see contracts/tweet.ts).
 */
import type { MSKEvent, SelfManagedKafkaEvent } from 'aws-lambda';
import { z } from 'zod';

export type KafkaEvent = MSKEvent | SelfManagedKafkaEvent;

/** One record, addressed by topic, partition and offset. */
export interface KafkaRecordRef {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  /** Kafka timestamp, epoch ms. */
  readonly timestamp: number;
  /** Base64 as delivered; null when absent (tombstone). */
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: ReadonlyArray<Readonly<Record<string, readonly number[]>>>;
}

/** The records of one partition, in offset order. */
export interface PartitionRecords {
  readonly topic: string;
  readonly partition: number;
  readonly records: KafkaRecordRef[];
}

const recordSchema = z.object({
  topic: z.string().min(1),
  partition: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  timestamp: z.number(),
  key: z.string().nullish(),
  value: z.string().nullish(),
  headers: z.array(z.record(z.string(), z.array(z.number().int().min(0).max(255)))).optional(),
});

const eventSchema = z.object({
  eventSource: z.enum(['aws:kafka', 'SelfManagedKafka']),
  records: z.record(z.string(), z.array(z.unknown())),
});

type RecordShape = z.infer<typeof recordSchema>;

/** Exactly what `recordSchema` accepts, checked without allocating. */
function isRecordShape(raw: unknown): raw is RecordShape {
  if (typeof raw !== 'object' || raw === null) return false;
  const r = raw as Record<string, unknown>;
  const { offset, partition } = r;
  return (
    typeof r.topic === 'string' &&
    r.topic.length > 0 &&
    Number.isSafeInteger(partition) &&
    (partition as number) >= 0 &&
    Number.isSafeInteger(offset) &&
    (offset as number) >= 0 &&
    typeof r.timestamp === 'number' &&
    Number.isFinite(r.timestamp) &&
    (r.key === undefined || r.key === null || typeof r.key === 'string') &&
    (r.value === undefined || r.value === null || typeof r.value === 'string') &&
    (r.headers === undefined || areHeaders(r.headers))
  );
}

function areHeaders(headers: unknown): boolean {
  if (!Array.isArray(headers)) return false;
  for (const header of headers) {
    if (typeof header !== 'object' || header === null || Array.isArray(header)) return false;
    for (const bytes of Object.values(header)) {
      if (!Array.isArray(bytes)) return false;
      for (const b of bytes) if (!Number.isInteger(b) || b < 0 || b > 255) return false;
    }
  }
  return true;
}

function isSortedByOffset(records: readonly KafkaRecordRef[]): boolean {
  for (let i = 1; i < records.length; i++) {
    if ((records[i - 1] as KafkaRecordRef).offset > (records[i] as KafkaRecordRef).offset) return false;
  }
  return true;
}

/** Thrown when the event is not a Kafka event as AWS documents it. */
export class MalformedEventError extends Error {
  override name = 'MalformedEventError';
}

/**
 * The event's records grouped by topic and partition (sorted by topic, then partition number),
 * each partition in offset order.
 * @throws MalformedEventError when the envelope is not an MSK or self-managed Kafka event.
 */
export function partitionsOf(event: KafkaEvent): PartitionRecords[] {
  const groups = recordGroupsOf(event);
  const byPartition = new Map<string, PartitionRecords>();
  // Records of one partition mostly come in a row: the last one spares the id string and the lookup.
  let last: PartitionRecords | undefined;
  for (const [group, records] of groups) {
    for (const raw of records) {
      // The hot path checks the shape by hand (zod costs ~0.5 µs a record here); zod explains a failure.
      if (!isRecordShape(raw)) {
        const problem = recordSchema.safeParse(raw).error?.message ?? 'unexpected record shape';
        throw new MalformedEventError(`malformed record under "${group}": ${problem}`);
      }
      const r = raw;
      let partition = last;
      if (partition === undefined || partition.partition !== r.partition || partition.topic !== r.topic) {
        const id = `${r.topic}\u0000${r.partition}`;
        partition = byPartition.get(id);
        if (partition === undefined) {
          partition = { topic: r.topic, partition: r.partition, records: [] };
          byPartition.set(id, partition);
        }
        last = partition;
      }
      partition.records.push({
        topic: r.topic,
        partition: r.partition,
        offset: r.offset,
        timestamp: r.timestamp,
        key: r.key ?? null,
        value: r.value ?? null,
        headers: r.headers ?? [],
      });
    }
  }
  const partitions = [...byPartition.values()];
  for (const p of partitions) {
    if (!isSortedByOffset(p.records)) p.records.sort((a, b) => a.offset - b.offset);
  }
  return partitions.sort((a, b) =>
    a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1,
  );
}

/**
 * The `records` groups of a valid envelope, as `eventSchema` would give them. The common envelope
 * (a plain object of arrays) is checked by hand, without zod copying every array; anything else
 * goes through zod, which words the error or hands back what it accepted.
 * @throws MalformedEventError when `eventSchema` rejects the envelope.
 */
function recordGroupsOf(event: unknown): Array<[string, readonly unknown[]]> {
  const groups = plainEnvelopeGroups(event);
  if (groups !== undefined) return groups;
  const envelope = eventSchema.safeParse(event);
  if (!envelope.success) throw new MalformedEventError(`not a Kafka event: ${envelope.error.message}`);
  return Object.entries(envelope.data.records);
}

/**
 * The groups when `event` is an envelope `eventSchema` certainly accepts (a known source, `records`
 * an object with Object.prototype or none, only string keys, every value an array); else undefined.
 * Like zod's record, an own `__proto__` key is skipped.
 */
function plainEnvelopeGroups(event: unknown): Array<[string, readonly unknown[]]> | undefined {
  if (typeof event !== 'object' || event === null || Array.isArray(event)) return undefined;
  const { eventSource, records } = event as Record<string, unknown>;
  if (eventSource !== 'aws:kafka' && eventSource !== 'SelfManagedKafka') return undefined;
  if (typeof records !== 'object' || records === null || Array.isArray(records)) return undefined;
  const proto: unknown = Object.getPrototypeOf(records);
  if (proto !== Object.prototype && proto !== null) return undefined;
  if (Object.getOwnPropertySymbols(records).length > 0) return undefined;
  const groups: Array<[string, readonly unknown[]]> = [];
  for (const group of Object.keys(records)) {
    const list: unknown = (records as Record<string, unknown>)[group];
    if (!Array.isArray(list)) return undefined;
    if (group !== '__proto__') groups.push([group, list]);
  }
  return groups;
}
