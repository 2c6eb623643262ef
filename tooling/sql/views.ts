/**
 * The SQL views over a lake folder: `tweets` and `iss_positions`, one row per record.
 *
 * A batch cut differently on redelivery (bisect, rebalance) can leave two files with the same
 * offsets (`0-9.parquet` and `5-14.parquet`); each view keeps one row per
 * (date, hour, kafka_partition, kafka_offset) of its topic. A record's date and hour come from its
 * own event time, so both copies always sit in the same hour: the dedup is exact, and since it
 * partitions by date and hour, a `WHERE date = ...` still prunes the files DuckDB opens.
 */

import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { topicPrefix } from '#lib/lake/layout.ts';
import { LAKE_TABLES, type LakeTableName, sqlType } from '#lib/lake/tables.ts';

function quote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** The glob of every file of `topic` under `root` (Hive layout, three levels: topic, date, hour). */
export function topicGlob(root: string, topic: string): string {
  return path.join(path.resolve(root), topicPrefix(topic), '*', '*', '*.parquet');
}

/** `CREATE VIEW` for `table` over the files matched by `glob`, or an empty typed view when there are none. */
export function viewSql(table: LakeTableName, glob: string, hasFiles: boolean): string {
  const columns = LAKE_TABLES[table].columns;
  if (!hasFiles) {
    const typed = columns.map((c) => `CAST(NULL AS ${sqlType(c.type)}) AS ${c.name}`);
    return `CREATE OR REPLACE VIEW ${table} AS SELECT ${typed.join(', ')}, CAST(NULL AS DATE) AS date, CAST(NULL AS INTEGER) AS hour WHERE false`;
  }
  // TIMESTAMP columns are written adjusted to UTC (TIMESTAMPTZ to DuckDB); the session is in UTC.
  const names = columns.map((c) => c.name).join(', ');
  return [
    `CREATE OR REPLACE VIEW ${table} AS`,
    `SELECT ${names}, date, hour FROM (`,
    `  SELECT *, row_number() OVER (PARTITION BY date, hour, kafka_partition, kafka_offset) AS copy`,
    `  FROM read_parquet(${quote(glob)}, hive_partitioning = true, hive_types = {'date': DATE, 'hour': INTEGER})`,
    ') WHERE copy = 1',
  ].join('\n');
}

/** Defines both views on `connection` over the lake folder `root`. */
export async function defineLakeViews(
  connection: DuckDBConnection,
  root: string,
  topics: Readonly<Record<LakeTableName, string>>,
): Promise<void> {
  await connection.run("SET TimeZone = 'UTC'");
  for (const table of Object.keys(LAKE_TABLES) as LakeTableName[]) {
    const glob = topicGlob(root, topics[table]);
    const found = await connection.runAndReadAll(`SELECT count(*) AS n FROM glob(${quote(glob)})`);
    const hasFiles = Number(found.getRowObjects()[0]?.n ?? 0) > 0;
    await connection.run(viewSql(table, glob, hasFiles));
  }
}
