/**
 * The lake as a user gets it: `npm start` with its schedules (the generator's tweets and the
 * poller's positions, through Kafka, into `archiver` and `iss-tracker`), Parquet files appearing
 * under the run's ARCHIVE_DIR for both topics, then `npm run sql` (the command a user types)
 * counting them: exactly the records the archiver's consumer groups consumed, once each.
 */
import { execFile } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import pWaitFor from 'p-wait-for';
import { BROKERS, type Pipeline, usePipeline } from './pipeline-harness.ts';

jest.setTimeout(300_000);

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');

/** Parquet files under `dir`, relative to it ([] while the folder does not exist yet). */
async function parquetFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true }).catch(() => [] as string[]);
  return entries.filter((f) => f.endsWith('.parquet') && !path.basename(f).startsWith('.'));
}

/** `npm run sql -- --json <query>` over the run's lake, as a user would type it. */
async function sql(pipeline: Pipeline, query: string): Promise<Array<Record<string, unknown>>> {
  const { stdout } = await run('npm', ['run', '--silent', 'sql', '--', '--json', query], {
    cwd: ROOT,
    env: {
      ...process.env,
      ARCHIVE_DIR: pipeline.lakeDir,
      TWEETS_TOPIC: pipeline.topic,
      ISS_TOPIC: pipeline.issTopic,
    },
    timeout: 60_000,
  });
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Records a consumer group has committed on `topic` (the topic is new: offsets start at 0). */
async function committed(groupId: string, topic: string): Promise<number> {
  const admin = new Kafka({ clientId: 'e2e-lake', brokers: BROKERS, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return (offsets?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  } finally {
    await admin.disconnect();
  }
}

describe('the lake under npm start', () => {
  const npmStart = usePipeline();

  it('writes Parquet for both topics, and npm run sql counts exactly what the archiver consumed', async () => {
    const pipeline = await npmStart.start({ schedules: true });
    const { lakeDir, topic, issTopic } = pipeline;
    const tweetsDir = `topic=${topic}`;
    const issDir = `topic=${issTopic}`;
    // The local batching window is 10 s: files for both topics within a minute of the first records.
    await pWaitFor(
      async () => {
        const files = await parquetFiles(lakeDir);
        return files.some((f) => f.startsWith(tweetsDir)) && files.some((f) => f.startsWith(issDir));
      },
      {
        interval: 1000,
        timeout: { milliseconds: 120_000, message: `no Parquet for both topics in ${lakeDir}` },
      },
    );
    const position = (await (await fetch(`${pipeline.apiBase}/iss/position`)).json()) as {
      latest: { timestamp: string } | null;
    };
    // Ctrl-C: the emulator finishes and commits the batches in flight before it exits.
    const stopped = await pipeline.stop();
    const files = await parquetFiles(lakeDir);
    const consumedTweets = await committed(`${pipeline.consumerGroupId}-archiver-tweets`, topic);
    const consumedPositions = await committed(`${pipeline.consumerGroupId}-archiver-iss`, issTopic);

    const [tweets] = await sql(
      pipeline,
      'SELECT count(*) AS n, count(DISTINCT (kafka_partition, kafka_offset)) AS offsets, count(DISTINCT kafka_partition) AS partitions FROM tweets',
    );
    const [positions] = await sql(
      pipeline,
      'SELECT count(*) AS n, count(DISTINCT kafka_offset) AS offsets, max(event_time) AS latest FROM iss_positions',
    );
    const sources = await sql(pipeline, 'SELECT source, count(*) AS n FROM iss_positions GROUP BY 1');

    expect(stopped.leftovers).toEqual([]);
    for (const f of files) {
      expect(f).toMatch(/^topic=[^/]+\/date=\d{4}-\d{2}-\d{2}\/hour=\d{2}\/\d+-\d+-\d+\.parquet$/);
    }
    expect(consumedTweets).toBeGreaterThan(0);
    expect(consumedPositions).toBeGreaterThan(0);
    expect(tweets).toEqual({ n: consumedTweets, offsets: consumedTweets, partitions: 3 });
    expect(positions).toMatchObject({ n: consumedPositions, offsets: consumedPositions });
    expect(sources.reduce((n, s) => n + Number(s.n), 0)).toBe(consumedPositions);
    // iss-tracker fed GET /iss/position from the same topic.
    expect(position.latest).not.toBeNull();
  });
});
