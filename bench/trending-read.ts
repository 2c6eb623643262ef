/**
 * Read time of `GET /top-hashtags?view=trending&span=15m` with 10,000 distinct hashtags a minute:
 * the real handler (middy chain included) called in process with API Gateway v2 events, against
 * the real Redis, on a private key prefix that is deleted afterwards.
 *
 * Seeds 61 minutes through the counter's own apply step (`state/`): each minute 10,000 hashtags
 * with Zipf-like counts (round(2000 / rank), at least 1), spread over the minute's slide buckets,
 * and a few tags rising in the last minutes so that the list is not empty. Prints p50/p99/max, the
 * Redis commands per read (counted on the client), and the memory one minute of state takes
 * (MEMORY USAGE of the window, its info hash and its slide buckets).
 *
 *   npm run bench -- bench/trending-read.ts [--reads 300] [--span 15m] [--distinct 10000]
 * (`npm run bench` is tsx with the hook that imports the dashboard's script and styles as text.)
 * Needs Redis on 127.0.0.1:6379 (`npm run infra:up`).
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '#lib/config.ts';
import { createRedis, type RedisClient } from '#lib/redis.ts';
import {
  advanceWatermark,
  applyPartitionStep,
  type CountableRecord,
  TopicKeys,
} from '#state/windows/index.ts';
import { apiEvent, createTestApi, hashtag, lambdaContext, testSettings } from '../tests/support/http-api.ts';

const { values } = parseArgs({
  options: {
    reads: { type: 'string', default: '300' },
    span: { type: 'string', default: '15m' },
    distinct: { type: 'string', default: '10000' },
  },
});
const READS = Number(values.reads);
const DISTINCT = Number(values.distinct);
const MINUTES = 61;
const MINUTE = 60_000;

const redis: RedisClient = createRedis(
  loadConfig({ REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }),
);
const settings = { ...testSettings(), keyPrefix: `bench:trending:${Date.now()}` };
const topic = 'tweets_topic';

/** Calls per command since the server started (INFO commandstats), to take a delta around the reads. */
async function commandCalls(): Promise<number> {
  const info = await redis.info('commandstats');
  let calls = 0;
  for (const match of info.matchAll(/^cmdstat_[^:]+:calls=(\d+)/gm)) calls += Number(match[1]);
  return calls;
}

const tags = Array.from({ length: DISTINCT }, (_, i) => hashtag(`#t${i.toString(36)}`));

/** Hashtags per apply step: one Lua call takes a bounded argument list. */
const TAGS_PER_STEP = 2000;

async function seed(): Promise<number> {
  const first = Math.floor(Date.now() / MINUTE) * MINUTE - MINUTES * MINUTE;
  const offsets = new Map<number, number>();
  let records = 0;
  for (let m = 0; m <= MINUTES; m += 1) {
    const start = first + m * MINUTE;
    // One partition per slice of the hashtags, as a topic with several partitions would be.
    for (let partition = 0; partition * TAGS_PER_STEP < tags.length; partition += 1) {
      const expected = offsets.get(partition) ?? null;
      let offset = expected ?? -1;
      const countable: CountableRecord[] = [];
      for (
        let rank0 = partition * TAGS_PER_STEP;
        rank0 < Math.min(tags.length, (partition + 1) * TAGS_PER_STEP);
        rank0 += 1
      ) {
        const tag = tags[rank0] as (typeof tags)[number];
        const rising = rank0 % 997 === 500 && m >= MINUTES - 10;
        const n = Math.max(1, Math.round(2000 / (rank0 + 1))) * (rising ? 6 : 1);
        for (let i = 0; i < n; i += 1) {
          offset += 1;
          countable.push({ offset, eventTime: start + ((rank0 + i * 7) % 60) * 1000, hashtags: [tag] });
        }
      }
      records += countable.length;
      const result = await applyPartitionStep(redis, settings, {
        consumerGroup: 'bench',
        topic,
        partition,
        expectedOffset: expected,
        newOffset: offset,
        records: countable,
        duplicates: 0,
        rejected: 0,
      });
      if (result.status !== 'applied') throw new Error(`seed step not applied: ${JSON.stringify(result)}`);
      offsets.set(partition, offset);
    }
  }
  await advanceWatermark(redis, settings, topic);
  return records;
}

