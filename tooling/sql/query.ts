/** One query over a lake folder, on a fresh in-memory DuckDB with the lake's views defined. */
import { DuckDBInstance } from '@duckdb/node-api';
import type { LakeTableName } from '#lib/lake/tables.ts';
import type { Cell } from './format.ts';
import { defineLakeViews } from './views.ts';

export interface SqlRun {
  readonly columns: string[];
  readonly rows: Cell[][];
}

/** Runs `query` over the lake folder `root` (views defined first). */
export async function runLakeQuery(
  root: string,
  topics: Readonly<Record<LakeTableName, string>>,
  query: string,
): Promise<SqlRun> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    await defineLakeViews(connection, root, topics);
    const reader = await connection.runAndReadAll(query);
    return { columns: reader.columnNames(), rows: reader.getRowsJS().map((row) => row.map(toCell)) };
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

/** A DuckDB value as printable JSON: BIGINT as a number while exact, timestamps as ISO 8601 (UTC). */
function toCell(value: unknown): Cell {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint')
    return Number.isSafeInteger(Number(value)) ? Number(value) : value.toString();
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') return value;
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (Array.isArray(value)) return value.map(toCell);
  if (value instanceof Uint8Array) return Buffer.from(value).toString('base64');
  if (typeof value === 'object' && value.constructor === Object) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCell(v)]));
  }
  return String(value);
}
