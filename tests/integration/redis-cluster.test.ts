// Over 300 lines: three cluster set-ups (plain, TLS with AUTH, unreachable) share helpers and clients.
/**
 * Redis Cluster (ElastiCache with cluster mode enabled): a real 3-master cluster of redis-server
 * processes on loopback ports of its own, the layer's client with REDIS_CLUSTER=true, the counter's
 * own apply step over topics whose keys live on three different masters, and the reads through the
 * real HTTP handler. A standalone client against the same cluster gets MOVED, which is what every
 * assertion here would run into if cluster mode were not wired.
 */
import { Cluster, Redis } from 'ioredis';
import type { IssPosition } from '#contracts/iss-position.ts';
import { type AppConfig, loadConfig } from '#lib/config.ts';
import { ServiceUnavailableError } from '#lib/errors.ts';
import {
  type ContainerRedis,
  containerRedis,
  createRedis,
  createRedisWithAuth,
  isRedisConnectionError,
  pingRedis,
  type RedisClient,
} from '#lib/redis.ts';
import { issTrackKey, readIssPosition, saveIssPosition } from '#state/iss/index.ts';
import {
  advanceWatermark,
  applyPartitionStep,
  type CountableRecord,
  readAppliedOffsets,
  readCounterStats,
  TopicKeys,
} from '#state/windows/index.ts';
import { call, createTestApi, hashtag, testSettings } from '../support/http-api.ts';
import { freePorts } from '../support/ports.ts';
import { type RedisCluster, startRedisCluster } from '../support/redis-cluster.ts';

const MINUTE = 60_000;
const GROUP = 'hashtag-counter';

let cluster: RedisCluster | undefined;
let config: AppConfig;
let container: ContainerRedis;
let redis: RedisClient;
const others: RedisClient[] = [];
const settings = testSettings();

beforeAll(async () => {
  cluster = await startRedisCluster({ masters: 3 });
  config = loadConfig({
    REDIS_URL: cluster.url,
    REDIS_CLUSTER: 'true',
    REDIS_KEY_PREFIX: settings.keyPrefix,
  });
  container = containerRedis(config);
  redis = await container.get();
}, 60_000);

afterAll(async () => {
  // The nodes are stopped even when closing a client throws: they are this test's own processes.
  try {
    await container?.close();
    for (const client of others) client.disconnect();
  } finally {
    await cluster?.stop();
  }
});

/** The client port of the master that owns `key`'s slot. */
async function ownerPort(client: RedisClient, key: string): Promise<number> {
  const slot = await client.cluster('KEYSLOT', key);
  const ranges = await client.cluster('SLOTS');
  const range = ranges.find(([start, end]) => slot >= start && slot <= end);
  const port = range?.[2]?.[1];
  if (port === undefined) throw new Error(`no node owns slot ${slot}`);
  return port;
}

/** Topic names whose `{<topic>}` keys land on every master, one topic per master. */
async function topicsOnEveryMaster(client: RedisClient): Promise<string[]> {
  const byPort = new Map<number, string>();
  for (let i = 0; i < 200 && byPort.size < 3; i++) {
    const topic = `tweets-${i}`;
    const port = await ownerPort(client, new TopicKeys(settings.keyPrefix, topic).meta);
    if (!byPort.has(port)) byPort.set(port, topic);
  }
  expect(byPort.size).toBe(3);
  return [...byPort.values()];
}

/** `times` records of one hashtag at one event time, with consecutive offsets from `first`. */
function records(first: number, tag: string, eventTime: number, times: number): CountableRecord[] {
  return Array.from({ length: times }, (_, i) => ({
    offset: first + i,
    eventTime,
    hashtags: [hashtag(tag)],
  }));
}

/** One partition's records in order, renumbered from offset 0. */
function concat(...groups: CountableRecord[][]): CountableRecord[] {
  let offset = 0;
  return groups.flat().map((r) => ({ ...r, offset: offset++ }));
}

