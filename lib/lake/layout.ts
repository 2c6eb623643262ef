/**
 * Where a file lives in the lake (Hive-style partitions, so DuckDB, Athena and Spark read the path
 * as columns):
 *   `topic=<topic>/date=YYYY-MM-DD/hour=HH/<partition>-<firstOffset>-<lastOffset>.parquet`
 * Date and hour are of the records' event time, UTC. The name comes from the offsets, so a batch
 * delivered again writes the same names and overwrites the same files.
 */

const HOUR_MS = 3_600_000;

/** What names one file. */
export interface LakeFileAddress {
  readonly topic: string;
  readonly partition: number;
  /** Any instant inside the hour the file's records belong to (epoch ms). */
  readonly hourOf: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
}

/** The start of the UTC hour that holds `epochMs`. */
export function hourStart(epochMs: number): number {
  return Math.floor(epochMs / HOUR_MS) * HOUR_MS;
}

/** The key of a file, relative to the lake's root. */
export function lakeFileKey(address: LakeFileAddress): string {
  const iso = new Date(hourStart(address.hourOf)).toISOString(); // 2026-01-17T09:00:00.000Z
  return `${topicPrefix(address.topic)}date=${iso.slice(0, 10)}/hour=${iso.slice(11, 13)}/${address.partition}-${address.firstOffset}-${address.lastOffset}.parquet`;
}

/** The prefix under which every file of `topic` lives (ends with `/`). */
export function topicPrefix(topic: string): string {
  // Kafka topic names are [a-zA-Z0-9._-]: nothing in them needs escaping in a path or an S3 key.
  return `topic=${topic}/`;
}
