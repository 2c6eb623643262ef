/**
 * Archiving one Lambda batch of Kafka records as Parquet:
 *
 * 1. group the records by topic-partition (offset order) and build each record's row; a record
 *    that does not fit its topic's contract becomes a dead letter with its reason;
 * 2. send the dead letters to the source topic's dead-letter topic and wait for the acks;
 * 3. write one file per topic-partition and event-time hour, named by the first and last offset
 *    it holds (lib/lake/layout.ts), and wait until every file is durable.
 *
 * Any failure throws, so Lambda retries the batch whole; every step is idempotent: a retry
 * rewrites the same files under the same names with the same bytes, and dead letters are
 * at-least-once (their headers name topic, partition and offset). A batch cut differently on
 * redelivery (bisect, rebalance) can leave two files holding the same offsets: the views of
 * `npm run sql` and the Athena views keep one row per (kafka_partition, kafka_offset) of a topic,
 * which is exact whatever the cut (docs/lake.md, "No duplicates").
 * Lambda retries a failed batch as a whole and keeps per-partition order:
 * https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html
 */

import type { DeadLetter, DeadLetterSink } from '#lib/dead-letter.ts';
import { type KafkaEvent, type PartitionRecords, partitionsOf } from '#lib/kafka-event.ts';
import { hourStart, lakeFileKey } from '#lib/lake/layout.ts';
import { encodeLakeFile } from '#lib/lake/parquet.ts';
import type { LakeStore } from '#lib/lake/store.ts';
import type { AnyLakeRow, LakeTableName } from '#lib/lake/tables.ts';
import type { Logger } from '#lib/logger.ts';
import { type RecordLimits, ROW_BUILDERS } from './records.ts';

export interface ArchiverDependencies {
  readonly store: LakeStore;
  /** Topic -> the lake table its records go to. A topic not listed fails the batch. */
  readonly tables: ReadonlyMap<string, LakeTableName>;
  /** The dead-letter sink of a source topic. */
  readonly deadLetters: (topic: string) => DeadLetterSink;
  readonly limits: RecordLimits;
  /** Files written at once (each is a PUT or a file write). */
  readonly writeConcurrency?: number;
  readonly logger?: Logger;
}

/** One file written. */
export interface WrittenFile {
  readonly key: string;
  readonly topic: string;
  readonly partition: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  readonly rows: number;
  readonly bytes: number;
}

export interface ArchiveOutcome {
  readonly files: WrittenFile[];
  /** Per topic: records in, archived, rejected. */
  readonly topics: Record<string, { records: number; archived: number; rejected: number }>;
  readonly deadLetters: number;
  /** Reason code -> records rejected for it. */
  readonly rejections: Record<string, number>;
  /** Smallest Kafka timestamp in the batch (epoch ms), or null for an empty batch. */
  readonly oldestRecordTimestamp: number | null;
}

/** Thrown for records of a topic the archiver has no table for (a mapping misconfiguration). */
export class UnknownTopicError extends Error {
  override name = 'UnknownTopicError';
}

interface PlannedFile {
  readonly table: LakeTableName;
  readonly topic: string;
  readonly partition: number;
  readonly hour: number;
  readonly rows: AnyLakeRow[];
  readonly offsets: number[];
}

interface Plan {
  readonly files: PlannedFile[];
  readonly letters: Map<string, Array<DeadLetter & { code: string }>>;
  readonly topics: ArchiveOutcome['topics'];
}

/**
 * Archives `event` into `deps.store`. Resolves when every file is written and every dead letter
 * acknowledged; throws otherwise (Lambda retries the batch; a retry is exact).
 * @throws MalformedEventError when the event is not a Kafka event; UnknownTopicError for a topic with no table.
 */
export async function archiveBatch(event: KafkaEvent, deps: ArchiverDependencies): Promise<ArchiveOutcome> {
  const partitions = partitionsOf(event);
  const plan = planFiles(partitions, deps);

  const rejections: Record<string, number> = {};
  let deadLetters = 0;
  await Promise.all(
    [...plan.letters].map(async ([topic, letters]) => {
      await deps.deadLetters(topic).send(letters);
      deadLetters += letters.length;
      for (const l of letters) rejections[l.code] = (rejections[l.code] ?? 0) + 1;
    }),
  );

  const files = await mapLimited(plan.files, deps.writeConcurrency ?? 8, async (file) => {
    const firstOffset = file.offsets[0] as number;
    const lastOffset = file.offsets.at(-1) as number;
    const key = lakeFileKey({
      topic: file.topic,
      partition: file.partition,
      hourOf: file.hour,
      firstOffset,
      lastOffset,
    });
    const bytes = encodeLakeFile(file.table, file.rows);
    await deps.store.put(key, bytes);
    return {
      key,
      topic: file.topic,
      partition: file.partition,
      firstOffset,
      lastOffset,
      rows: file.rows.length,
      bytes: bytes.byteLength,
    };
  });

  let oldest: number | null = null;
  for (const p of partitions) {
    for (const r of p.records) if (oldest === null || r.timestamp < oldest) oldest = r.timestamp;
  }
  return { files, topics: plan.topics, deadLetters, rejections, oldestRecordTimestamp: oldest };
}

function planFiles(partitions: readonly PartitionRecords[], deps: ArchiverDependencies): Plan {
  const files: PlannedFile[] = [];
  const letters: Plan['letters'] = new Map();
  // A null-prototype object: `__proto__` is a legal Kafka topic name.
  const topics: ArchiveOutcome['topics'] = Object.create(null);
  for (const p of partitions) {
    const table = deps.tables.get(p.topic);
    if (table === undefined) {
      throw new UnknownTopicError(
        `records of topic ${JSON.stringify(p.topic)} reached the archiver, which archives only ${[...deps.tables.keys()].join(', ')}: check the event source mapping's topics`,
      );
    }
    const build = ROW_BUILDERS[table];
    const byHour = new Map<number, PlannedFile>();
    const stats = topics[p.topic] ?? { records: 0, archived: 0, rejected: 0 };
    topics[p.topic] = stats;
    for (const record of p.records) {
      stats.records += 1;
      const outcome = build(record, deps.limits);
      if (!outcome.ok) {
        stats.rejected += 1;
        const list = letters.get(p.topic) ?? [];
        letters.set(p.topic, list);
        list.push({ record, reason: outcome.reason, code: outcome.code });
        continue;
      }
      stats.archived += 1;
      const hour = hourStart(outcome.eventTime);
      let file = byHour.get(hour);
      if (file === undefined) {
        file = { table, topic: p.topic, partition: p.partition, hour, rows: [], offsets: [] };
        byHour.set(hour, file);
        files.push(file);
      }
      file.rows.push(outcome.row);
      file.offsets.push(record.offset);
    }
  }
  return { files, letters, topics };
}

/** `fn` over `items`, at most `limit` at a time, results in input order. */
async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
