/**
 * Parquet writers for the archiver, compared on what matters in a Lambda: rows per second for a
 * 100,000-row tweet file (what a large batch is), file size, and the size of a function bundle that
 * holds only the writer (esbuild --bundle --minify, ESM, node; gzip too; a .wasm file counts).
 * Every file written is read back with DuckDB for its row count, so a fast wrong writer loses.
 *
 *   npx tsx bench/parquet-writers.ts [rows, default 100000] [rounds, default 5]
 */
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { ParquetSchema, ParquetWriter } from '@dsnp/parquetjs';
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { build } from 'esbuild';
import * as wasm from 'parquet-wasm';
import { encodeLakeFile } from '#lib/lake/parquet.ts';
import type { LakeRow } from '#lib/lake/tables.ts';

const rowsPerFile = Number(process.argv[2] ?? 100_000);
const rounds = Number(process.argv[3] ?? 5);
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = await mkdtemp(path.join(tmpdir(), 'parquet-bench-'));

// Tweets as the generator makes them: a few hundred users and tags, Spanish text, one partition.
const TAGS = ['#Spark', '#Kafka', '#BigData', '#ISS', '#Serverless', '#DataEngineering', '#AWS', '#Python'];
const T0 = Date.UTC(2026, 0, 17, 9);
const rows: LakeRow<'tweets'>[] = Array.from({ length: rowsPerFile }, (_, i) => {
  const tag = TAGS[i % TAGS.length] as string;
  return {
    usuario: `@usuario${(i * 7919) % 500}`,
    texto: `Trabajando en un proyecto sobre ${tag} y streaming en tiempo real ${i % 97}`,
    hashtag_principal: i % 10 === 0 ? null : tag,
    event_time: T0 + i * 100,
    kafka_partition: 0,
    kafka_offset: 1_000_000 + i,
    kafka_timestamp: T0 + i * 100 + 40,
  };
});

type Writer = { name: string; codec: string; write: () => Promise<Uint8Array>; entry: string };

const dsnpSchema = new ParquetSchema({
  usuario: { type: 'UTF8', compression: 'SNAPPY' },
  texto: { type: 'UTF8', compression: 'SNAPPY' },
  hashtag_principal: { type: 'UTF8', optional: true, compression: 'SNAPPY' },
  event_time: { type: 'TIMESTAMP_MILLIS', compression: 'SNAPPY' },
  kafka_partition: { type: 'INT32', compression: 'SNAPPY' },
  kafka_offset: { type: 'INT64', compression: 'SNAPPY' },
  kafka_timestamp: { type: 'TIMESTAMP_MILLIS', compression: 'SNAPPY' },
});

async function dsnpWrite(): Promise<Uint8Array> {
  // Its stream writer wants an fs.WriteStream; a file in the temporary folder costs little here.
  const file = path.join(dir, 'dsnp.parquet');
  const writer = await ParquetWriter.openFile(dsnpSchema, file, { rowGroupSize: rowsPerFile });
  for (const r of rows) {
    await writer.appendRow({
      ...r,
      hashtag_principal: r.hashtag_principal ?? undefined,
      event_time: new Date(r.event_time),
      kafka_timestamp: new Date(r.kafka_timestamp),
    });
  }
  await writer.close();
  return readFile(file);
}

function wasmWrite(compression: wasm.Compression): Uint8Array {
  const table = tableFromArrays({
    usuario: rows.map((r) => r.usuario),
    texto: rows.map((r) => r.texto),
    hashtag_principal: rows.map((r) => r.hashtag_principal),
    event_time: BigInt64Array.from(rows, (r) => BigInt(r.event_time)),
    kafka_partition: Int32Array.from(rows, (r) => r.kafka_partition),
    kafka_offset: BigInt64Array.from(rows, (r) => BigInt(r.kafka_offset)),
    kafka_timestamp: BigInt64Array.from(rows, (r) => BigInt(r.kafka_timestamp)),
  });
  const props = new wasm.WriterPropertiesBuilder().setCompression(compression).build();
  return wasm.writeParquet(wasm.Table.fromIPCStream(tableToIPC(table, 'stream')), props);
}

