/**
 * The lake's tables: which columns each Parquet file holds, with their Parquet and SQL types.
 * One definition for the archiver (what it writes), `npm run sql` (its views) and the Glue tables
 * in serverless.yml (docs/lake.md lists the same columns; a change here belongs there too).
 */

/** Column types the lake uses. TIMESTAMP is epoch milliseconds, adjusted to UTC. */
export type LakeColumnType = 'STRING' | 'DOUBLE' | 'INT32' | 'INT64' | 'TIMESTAMP';

export interface LakeColumn {
  readonly name: string;
  readonly type: LakeColumnType;
  /** False: every row has a value (Parquet REQUIRED). */
  readonly nullable: boolean;
}

/** Where each record came from: with the topic (a path partition) it names the record exactly. */
const kafkaColumns = [
  { name: 'kafka_partition', type: 'INT32', nullable: false },
  { name: 'kafka_offset', type: 'INT64', nullable: false },
  { name: 'kafka_timestamp', type: 'TIMESTAMP', nullable: false },
] as const satisfies readonly LakeColumn[];

/** A table: its own columns, then the Kafka ones. */
function table<const C extends readonly LakeColumn[]>(
  columns: C,
): { readonly columns: readonly [...C, ...typeof kafkaColumns] } {
  return { columns: [...columns, ...kafkaColumns] };
}

export const LAKE_TABLES = {
  tweets: table([
    { name: 'usuario', type: 'STRING', nullable: false },
    { name: 'texto', type: 'STRING', nullable: false },
    { name: 'hashtag_principal', type: 'STRING', nullable: true },
    { name: 'event_time', type: 'TIMESTAMP', nullable: false },
  ]),
  iss_positions: table([
    { name: 'latitude', type: 'DOUBLE', nullable: false },
    { name: 'longitude', type: 'DOUBLE', nullable: false },
    { name: 'event_time', type: 'TIMESTAMP', nullable: false },
    { name: 'source', type: 'STRING', nullable: false },
  ]),
} as const satisfies Record<string, { columns: readonly LakeColumn[] }>;

export type LakeTableName = keyof typeof LAKE_TABLES;

/** A row of `table`: strings, numbers; TIMESTAMP and INT64 columns as epoch ms / offsets (numbers). */
export type LakeRow<T extends LakeTableName> = {
  [C in (typeof LAKE_TABLES)[T]['columns'][number] as C['name']]: C['nullable'] extends true
    ? ColumnValue<C['type']> | null
    : ColumnValue<C['type']>;
};

/** A row of any table. */
export type AnyLakeRow = { [T in LakeTableName]: LakeRow<T> }[LakeTableName];

type ColumnValue<T extends LakeColumnType> = T extends 'STRING' ? string : number;

/** The SQL type of a column (DuckDB and Athena spell these the same). */
export function sqlType(type: LakeColumnType): string {
  switch (type) {
    case 'STRING':
      return 'VARCHAR';
    case 'DOUBLE':
      return 'DOUBLE';
    case 'INT32':
      return 'INTEGER';
    case 'INT64':
      return 'BIGINT';
    case 'TIMESTAMP':
      return 'TIMESTAMP';
  }
}

/** Table name -> the Kafka topic it archives, from the configured topic names. */
export function lakeTopics(topics: {
  readonly tweets: string;
  readonly iss: string;
}): Record<LakeTableName, string> {
  return { tweets: topics.tweets, iss_positions: topics.iss };
}
