/**
 * Encodes lake rows as one Parquet file (hyparquet-writer: pure JavaScript, no native build, a
 * small bundle; bench/parquet-writers.ts holds the figures it was chosen on). Snappy-compressed,
 * typed columns from tables.ts, one row group per file (the archiver's files are a batch each).
 */
import { type ColumnSource, parquetWriteBuffer, type SchemaElement } from 'hyparquet-writer';
import { type AnyLakeRow, LAKE_TABLES, type LakeColumn, type LakeTableName } from './tables.ts';

/** Written into every file's footer (`created_by`), so a reader can tell who wrote it. */
export const CREATED_BY = 'trending-hashtags archiver (hyparquet-writer)';

function schemaElement(column: LakeColumn): SchemaElement {
  const repetition_type = column.nullable ? 'OPTIONAL' : 'REQUIRED';
  const { name } = column;
  switch (column.type) {
    case 'STRING':
      return {
        name,
        type: 'BYTE_ARRAY',
        converted_type: 'UTF8',
        logical_type: { type: 'STRING' },
        repetition_type,
      };
    case 'DOUBLE':
      return { name, type: 'DOUBLE', repetition_type };
    case 'INT32':
      return { name, type: 'INT32', repetition_type };
    case 'INT64':
      return { name, type: 'INT64', repetition_type };
    case 'TIMESTAMP':
      return {
        name,
        type: 'INT64',
        converted_type: 'TIMESTAMP_MILLIS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
        repetition_type,
      };
  }
}

/**
 * One Parquet file holding `rows` of `table`, in the order given. Pure and deterministic: the same
 * rows give the same bytes (a redelivered batch rewrites an identical file).
 * @throws Error when `rows` is empty (a file always holds at least one record).
 */
export function encodeLakeFile(table: LakeTableName, rows: readonly AnyLakeRow[]): Uint8Array {
  if (rows.length === 0) throw new Error(`no rows to write for ${table}`);
  const columns: readonly LakeColumn[] = LAKE_TABLES[table].columns;
  const columnData: ColumnSource[] = columns.map((column) => {
    const values = rows.map((row) => (row as Record<string, string | number | null>)[column.name] ?? null);
    return {
      name: column.name,
      // 64-bit integers are BigInt to the writer; offsets and epoch ms fit a double exactly.
      data: column.type === 'INT64' || column.type === 'TIMESTAMP' ? values.map(toBigInt) : values,
      nullable: column.nullable,
    };
  });
  const schema: SchemaElement[] = [
    { name: 'root', num_children: columns.length },
    ...columns.map(schemaElement),
  ];
  const buffer = parquetWriteBuffer({
    columnData,
    schema,
    codec: 'SNAPPY',
    rowGroupSize: rows.length,
    createdBy: CREATED_BY,
  });
  return new Uint8Array(buffer);
}

function toBigInt(value: string | number | null): bigint | null {
  return value === null ? null : BigInt(value);
}