const writers: Writer[] = [
  {
    name: 'hyparquet-writer 0.17 (chosen)',
    codec: 'snappy',
    write: async () => encodeLakeFile('tweets', rows),
    entry: `export { encodeLakeFile } from ${JSON.stringify(path.join(repo, 'lib/lake/parquet.ts'))};`,
  },
  {
    name: '@dsnp/parquetjs 1.8',
    codec: 'snappy',
    write: dsnpWrite,
    entry: "export { ParquetSchema, ParquetWriter } from '@dsnp/parquetjs';",
  },
  {
    name: 'parquet-wasm 0.8 + apache-arrow',
    codec: 'zstd',
    write: async () => wasmWrite(wasm.Compression.ZSTD),
    entry:
      "export { writeParquet, Table, WriterPropertiesBuilder } from 'parquet-wasm'; export { tableFromArrays, tableToIPC } from 'apache-arrow';",
  },
  {
    name: 'parquet-wasm 0.8 + apache-arrow',
    codec: 'snappy',
    write: async () => wasmWrite(wasm.Compression.SNAPPY),
    entry: '',
  },
];

async function bundleSize(entry: string): Promise<{ bytes: number; gzip: number; wasm: number }> {
  const result = await build({
    stdin: { contents: entry, resolveDir: repo, loader: 'ts' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    external: ['@aws-sdk/*'],
  });
  const js = result.outputFiles[0]?.contents ?? new Uint8Array();
  // parquet-wasm's node build reads its .wasm from disk beside the JS: it ships with the bundle.
  const wasmBytes = entry.includes('parquet-wasm')
    ? (await stat(path.join(repo, 'node_modules/parquet-wasm/node/parquet_wasm_bg.wasm'))).size
    : 0;
  return { bytes: js.byteLength, gzip: gzipSync(js).byteLength, wasm: wasmBytes };
}

async function duckdbRowCount(file: string): Promise<number> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  const reader = await connection.runAndReadAll(`SELECT count(*) AS n FROM read_parquet('${file}')`);
  const n = Number(reader.getRowObjects()[0]?.n);
  connection.closeSync();
  instance.closeSync();
  return n;
}

console.log(`${rowsPerFile} tweet rows per file, best of ${rounds} rounds (node ${process.version})`);
console.log(
  'writer                             | codec  | rows/s    | file KiB | bundle KiB (gzip) | + wasm KiB',
);
for (const [i, w] of writers.entries()) {
  await w.write(); // warm-up
  let best = Number.POSITIVE_INFINITY;
  let bytes: Uint8Array = new Uint8Array();
  for (let r = 0; r < rounds; r++) {
    const started = performance.now();
    bytes = await w.write();
    best = Math.min(best, performance.now() - started);
  }
  const file = path.join(dir, `${i}.parquet`);
  await writeFile(file, bytes);
  const read = await duckdbRowCount(file);
  if (read !== rowsPerFile) throw new Error(`${w.name}: DuckDB read ${read} rows, wrote ${rowsPerFile}`);
  const size = w.entry === '' ? undefined : await bundleSize(w.entry);
  const bundle =
    size === undefined ? '(same)' : `${(size.bytes / 1024).toFixed(0)} (${(size.gzip / 1024).toFixed(0)})`;
  console.log(
    [
      w.name.padEnd(34),
      w.codec.padEnd(6),
      String(Math.round(rowsPerFile / (best / 1000))).padStart(9),
      (bytes.byteLength / 1024).toFixed(0).padStart(8),
      bundle.padStart(17),
      size?.wasm ? (size.wasm / 1024).toFixed(0).padStart(10) : ''.padStart(10),
    ].join(' | '),
  );
}
await rm(dir, { recursive: true, force: true });
