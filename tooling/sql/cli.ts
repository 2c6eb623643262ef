/**
 * `npm run sql -- "<query>" [--json]`: runs a query with DuckDB over the lake, with the views
 * `tweets` and `iss_positions` already defined (views.ts). The lake is the one the archiver writes
 * to under the same environment (lib/lake/config.ts): the folder `ARCHIVE_DIR` (default
 * `.data/lake`), or with `ARCHIVE_BUCKET` an S3 bucket (credentials from the default AWS chain),
 * copied into `.cache/lake-s3` first (s3-mirror.ts says why).
 *
 *   npm run sql -- "SELECT source, count(*) FROM iss_positions GROUP BY 1"
 *   npm run sql -- --json "SELECT * FROM tweets LIMIT 5"
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '#lib/config.ts';
import { errorMessage } from '#lib/errors.ts';
import { lakeS3Client, loadLakeConfig } from '#lib/lake/config.ts';
import { lakeTopics } from '#lib/lake/tables.ts';
import { readCommandLine } from '../command-line.ts';
import { formatJsonLines, formatTable } from './format.ts';
import { runLakeQuery } from './query.ts';
import { mirrorS3Lake } from './s3-mirror.ts';

const USAGE = `usage: npm run sql -- [--json] "<SQL query>"
  views: tweets, iss_positions (one row per Kafka record; columns in docs/lake.md)
  --json   print one JSON object per row instead of a table`;

async function main(argv: readonly string[]): Promise<number> {
  const read = readCommandLine(argv, parse, (a) => a.values.help, USAGE);
  if (!read.ok) return read.exitCode;
  const { values, positionals } = read.args;
  const query = positionals.join(' ').trim();
  if (query === '') {
    process.stderr.write(`no query given\n${USAGE}\n`);
    return 2;
  }
  const config = loadConfig();
  const lake = loadLakeConfig();
  let root: string;
  if (lake.kind === 'folder') {
    root = path.resolve(lake.dir);
  } else {
    const client = lakeS3Client(lake);
    const cacheDir = path.resolve(process.env.ARCHIVE_S3_CACHE_DIR ?? '.cache/lake-s3');
    const mirror = await mirrorS3Lake(client, lake.bucket, lake.prefix, cacheDir);
    client.destroy();
    process.stderr.write(
      `s3://${lake.bucket}/${lake.prefix}: ${mirror.files} files, ${mirror.downloaded} fetched (${mirror.bytesDownloaded} bytes) into ${mirror.root}\n`,
    );
    root = mirror.root;
  }
  const result = await runLakeQuery(root, lakeTopics(config.topics), query);
  const out = values.json
    ? formatJsonLines(result.columns, result.rows)
    : formatTable(result.columns, result.rows);
  process.stdout.write(out === '' ? '' : `${out}\n`);
  return 0;
}

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`sql: ${errorMessage(error)}\n`);
    process.exitCode = 1;
  },
);
