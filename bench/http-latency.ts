// Over 300 lines: one benchmark script, two measurements (in process, through serverless offline) sharing the seed and report.
/**
 * Latency and throughput of the top-hashtags HTTP API, measured two ways:
 *
 *  1. in process: the real Lambda handler (middy chain, logger, metrics) called with API Gateway v2
 *     events, against the real Redis: p50/p99 per route and requests/s at a few concurrent calls;
 *  2. through `serverless offline` (the real serverless.yml, started on free loopback ports with
 *     its own Redis prefix, topic and consumer group, schedules off), loaded with autocannon.
 *
 * State is seeded through `state/` as the counter writes it: 300 hashtags with Zipf-like counts in
 * the current minute, 60 past minutes, a 120-position ISS track.
 *
 *   npm run bench -- bench/http-latency.ts            # both (tsx with the dashboard's text imports)
 *   npm run bench -- bench/http-latency.ts --in-process-only
 * Needs Redis and Kafka on 127.0.0.1 (`npm run infra:up`).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { loadConfig } from '#lib/config.ts';
import { createKafka, resolveConnection } from '#lib/kafka.ts';
import { createRedis, type RedisClient } from '#lib/redis.ts';
import { saveIssPosition } from '#state/iss/index.ts';
import {
  apiEvent,
  countRecords,
  createTestApi,
  lambdaContext,
  testSettings,
} from '../tests/support/http-api.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const inProcessOnly = process.argv.includes('--in-process-only');
const config = loadConfig();

interface Summary {
  readonly requests: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function summarise(samples: number[]): Summary {
  const sorted = samples.sort((a, b) => a - b);
  return {
    requests: sorted.length,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? 0,
  };
}

const ms = (n: number) => `${n.toFixed(2)} ms`;

/** Seeds one prefix the way the counter would have left it after an hour of traffic. */
async function seed(
  redis: RedisClient,
  settings: ReturnType<typeof testSettings>,
  topic: string,
): Promise<void> {
  const now = Date.now();
  const minute = Math.floor(now / 60_000) * 60_000;
  const tags = Array.from({ length: 300 }, (_, i) => `#trend${i}`);
  for (let m = 60; m >= 1; m -= 1) {
    const t = minute - m * 60_000 + 1_000;
    await countRecords(
      redis,
      settings,
      topic,
      tags.slice(0, 50).map((tag, i) => [tag, t + (i % 50) * 1000, Math.ceil(100 / (i + 1))] as const),
    );
  }
  // Zipf-like: the i-th hashtag about 1/i as often as the first; spread over the last 50 s.
  await countRecords(
    redis,
    settings,
    topic,
    tags.map((tag, i) => [tag, now - 50_000 + (i % 50) * 1000, Math.ceil(2000 / (i + 1))] as const),
  );
  const start = Math.floor(now / 1000) - 600;
  for (let i = 0; i < 120; i += 1) {
    await saveIssPosition(
      redis,
      settings.keyPrefix,
      {
        latitude: 51.6 * Math.sin(i / 30),
        longitude: -180 + ((i * 3) % 360),
        timestamp: start + i * 5,
        source: 'sgp4',
      },
      { trackLength: 120, ttlSeconds: 3600 },
    );
  }
}

async function inProcess(redis: RedisClient, prefix: string, topic: string): Promise<void> {
  const settings = { ...testSettings(), keyPrefix: prefix };
  const api = createTestApi(redis, settings, { topic });
  const routes: Array<[string, string, Record<string, string>?]> = [
    ['GET /top-hashtags (tumbling, limit 10)', '/top-hashtags'],
    ['GET /top-hashtags?view=sliding&limit=100', '/top-hashtags?view=sliding&limit=100'],
    ['GET /top-hashtags/history (15 windows)', '/top-hashtags/history'],
    ['GET /iss/position (120 positions)', '/iss/position'],
    ['GET / (dashboard, 51 kB)', '/'],
    ['GET /top-hashtags?limit=0 (400)', '/top-hashtags?limit=0'],
  ];
  const etag = (await api.handler(apiEvent('/top-hashtags'), lambdaContext)).headers?.etag;
  routes.push([
    'GET /top-hashtags with If-None-Match (304)',
    '/top-hashtags',
    { 'if-none-match': String(etag) },
  ]);

  console.log('\n== In process: the Lambda handler (middy, logger, metrics) against Redis on 127.0.0.1 ==');
  console.log('route'.padEnd(48), 'requests', 'p50'.padStart(10), 'p99'.padStart(10), 'max'.padStart(10));
  for (const [name, url, headers] of routes) {
    const events: APIGatewayProxyEventV2[] = [];
    for (let i = 0; i < 2000; i += 1) events.push(apiEvent(url, headers ? { headers } : {}));
    for (let i = 0; i < 200; i += 1) await api.handler(events[i] as APIGatewayProxyEventV2, lambdaContext); // warm-up
    const samples: number[] = [];
    for (const event of events) {
      const started = performance.now();
      await api.handler(event, lambdaContext);
      samples.push(performance.now() - started);
    }
    const s = summarise(samples);
    console.log(
      name.padEnd(48),
      String(s.requests).padStart(8),
      ms(s.p50).padStart(10),
      ms(s.p99).padStart(10),
      ms(s.max).padStart(10),
    );
  }

  for (const concurrency of [1, 10, 50]) {
    const deadline = performance.now() + 5_000;
    let done = 0;
    // One handler per worker, as one Lambda container serves one request at a time: a shared
    // Metrics instance would flush another request's metrics.
    const worker = async () => {
      const own = createTestApi(redis, settings, { topic });
      while (performance.now() < deadline) {
        await own.handler(apiEvent('/top-hashtags'), lambdaContext);
        done += 1;
      }
    };
    const started = performance.now();
    await Promise.all(Array.from({ length: concurrency }, worker));
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `throughput GET /top-hashtags, ${concurrency} concurrent: ${Math.round(done / seconds)} requests/s`,
    );
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

async function waitForHttp(url: string, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`serverless offline exited with ${child.exitCode}`);
    try {
      const response = await fetch(url);
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`serverless offline did not answer ${url} within ${timeoutMs / 1000} s`);
}