/** One partition's step as the counter plans it: fresh records above the stored offset. */
async function applyBatch(
  client: RedisClient,
  topic: string,
  partition: number,
  batch: readonly CountableRecord[],
  rejected = 0,
) {
  const stored =
    (await readAppliedOffsets(client, settings, GROUP, topic, [partition])).get(partition) ?? null;
  const fresh = batch.filter((r) => stored === null || r.offset > stored);
  const last = batch.at(-1)?.offset ?? null;
  return applyPartitionStep(client, settings, {
    consumerGroup: GROUP,
    topic,
    partition,
    expectedOffset: stored,
    newOffset: fresh.length > 0 || rejected > 0 ? (last ?? 0) + rejected : stored,
    records: fresh,
    duplicates: batch.length - fresh.length,
    rejected,
  });
}

describe('Redis Cluster mode (REDIS_CLUSTER=true)', () => {
  it('builds a cluster client from the switch, and a standalone one without it', () => {
    expect(redis).toBeInstanceOf(Cluster);
    const standalone = createRedis(loadConfig({ REDIS_URL: cluster?.url }));
    others.push(standalone);
    expect(standalone).toBeInstanceOf(Redis);
    expect(loadConfig({}).redis.cluster).toBe(false);
  });

  it('counts and reads back exactly, with each topic’s keys on a different master', async () => {
    const topics = await topicsOnEveryMaster(redis);
    const w0 = Math.floor(Date.now() / MINUTE) * MINUTE - 10 * MINUTE;
    const w1 = w0 + MINUTE;

    for (const [k, topic] of topics.entries()) {
      const p0 = concat(
        records(0, '#Kafka', w0 + 10_000, 3 + k),
        records(0, '#Redis', w0 + 40_000, 2),
        records(0, '#Kafka', w1 + 5_000, 1),
        records(0, '#Cluster', w1 + 20_000, 4),
      );
      const p1 = concat(records(0, '#Cluster', w1 + 25_000, 2), records(0, '#Spark', w1 + 15_000, 7 + k));

      // One batch over both partitions, the watermark after it, as the counter runs it.
      expect(await applyBatch(redis, topic, 0, p0)).toEqual({ status: 'applied', accepted: 10 + k, late: 0 });
      expect(await applyBatch(redis, topic, 1, p1)).toEqual({ status: 'applied', accepted: 9 + k, late: 0 });
      expect(await advanceWatermark(redis, settings, topic)).toBe(w1 + 25_000 - 60_000);

      // Lambda redelivers partition 0: all duplicates, nothing counted twice.
      expect(await applyBatch(redis, topic, 0, p0)).toEqual({ status: 'applied', accepted: 0, late: 0 });
      // A racing invocation that planned before the first one: compare-and-set refuses it.
      const stale = await applyPartitionStep(redis, settings, {
        consumerGroup: GROUP,
        topic,
        partition: 1,
        expectedOffset: null,
        newOffset: 100,
        records: p1,
        duplicates: 0,
        rejected: 0,
      });
      expect(stale).toEqual({ status: 'conflict', storedOffset: 8 + k });
      // A record behind the watermark (its window ended before it) and one unreadable record.
      const late = records(9 + k, '#Late', w0 - 30_000, 1);
      expect(await applyBatch(redis, topic, 1, late, 1)).toEqual({ status: 'applied', accepted: 0, late: 1 });
      await advanceWatermark(redis, settings, topic);
    }

    const owners = await Promise.all(
      topics.map((t) => ownerPort(redis, new TopicKeys(settings.keyPrefix, t).meta)),
    );
    expect(new Set(owners).size).toBe(3);
    // Every master holds state: the keys really are spread, not all on the startup node.
    for (const port of cluster?.ports ?? []) {
      const node = new Redis({ host: '127.0.0.1', port, lazyConnect: true });
      others.push(node);
      expect(await node.dbsize()).toBeGreaterThan(0);
    }

    for (const [k, topic] of topics.entries()) {
      expect(await readAppliedOffsets(redis, settings, GROUP, topic, [0, 1])).toEqual(
        new Map([
          [0, 9 + k],
          [1, 10 + k],
        ]),
      );
      const api = createTestApi(redis, settings, { topic });
      const stats = { accepted: 19 + 2 * k, late: 1, duplicate: 10 + k, rejected: 1 };
      expect(await readCounterStats(redis, settings, topic)).toEqual(stats);

      const current = await call(api, '/top-hashtags');
      expect(current.status).toBe(200);
      expect(current.json).toMatchObject({
        topic,
        view: 'tumbling',
        windowStart: new Date(w1).toISOString(),
        complete: false,
        watermark: new Date(w1 + 25_000 - 60_000).toISOString(),
        hashtags: [
          { rank: 1, hashtag: '#Spark', count: 7 + k },
          { rank: 2, hashtag: '#Cluster', count: 6 },
          { rank: 3, hashtag: '#Kafka', count: 1 },
        ],
        totals: { hashtags: 3, count: 14 + k },
        stats,
      });

      const past = await call(api, `/top-hashtags?at=${new Date(w0 + 1_000).toISOString()}`);
      expect(past.json).toMatchObject({
        windowStart: new Date(w0).toISOString(),
        hashtags: [
          { rank: 1, hashtag: '#Kafka', count: 3 + k },
          { rank: 2, hashtag: '#Redis', count: 2 },
        ],
        totals: { hashtags: 2, count: 5 + k },
      });

      // Sliding: the 60 s ending at the end of the newest record's 10 s bucket, from 6 bucket keys.
      const sliding = await call(api, '/top-hashtags?view=sliding');
      expect(sliding.json).toMatchObject({
        view: 'sliding',
        windowStart: new Date(w0 + 30_000).toISOString(),
        windowEnd: new Date(w1 + 30_000).toISOString(),
        hashtags: [
          { rank: 1, hashtag: '#Spark', count: 7 + k },
          { rank: 2, hashtag: '#Cluster', count: 6 },
          { rank: 3, hashtag: '#Redis', count: 2 },
          { rank: 4, hashtag: '#Kafka', count: 1 },
        ],
        totals: { hashtags: 4, count: 16 + k },
      });

      // History: one pipeline over the window info keys of the topic (one slot).
      const history = await call(api, '/top-hashtags/history?windows=3');
      expect(history.json).toMatchObject({
        topic,
        windows: [
          { windowStart: new Date(w0 - MINUTE).toISOString(), total: 0 },
          { windowStart: new Date(w0).toISOString(), total: 5 + k },
          { windowStart: new Date(w1).toISOString(), total: 14 + k },
        ],
      });
    }
  });

  it('saves the ISS position once per timestamp and serves the track', async () => {
    const at = Math.floor(Date.now() / 1000);
    const first: IssPosition = {
      latitude: 51.5,
      longitude: -0.12,
      timestamp: at - 10,
      source: 'open-notify',
    };
    const second: IssPosition = { latitude: 52.1, longitude: 1.5, timestamp: at - 5, source: 'wheretheiss' };
    const options = { trackLength: 10, ttlSeconds: 60 };
    // A prefix whose track key is not on the startup node, so that only a cluster client reaches it.
    let prefix = settings.keyPrefix;
    for (let i = 0; (await ownerPort(redis, issTrackKey(prefix))) === cluster?.ports[0]; i++) {
      prefix = `${settings.keyPrefix}:${i}`;
    }

    expect(await saveIssPosition(redis, prefix, first, options)).toBe(true);
    expect(await saveIssPosition(redis, prefix, second, options)).toBe(true);
    expect(await saveIssPosition(redis, prefix, first, options)).toBe(false);

    expect(await readIssPosition(redis, prefix)).toEqual({ latest: second, track: [first, second] });
    const answer = await call(createTestApi(redis, { ...settings, keyPrefix: prefix }), '/iss/position');
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      latest: { ...second, timestamp: new Date(second.timestamp * 1000).toISOString() },
      track: [first, second].map((p) => ({ ...p, timestamp: new Date(p.timestamp * 1000).toISOString() })),
    });
  });

  it('is not something a standalone client can do: it gets MOVED for keys on other masters', async () => {
    const standalone = createRedis(loadConfig({ REDIS_URL: cluster?.url }));
    others.push(standalone);
    // A topic whose slot the startup node (the one the standalone client talks to) does not own.
    let elsewhere: string | undefined;
    for (const t of await topicsOnEveryMaster(redis)) {
      if ((await ownerPort(redis, new TopicKeys(settings.keyPrefix, t).meta)) !== cluster?.ports[0])
        elsewhere = t;
    }
    if (elsewhere === undefined) throw new Error('no topic on another master');

    await expect(
      applyPartitionStep(standalone, settings, {
        consumerGroup: GROUP,
        topic: elsewhere,
        partition: 5,
        expectedOffset: null,
        newOffset: 0,
        records: records(0, '#Moved', Date.now() - MINUTE, 1),
        duplicates: 0,
        rejected: 0,
      }),
    ).rejects.toThrow(/MOVED/);
    await expect(readCounterStats(standalone, settings, elsewhere)).rejects.toThrow(/MOVED/);
  });
});

