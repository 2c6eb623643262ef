/**
 * Reading the lake back with DuckDB, a reader independent of the writer: a file's column types
 * and rows, the files under a folder, and queries through the views of `npm run sql`.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { LakeTableName } from '#lib/lake/tables.ts';
import { defineLakeViews } from '../../tooling/sql/views.ts';

export type SqlRow = Record<string, unknown>;

/** Runs `sql` on a fresh in-memory DuckDB in UTC; rows as JSON-ready values (BIGINT as number when safe). */
async function run(
  sql: string,
  setup?: (c: Awaited<ReturnType<DuckDBInstance['connect']>>) => Promise<void>,
) {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await connection.run("SET TimeZone = 'UTC'");
    await setup?.(connection);
    const reader = await connection.runAndReadAll(sql);
    return reader.getRowObjectsJS().map((row) => normalise(row));
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

function normalise(row: Record<string, unknown>): SqlRow {
  const out: SqlRow = {};
  for (const [k, v] of Object.entries(row)) out[k] = plain(v);
  return out;
}

// Offsets and counts are BIGINT: numbers here, as the test produced them (all are safe integers).
function plain(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(plain);
  return value;
}

function quote(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** A Parquet file's column names and DuckDB types, in file order. */
export async function parquetColumns(file: string): Promise<Record<string, string>> {
  const rows = await run(`SELECT name, type FROM parquet_schema(${quote(file)}) WHERE num_children IS NULL`);
  const logical = await run(`DESCRIBE SELECT * FROM read_parquet(${quote(file)}, hive_partitioning = false)`);
  const types: Record<string, string> = {};
  for (const r of logical) types[String(r.column_name)] = String(r.column_type);
  return Object.fromEntries(rows.map((r) => [String(r.name), types[String(r.name)] ?? '?']));
}

/** Every row of a Parquet file, in file order (timestamps as Date). */
export async function parquetRows(file: string): Promise<SqlRow[]> {
  return run(`SELECT * FROM read_parquet(${quote(file)}, hive_partitioning = false)`);
}

/** The compression codecs a file's column chunks use. */
export async function parquetCodecs(file: string): Promise<string[]> {
  const rows = await run(`SELECT DISTINCT compression FROM parquet_metadata(${quote(file)})`);
  return rows.map((r) => String(r.compression));
}

/** `sql` over the views `tweets` and `iss_positions` of the lake folder `root`. */
export async function queryLake(
  root: string,
  topics: Readonly<Record<LakeTableName, string>>,
  sql: string,
): Promise<SqlRow[]> {
  return run(sql, (connection) => defineLakeViews(connection, root, topics));
}

/** Every `.parquet` file under `dir`, as paths relative to it with `/`, sorted. */
export async function lakeFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && e.name.endsWith('.parquet'))
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}
