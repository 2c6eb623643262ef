/**
 * `serverless invoke local` for every function, as a user runs it: built by serverless-esbuild,
 * against the real broker and Redis, on topics and a Redis prefix of its own. Each command must
 * print its result and exit by itself: osls does not exit on success, so a client left open
 * (Redis, Kafka) would keep the process alive until the timeout below kills it.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';
import { readCounterStats } from '#state/windows/index.ts';
import { copyService } from '../support/deploy-package.ts';
import { KAFKA_BROKERS, REDIS_URL } from '../support/services.ts';
import { createTopic, deleteTopics, readTopic } from './producers-helpers.ts';

const INVOKE_TIMEOUT_MS = 60_000;
const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
const keyPrefix = `test:invoke-local:${randomUUID()}`;
let service: Awaited<ReturnType<typeof copyService>>;
const topics: string[] = [];
let tweetsTopic: string;
let issTopic: string;
let issApi: Server;
let issApiUrl: string;

beforeAll(async () => {
  service = await copyService('sls-invoke-local-');
  await redis.connect();
  tweetsTopic = await createTopic('invoke-local-tweets', 1);
  issTopic = await createTopic('invoke-local-iss', 1);
  // The DLQ name is derived from the tweets topic, as on every stage.
  const dlq = `${tweetsTopic}.dlq`;
  const { Kafka } = await import('kafkajs');
  const admin = new Kafka({ brokers: KAFKA_BROKERS, logLevel: 0 }).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: dlq, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  topics.push(tweetsTopic, issTopic, dlq);
  // open-notify's documented answer, from loopback (the real API is not reachable here).
  issApi = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        message: 'success',
        timestamp: Math.floor(Date.now() / 1000),
        iss_position: { latitude: '-12.5000', longitude: '101.2500' },
      }),
    );
  });
  await new Promise<void>((resolve) => issApi.listen(0, '127.0.0.1', resolve));
  issApiUrl = `http://127.0.0.1:${(issApi.address() as AddressInfo).port}/iss-now.json`;
}, 60_000);

afterAll(async () => {
  await new Promise<void>((resolve) => issApi.close(() => resolve()));
  const keys = await redis.keys(`${keyPrefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
  await redis.quit();
  await deleteTopics(topics);
  if (service) rmSync(service.dir, { recursive: true, force: true });
});

interface Invocation {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
}

/** The counter's window settings under this test's key prefix (serverless.yml's defaults). */
const counterSettings = {
  keyPrefix,
  windowSeconds: 60,
  slideSeconds: 10,
  allowedLatenessSeconds: 60,
  retentionSeconds: 3600,
};

/** `serverless invoke local` of `fn` with the event file `eventFile` (none: no event at all). */
function invokeLocal(fn: string, eventFile: string | null): Promise<Invocation> {
  const args = [
    service.serverlessBin,
    'invoke',
    'local',
    '--function',
    fn,
    '--stage',
    'local',
    ...(eventFile === null ? [] : ['--path', path.resolve(__dirname, '..', 'fixtures', eventFile)]),
    `--param=kafkaBrokers=${KAFKA_BROKERS.join(',')}`,
    `--param=redisUrl=${REDIS_URL}`,
    `--param=tweetsTopic=${tweetsTopic}`,
    `--param=issTopic=${issTopic}`,
    `--param=redisKeyPrefix=${keyPrefix}`,
    `--param=issApiUrl=${issApiUrl}`,
    '--param=tweetsPerInvocation=40',
  ];
  const started = Date.now();
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      args,
      {
        cwd: service.dir,
        // The local fixtures (tests/fixtures/local/) read the topic names from the environment.
        env: { ...service.env, TWEETS_TOPIC: tweetsTopic, ISS_TOPIC: issTopic },
        timeout: INVOKE_TIMEOUT_MS,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        resolve({ code, stdout, stderr, ms: Date.now() - started });
      },
    );
    // invoke local reads an event from stdin when it is not a TTY.
    child.stdin?.end();
  });
}

/** The JSON value invoke local printed last (its result), after the function's log lines. */
function printedResult(out: string): unknown {
  const start = out.lastIndexOf('\n{\n');
  return JSON.parse(start >= 0 ? out.slice(start + 1) : out);
}

function expectExited(run: Invocation): void {
  if (run.code !== 0) {
    throw new Error(
      `invoke local did not exit by itself with 0 (code ${run.code}, after ${run.ms} ms)\n${run.stdout}\n${run.stderr}`,
    );
  }
}

describe('serverless invoke local', () => {
  it('iss-poller publishes the position the ISS API gives, then exits', async () => {
    const run = await invokeLocal('iss-poller', 'eventbridge/scheduled-event.json');

    expectExited(run);
    expect(printedResult(run.stdout)).toMatchObject({ published: 1 });
    const [record] = await readTopic(issTopic);
    expect(JSON.parse(record?.value ?? '{}')).toMatchObject({
      latitude: -12.5,
      longitude: 101.25,
      source: 'open-notify',
    });
  }, 90_000);

  it('tweet-generator publishes its tweets, then exits', async () => {
    const run = await invokeLocal('tweet-generator', 'eventbridge/scheduled-event.json');

    expectExited(run);
    expect(printedResult(run.stdout)).toMatchObject({ generated: 40, stoppedEarly: false });
    expect(await readTopic(tweetsTopic)).toHaveLength(40);
  }, 90_000);

  it('hashtag-counter takes the MSK event AWS documents, dead-letters its non-tweet record, then exits', async () => {
    const run = await invokeLocal('hashtag-counter', 'msk/single-record.json');

    expectExited(run);
    const letters = await readTopic(`${tweetsTopic}.dlq`);
    expect(letters).toHaveLength(1);
    expect(letters[0]?.value).toBe('Hello, this is a test.');
    expect(await readCounterStats(redis, counterSettings, 'mytopic')).toMatchObject({
      accepted: 0,
      rejected: 1,
    });
  }, 90_000);

  it('hashtag-counter counts the local fixture on the local topic, so the dashboard shows it', async () => {
    const run = await invokeLocal('hashtag-counter', 'local/hashtag-counter.js');

    expectExited(run);
    const stats = await readCounterStats(redis, counterSettings, tweetsTopic);
    expect(stats).toMatchObject({ accepted: 3, rejected: 0 });
  }, 90_000);

  it.each([
    ['hashtag-counter', 'tests/fixtures/local/hashtag-counter.js'],
    ['top-hashtags', 'tests/fixtures/http-api/get-top-hashtags.json'],
  ])(
    '%s without an event stops at once with one line that names the event file to pass',
    async (fn, file) => {
      const run = await invokeLocal(fn, null);

      expect(run.code).not.toBe(0);
      const line = `${run.stdout}\n${run.stderr}`.split('\n').find((l) => l.startsWith(`${fn} takes `));
      expect(line).toContain(`--path ${file}`);
      expect(line).toContain('was given no event');
    },
    90_000,
  );

  it('top-hashtags answers the API Gateway event with what the local fixture counted, then exits', async () => {
    const run = await invokeLocal('top-hashtags', 'http-api/get-top-hashtags.json');

    expectExited(run);
    const answer = printedResult(run.stdout) as { statusCode: number; body: string };
    expect(answer.statusCode).toBe(200);
    // The counter's local fixture ran above, on this topic, timestamped now: it is the current window.
    expect(JSON.parse(answer.body)).toMatchObject({
      topic: tweetsTopic,
      hashtags: [
        { rank: 1, hashtag: '#InvokeLocal', count: 2 },
        { rank: 2, hashtag: '#Spark', count: 1 },
      ],
    });
  }, 90_000);
});