describe('Redis Cluster over TLS with AUTH, as ElastiCache runs it with in-transit encryption', () => {
  const password = `pw-${process.pid}-${Date.now()}`;
  const secretArn = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:test/redis-auth-AbCdEf';
  let secure: RedisCluster | undefined;
  let secureConfig: AppConfig;

  beforeAll(async () => {
    secure = await startRedisCluster({ masters: 3, tlsPassword: password });
    secureConfig = loadConfig({
      REDIS_URL: secure.url,
      REDIS_CLUSTER: 'true',
      REDIS_AUTH_SECRET_ARN: secretArn,
    });
  }, 60_000);

  afterAll(async () => {
    await secure?.stop();
  });

  it('verifies every node’s certificate, authenticates with the secret’s token and counts on every master', async () => {
    expect(secureConfig.redis.url).toMatch(/^rediss:\/\//);
    const client = await createRedisWithAuth(secureConfig, { tls: { ca: secure?.ca } }, async () =>
      JSON.stringify({ password }),
    );
    others.push(client);
    await pingRedis(client, secureConfig.redis.url);

    for (const topic of await topicsOnEveryMaster(client)) {
      expect(await applyBatch(client, topic, 0, records(0, '#TLS', Date.now() - MINUTE, 3))).toEqual({
        status: 'applied',
        accepted: 3,
        late: 0,
      });
      expect(await readCounterStats(client, settings, topic)).toEqual({
        accepted: 3,
        late: 0,
        duplicate: 0,
        rejected: 0,
      });
    }
  });

  it('refuses nodes whose certificate it cannot verify, naming Redis', async () => {
    const client = createRedis(secureConfig, { password, connectTimeoutMs: 1000 });
    others.push(client);

    await expect(pingRedis(client, secureConfig.redis.url)).rejects.toThrow(
      /Redis is unreachable at rediss:\/\/127\.0\.0\.1/,
    );
  });
});

describe('an unreachable Redis Cluster', () => {
  let downConfig: AppConfig;

  beforeAll(async () => {
    // A port that was free a moment ago and that nothing listens on.
    const [port] = await freePorts(1);
    downConfig = loadConfig({ REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_CLUSTER: 'true' });
  });

  it('fails PING with an error naming Redis', async () => {
    const down = createRedis(downConfig, { connectTimeoutMs: 500 });
    others.push(down);

    await expect(pingRedis(down, downConfig.redis.url)).rejects.toBeInstanceOf(ServiceUnavailableError);
  });

  it('answers the HTTP API with a 503 instead of hanging, and fails commands as connection errors', async () => {
    const down = createRedis(downConfig, { connectTimeoutMs: 500 });
    others.push(down);

    const answer = await call(createTestApi(down, testSettings()), '/top-hashtags');
    expect(answer.status).toBe(503);
    const error = await down.get('any').catch((e: unknown) => e);
    expect(isRedisConnectionError(error)).toBe(true);
  });

  it('gives a container a new client once the old one gave up reconnecting', async () => {
    const lazy = containerRedis(downConfig, { ping: false });
    try {
      const first = await lazy.get();
      await expect(first.get('any')).rejects.toThrow();
      const deadline = Date.now() + 10_000;
      while (first.status !== 'end' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(first.status).toBe('end');

      const second = await lazy.get();
      expect(second).not.toBe(first);
      expect(second.status).not.toBe('end');
    } finally {
      await lazy.close();
    }
  });
});