/** Reads `path` `reads` times through `api()` (a fresh API each time: a cold cache). */
async function measure(
  reads: number,
  path: string,
  api: () => ReturnType<typeof createTestApi>,
): Promise<{ p50: number; p99: number; max: number; commandsPerRead: number; listed: number }> {
  const samples: number[] = [];
  const before = await commandCalls();
  let listed = 0;
  for (let i = 0; i < reads; i += 1) {
    const handler = api().handler;
    const t = performance.now();
    const result = await handler(apiEvent(path), lambdaContext);
    samples.push(performance.now() - t);
    if (result.statusCode !== 200) throw new Error(`read answered ${result.statusCode}: ${result.body}`);
    listed = (JSON.parse(result.body ?? '{}') as { hashtags: unknown[] }).hashtags.length;
  }
  // The INFO call itself counts once; other clients of a shared Redis add noise (run it quiet).
  const commandsPerRead = ((await commandCalls()) - before - 1) / reads;
  samples.sort((a, b) => a - b);
  return {
    p50: percentile(samples, 50),
    p99: percentile(samples, 99),
    max: samples.at(-1) ?? 0,
    commandsPerRead,
    listed,
  };
}

async function memoryOfOneMinute(): Promise<{ window: number; info: number; buckets: number }> {
  const keys = new TopicKeys(settings.keyPrefix, topic);
  const start = Math.floor(Date.now() / MINUTE) * MINUTE - 5 * MINUTE;
  const usage = async (key: string) =>
    Number((await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);
  let buckets = 0;
  for (let b = 0; b < 60_000 / (settings.slideSeconds * 1000); b += 1) {
    buckets += await usage(keys.bucket(start + b * settings.slideSeconds * 1000));
  }
  return { window: await usage(keys.window(start)), info: await usage(keys.windowInfo(start)), buckets };
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;

async function main(): Promise<void> {
  await redis.connect();
  const seedStarted = performance.now();
  const records = await seed();
  console.log(
    `seeded ${MINUTES + 1} min x ${DISTINCT} distinct hashtags (${records} records) in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`,
  );
  const path = `/top-hashtags?view=trending&span=${values.span}&limit=10`;
  const warmApi = createTestApi(redis, settings, { topic });
  // Warm up the connection and the JIT.
  for (let i = 0; i < 5; i += 1) await warmApi.handler(apiEvent(path), lambdaContext);
  const cold = await measure(Math.max(10, Math.round(READS / 10)), path, () =>
    createTestApi(redis, settings, { topic }),
  );
  const warm = await measure(READS, path, () => warmApi);
  const line = (what: string, r: typeof cold) =>
    `  ${what}: p50 ${r.p50.toFixed(2)} ms  p99 ${r.p99.toFixed(2)} ms  max ${r.max.toFixed(2)} ms  ` +
    `Redis commands/read ${r.commandsPerRead.toFixed(1)} (INFO commandstats delta)  listed ${r.listed}`;
  console.log(`GET ${path}`);
  console.log(line('cold (first read after the watermark closes a window; merges 60 windows)', cold));
  console.log(line(`warm (${READS} reads, answer cached until the next window closes)`, warm));
  const memory = await memoryOfOneMinute();
  const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
  console.log(
    `  one minute of state at ${DISTINCT} distinct: window ${kib(memory.window)}, info ${kib(memory.info)}, slide buckets ${kib(memory.buckets)}; ` +
      `total ${kib(memory.window + memory.info + memory.buckets)} (x60 for the default retention of 1 h)`,
  );
}

try {
  await main();
} finally {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${settings.keyPrefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  await redis.quit();
}
