/**
 * End-to-end counter throughput into a real Redis, through the Lambda handler (middy, config,
 * decode, offsets read, one atomic step per partition, watermark advance, logs and metrics),
 * sustained: records/s, Redis commands per record (INFO commandstats delta, counting the
 * commands scripts run too) and the handler process' memory. Aim: 200,000 records/s.
 *
 * A private redis-server on a free loopback port keeps the figures free of other clients.
 *
 *   npx tsx bench/counter-redis.ts [seconds, default 60] [batch size, default 10000]
 */
import { spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { DEFAULT_MAX_VALUE_BYTES } from '#contracts/tweet.ts';
import { loadConfig } from '#lib/config.ts';
import { createLogger } from '#lib/logger.ts';
import { createMetrics } from '#lib/metrics.ts';
import { createRedis } from '#lib/redis.ts';
import { createHashtagCounterHandler } from '../functions/hashtag-counter/app.ts';
import { lambdaContext } from '../tests/support/lambda.ts';
import { freePort } from '../tests/support/ports.ts';
import { createWorkload } from './counter-workload.ts';

const seconds = Number(process.argv[2] ?? 60);
const batchSize = Number(process.argv[3] ?? 10_000);
const partitions = 3;

async function commandCalls(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  const calls = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm))
    calls.set(match[1] as string, Number(match[2]));
  return calls;
}

const port = await freePort();
const server = spawn(
  'redis-server',
  ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
  {
    stdio: 'ignore',
  },
);
const admin = new Redis(`redis://127.0.0.1:${port}`, { retryStrategy: (n) => (n > 50 ? null : 100) });
admin.on('error', () => undefined); // refused until the server listens; retried
await admin.ping();

try {
  // Reference: one command per record, unpipelined (what counting record by record would cost).
  const baselineEnd = Date.now() + 5_000;
  let baselineOps = 0;
  while (Date.now() < baselineEnd) {
    await admin.zincrby('baseline', 1, `#tag${baselineOps % 100}`);
    baselineOps += 1;
  }
  const baselineRate = baselineOps / 5;
  await admin.flushall();

  // The handler as handler.ts builds it, with the functions' own Redis client options.
  const redis = createRedis(loadConfig({ REDIS_URL: `redis://127.0.0.1:${port}` }));
  const handler = createHashtagCounterHandler({
    redis: async () => redis,
    settings: {
      keyPrefix: 'bench',
      windowSeconds: 60,
      slideSeconds: 10,
      allowedLatenessSeconds: 60,
      retentionSeconds: 3600,
    },
    consumerGroup: 'hashtag-counter',
    // The workload holds no bad record: a dead letter would be a bug in the bench.
    deadLetters: {
      send: async (letters) => {
        if (letters.length > 0) throw new Error(`${letters.length} dead letters in the bench workload`);
      },
    },
    limits: { maxValueBytes: DEFAULT_MAX_VALUE_BYTES, maxFutureSkewMs: 300_000 },
    logger: createLogger('hashtag-counter', 'WARN'),
    metrics: createMetrics('hashtag-counter'),
  });
  const context = lambdaContext('bench-hashtag-counter');

  // The EMF metric line of every invocation goes to stdout: count it, keep it off the report.
  let metricLines = 0;
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (String(chunk).includes('"_aws"')) {
      metricLines += 1;
      return true;
    }
    return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;

  const workload = createWorkload('tweets_topic', partitions, Date.now() - 3_600_000, 50_000);
  await handler(workload.next(batchSize), context); // warm-up: connection, script load, JIT
  const before = await commandCalls(admin);
  let records = 0;
  let invocations = 0;
  let handlerMs = 0;
  let buildMs = 0;
  let maxRss = 0;
  let maxHeap = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  let lastSample = 0;
  while (performance.now() < deadline) {
    const t0 = performance.now();
    const event = workload.next(batchSize);
    const t1 = performance.now();
    await handler(event, context);
    const t2 = performance.now();
    buildMs += t1 - t0;
    handlerMs += t2 - t1;
    records += batchSize;
    invocations += 1;
    if (t2 - lastSample > 500) {
      lastSample = t2;
      const m = process.memoryUsage();
      maxRss = Math.max(maxRss, m.rss);
      maxHeap = Math.max(maxHeap, m.heapUsed);
    }
  }
  const wallMs = performance.now() - started;
  const after = await commandCalls(admin);
  process.stdout.write = write;

  let total = 0;
  const byCommand: Array<[string, number]> = [];
  for (const [name, n] of after) {
    const delta = n - (before.get(name) ?? 0) - (name === 'info' ? 1 : 0);
    if (delta > 0) {
      total += delta;
      byCommand.push([name, delta]);
    }
  }
  byCommand.sort((a, b) => b[1] - a[1]);
  const clientIssued = byCommand
    .filter(([name]) => ['evalsha', 'eval', 'hmget', 'getdel', 'ping'].includes(name))
    .reduce((n, [name, d]) => n + (name === 'hmget' ? d - countInScript(byCommand) : d), 0);
  const stats = await admin.hgetall('bench:{tweets_topic}:stats');
  const memory = await admin.info('memory');
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;

  console.log(
    `hashtag-counter end to end into Redis (private redis-server ${await admin.info('server').then((s) => /redis_version:(\S+)/.exec(s)?.[1])}, node ${process.version})`,
  );
  console.log(
    `  batch size ${batchSize} over ${partitions} partitions, ${invocations} invocations in ${(wallMs / 1000).toFixed(1)} s`,
  );
  console.log(
    `  records/s through the handler : ${Math.round(records / (handlerMs / 1000)).toLocaleString('en-US')}`,
  );
  console.log(
    `  records/s wall clock          : ${Math.round(records / (wallMs / 1000)).toLocaleString('en-US')} (includes building the events: ${(buildMs / 1000).toFixed(1)} s)`,
  );
  console.log(`  handler latency per batch     : ${(handlerMs / invocations).toFixed(1)} ms`);
  console.log(
    `  Redis commands per record     : ${(total / records).toFixed(4)} in all (${total.toLocaleString('en-US')} incl. inside scripts), ${(clientIssued / records).toFixed(5)} sent by the client`,
  );
  console.log(`  commands by name              : ${byCommand.map(([n, d]) => `${n}=${d}`).join(' ')}`);
  console.log(`  stats in Redis                : ${JSON.stringify(stats)}`);
  console.log(`  handler process memory (max)  : rss ${mb(maxRss)}, heap used ${mb(maxHeap)}`);
  console.log(`  Redis used_memory             : ${/used_memory_human:(\S+)/.exec(memory)?.[1]}`);
  console.log(
    `  reference: unpipelined ZINCRBY, one per record: ${Math.round(baselineRate).toLocaleString('en-US')}/s`,
  );
  console.log(`  metric (EMF) lines written    : ${metricLines}`);
  await redis.quit();
} finally {
  admin.disconnect();
  server.kill('SIGTERM');
}

/** HMGET calls made inside the APPLY_STEP script: one per applied step (the meta read). */
function countInScript(byCommand: Array<[string, number]>): number {
  return byCommand.find(([n]) => n === 'evalsha')?.[1] ?? 0;
}
