/**
 * Does the HTTP API starve the counter locally? The pipeline as a user runs it (`npm start`,
 * tests/e2e/pipeline-harness.ts: its own topic, key prefix, group and ports), an outside producer
 * at `rate` tweets/s, first alone, then with `connections` autocannon clients on
 * GET /top-hashtags. Prints, per phase, ingest latency (produce -> the counter's applied offset in
 * Redis has passed the record: read from Redis directly every 50 ms, so the measurement adds no
 * HTTP load) p50/p99, and for the loaded phase answers/s, p50/p99/max latency, errors and
 * time-outs. Aim (issue 12): >= 200 answers/s at p99 <= 100 ms, ingest p99 within 20 % of unloaded.
 *
 *   npx tsx bench/api-under-load.ts [rate, default 2000] [seconds per phase, default 20] [connections, default 50]
 */
import autocannon from 'autocannon';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { encodeTweet } from '#contracts/tweet.ts';
import { TopicKeys } from '#state/windows/index.ts';
import {
  BROKERS,
  cleanUp,
  connectProducer,
  REDIS_URL,
  startPipeline,
} from '../tests/e2e/pipeline-harness.ts';

const rate = Number(process.argv[2] ?? 2_000);
const seconds = Number(process.argv[3] ?? 20);
const connections = Number(process.argv[4] ?? 50);

interface Pending {
  readonly partition: number;
  readonly lastOffset: number;
  readonly sentAt: number;
}

const percentile = (sorted: readonly number[], p: number) =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN);

const pipeline = await startPipeline({ schedules: false });
const producer = await connectProducer();
const redis = new Redis(REDIS_URL);
const admin = new Kafka({ brokers: BROKERS, logLevel: logLevel.NOTHING }).admin();
await admin.connect();
const partitions =
  (await admin.fetchTopicMetadata({ topics: [pipeline.topic] })).topics[0]?.partitions.length ?? 1;
await admin.disconnect();
const offsetsKey = new TopicKeys(pipeline.keyPrefix, pipeline.topic).offsets(pipeline.consumerGroupId);

/** Produces at `rate` for `seconds`; resolves with each send's ingest latency (ms). */
async function ingestPhase(): Promise<number[]> {
  const pending: Pending[] = [];
  const latencies: number[] = [];
  let producing = true;
  const poller = (async () => {
    while (producing || pending.length > 0) {
      const applied = await redis.hgetall(offsetsKey);
      const now = Date.now();
      for (let i = pending.length - 1; i >= 0; i--) {
        const p = pending[i] as Pending;
        if (Number(applied[String(p.partition)] ?? -1) >= p.lastOffset) {
          latencies.push(now - p.sentAt);
          pending.splice(i, 1);
        }
      }
      if (!producing && now - (pending[0]?.sentAt ?? now) > 60_000) break;
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  const perTick = Math.round(rate / 10);
  const started = Date.now();
  for (let tick = 0; tick < seconds * 10; tick++) {
    const sentAt = Date.now();
    const messages = Array.from({ length: perTick }, (_, i) => {
      const tag = `#Load${(tick * perTick + i) % 30}`;
      // Spread by hand, so that each send's last offset on every partition is known exactly.
      return {
        partition: i % partitions,
        value: encodeTweet({
          usuario: '@bench',
          texto: `sobre ${tag}`,
          hashtag_principal: tag,
          timestamp: sentAt / 1000,
        }),
      };
    });
    const metadata = await producer.send({ topic: pipeline.topic, acks: -1, messages });
    for (const m of metadata) {
      const count = messages.filter((x) => x.partition === m.partition).length;
      pending.push({ partition: m.partition, lastOffset: Number(m.baseOffset) + count - 1, sentAt });
    }
    await new Promise((r) => setTimeout(r, Math.max(0, started + (tick + 1) * 100 - Date.now())));
  }
  producing = false;
  await poller;
  return latencies.sort((a, b) => a - b);
}

function summary(name: string, latencies: number[]) {
  return {
    phase: name,
    sends: latencies.length,
    ingestP50Ms: percentile(latencies, 50),
    ingestP99Ms: percentile(latencies, 99),
  };
}

try {
  const unloaded = summary('unloaded', await ingestPhase());
  console.log(JSON.stringify(unloaded));
  const load = autocannon({
    url: `${pipeline.apiBase}/top-hashtags?limit=10`,
    connections,
    duration: seconds + 2,
    timeout: 10,
  });
  const [loadedIngest, result] = await Promise.all([ingestPhase(), load]);
  const loaded = summary('loaded', loadedIngest);
  console.log(
    JSON.stringify({
      ...loaded,
      connections,
      answersPerSecond: Math.round(result.requests.average),
      httpP50Ms: result.latency.p50,
      httpP99Ms: result.latency.p99,
      httpMaxMs: result.latency.max,
      non2xx: result.non2xx,
      errors: result.errors,
      timeouts: result.timeouts,
      ingestP99VsUnloaded: Number((loaded.ingestP99Ms / unloaded.ingestP99Ms).toFixed(2)),
    }),
  );
} finally {
  await producer.disconnect();
  redis.disconnect();
  await pipeline.stop();
  await cleanUp(pipeline);
}