function runAutocannon(options: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

/**
 * A scratch copy of the service (the work tree's files, node_modules linked): serverless offline
 * writes its bundles to `.esbuild/` beside serverless.yml, and a second instance in the same tree
 * (an `npm start` that is running) would rebuild them under the first one's feet.
 */
function scratchService(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-http-offline-'));
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: repoRoot })
    .toString()
    .split('\0')
    .filter(Boolean);
  for (const file of files) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    cpSync(path.join(repoRoot, file), path.join(dir, file), { errorOnExist: false });
  }
  symlinkSync(path.join(repoRoot, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  return dir;
}

async function throughServerlessOffline(prefix: string, topic: string, consumerGroup: string): Promise<void> {
  const [httpPort, lambdaPort] = [await freePort(), await freePort()];
  // The offline stack also starts the Kafka event-source emulator: give it a topic and group of its own.
  const admin = createKafka(config, await resolveConnection(config)).admin();
  await admin.connect();
  await admin.createTopics({
    topics: [{ topic, numPartitions: 1, replicationFactor: 1 }],
    waitForLeaders: true,
  });

  const output: string[] = [];
  const serviceDir = scratchService();
  const child = spawn(
    process.execPath,
    [
      path.join(serviceDir, 'node_modules/osls/bin/serverless.js'),
      'offline',
      'start',
      '--stage',
      'local',
      '--httpPort',
      String(httpPort),
      '--lambdaPort',
      String(lambdaPort),
      '--noSponsor',
      `--param=redisKeyPrefix=${prefix}`,
      `--param=tweetsTopic=${topic}`,
      `--param=consumerGroupId=${consumerGroup}`,
    ],
    {
      cwd: serviceDir,
      detached: true,
      env: { ...process.env, OFFLINE_SCHEDULES: 'off' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  // Keep only the start-up lines for error messages; the per-request logs are discarded.
  const keep = (chunk: Buffer) => {
    if (output.length < 200) output.push(chunk.toString());
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const base = `http://127.0.0.1:${httpPort}`;
  try {
    const startedAt = performance.now();
    await waitForHttp(`${base}/top-hashtags`, child, 120_000);
    console.log(
      `\n== Through serverless offline on ${base} (ready in ${((performance.now() - startedAt) / 1000).toFixed(1)} s), autocannon on loopback ==`,
    );
    const first = await fetch(`${base}/top-hashtags`);
    const etag = first.headers.get('etag') ?? '';
    const runs: Array<[string, autocannon.Options]> = [
      ['GET /top-hashtags', { url: `${base}/top-hashtags` }],
      ['GET /top-hashtags?view=sliding&limit=100', { url: `${base}/top-hashtags?view=sliding&limit=100` }],
      [
        'GET /top-hashtags with If-None-Match (304)',
        { url: `${base}/top-hashtags`, headers: { 'if-none-match': etag } },
      ],
      ['GET /iss/position', { url: `${base}/iss/position` }],
    ];
    console.log(
      'route'.padEnd(48),
      'conns',
      'req/s'.padStart(8),
      'p50'.padStart(9),
      'p99'.padStart(9),
      'responses',
      'non-2xx',
      'errors',
      'timeouts',
    );
    for (const [name, options] of runs) {
      // Warm every worker, then measure.
      await runAutocannon({ ...options, connections: 10, duration: 3 });
      const result = await runAutocannon({ ...options, connections: 10, duration: 10 });
      console.log(
        name.padEnd(48),
        String(result.connections).padStart(5),
        String(Math.round(result.requests.average)).padStart(8),
        `${result.latency.p50} ms`.padStart(9),
        `${result.latency.p99} ms`.padStart(9),
        String(result.requests.total).padStart(9),
        String(result.non2xx).padStart(7),
        String(result.errors).padStart(6),
        String(result.timeouts).padStart(8),
      );
    }
  } catch (error) {
    console.error(output.join('').slice(-4000));
    throw error;
  } finally {
    if (child.pid !== undefined && child.exitCode === null) {
      process.kill(-child.pid, 'SIGINT');
      await new Promise((resolve) => {
        const force = setTimeout(() => {
          if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
        }, 10_000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve(undefined);
        });
      });
    }
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    rmSync(serviceDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const redis = createRedis(config);
  await redis.connect();
  const id = randomUUID().slice(0, 8);
  const prefix = `bench:http:${id}`;
  const topic = `bench-http-${id}`;
  try {
    const settings = { ...testSettings(), keyPrefix: prefix };
    const seeding = performance.now();
    await seed(redis, settings, topic);
    console.log(
      `seeded ${prefix} (topic ${topic}) in ${((performance.now() - seeding) / 1000).toFixed(1)} s`,
    );
    await inProcess(redis, prefix, topic);
    if (!inProcessOnly) await throughServerlessOffline(prefix, topic, `bench-http-${id}`);
  } finally {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  }
}

await main();
