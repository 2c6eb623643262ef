// Over 300 lines: the fault tier's few tools (private redis-server, steady producer, independent counts, figures table) in the one module its tests and benches import.
/**
 * What the fault tier needs around a real pipeline (`npm start`, tests/e2e/pipeline-harness.ts):
 * a PRIVATE redis-server (AOF on, its own folder and port: the shared 6379 is never paused or
 * killed), an outside producer at a steady rate, an independent count of the topic read back from
 * Kafka, the counts Redis holds, and the figures of one run: records, lost, doubled, seconds to
 * resume, seconds to exact.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import pWaitFor from 'p-wait-for';
import { epochSecondsToMs } from '#contracts/event-time.ts';
import { encodeTweet } from '#contracts/tweet.ts';
import { TopicKeys } from '#state/windows/index.ts';
import { freePort } from '../support/ports.ts';

export const BROKERS = ['127.0.0.1:9092'];
const WINDOW_MS = 60_000;

/** A redis-server of the test's own, with the local persistence settings (AOF, fsync every second). */
export class PrivateRedis {
  private server: ChildProcess | undefined;
  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(await freePort(), await mkdtemp(path.join(tmpdir(), 'faults-redis-')));
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async restart(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const server = spawn(
      'redis-server',
      [
        '--port',
        String(this.port),
        '--bind',
        '127.0.0.1',
        '--dir',
        this.dir,
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'everysec',
      ],
      { stdio: 'ignore' },
    );
    this.server = server;
    const client = new Redis(this.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    try {
      await pWaitFor(
        async () => {
          try {
            if (client.status !== 'ready') await client.connect();
            // Loading the AOF answers LOADING; ready means it serves.
            return (await client.ping()) === 'PONG';
          } catch {
            client.disconnect();
            return false;
          }
        },
        { interval: 50, timeout: 10_000 },
      );
    } finally {
      client.disconnect();
    }
  }

  /** kill -9: no chance to write anything more. */
  async kill(): Promise<void> {
    const server = this.server;
    if (!server || server.exitCode !== null) return;
    const exited = new Promise((r) => server.once('exit', r));
    server.kill('SIGKILL');
    await exited;
  }

  /** The data folder emptied: a restart then starts with nothing, as after a lost volume. */
  async wipe(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }

  async stop(): Promise<void> {
    await this.kill();
    await this.wipe();
  }
}

/**
 * SIGKILL to the whole process group of the `npm start` whose serverless offline serves `httpPort`
 * (the harness starts npm in a group of its own, as a terminal does): nothing gets to clean up.
 * Resolves once no process of the group is left.
 */
export async function killProcessGroupServing(httpPort: number): Promise<void> {
  const groupOf = (pid: string): number | undefined => {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    } catch {
      return undefined;
    }
  };
  const pids = () => readdirSync('/proc').filter((e) => /^\d+$/.test(e));
  const server = pids().find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8')
        .split('\0')
        .join(' ')
        .includes(`--httpPort ${httpPort} `);
    } catch {
      return false;
    }
  });
  const group = server === undefined ? undefined : groupOf(server);
  if (group === undefined || group <= 1) throw new Error(`no serverless offline serves port ${httpPort}`);
  process.kill(-group, 'SIGKILL');
  await pWaitFor(() => !pids().some((pid) => groupOf(pid) === group), { interval: 100, timeout: 10_000 });
}

/** A steady outside producer: `rate` tweets/s on `topic`, event time now, 20 hashtags. */
export class SteadyProducer {
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<unknown> = Promise.resolve();
  sent = 0;
  private constructor(private readonly producer: Producer) {}

  static async connect(brokers: readonly string[] = BROKERS): Promise<SteadyProducer> {
    // The shared broker is busy with other runs (topics created and deleted): ride out its hiccups.
    const kafka = new Kafka({
      clientId: `faults-${randomUUID()}`,
      brokers: [...brokers],
      logLevel: logLevel.NOTHING,
      retry: { initialRetryTime: 100, maxRetryTime: 2_000, retries: 15 },
    });
    const producer = kafka.producer({
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    return new SteadyProducer(producer);
  }

  /** Sends `rate` per second in 10 ticks a second, for `seconds`; resolves once all are acknowledged. */
  async run(topic: string, rate: number, seconds: number): Promise<void> {
    const perTick = Math.round(rate / 10);
    const ticks = seconds * 10;
    let tick = 0;
    const started = Date.now();
    await new Promise<void>((resolve, reject) => {
      const next = () => {
        if (tick >= ticks) {
          this.sending.then(() => resolve(), reject);
          return;
        }
        tick += 1;
        const now = Date.now();
        const messages = Array.from({ length: perTick }, (_, i) => {
          const tag = `#Fault${(this.sent + i) % 20}`;
          return {
            key: String(this.sent + i),
            value: encodeTweet({
              usuario: '@faults',
              texto: `sobre ${tag}`,
              hashtag_principal: tag,
              timestamp: now / 1000,
            }),
          };
        });
        this.sent += perTick;
        // In order, one request at a time: a broker stall delays the stream, it does not reorder it.
        // A send that still fails is sent again: a record written twice is in the topic twice, and
        // the independent count reads the topic, so the check stays exact.
        this.sending = this.sending.then(() => sendWithRetries(this.producer, topic, messages));
        this.sending.catch(reject);
        this.timer = setTimeout(next, Math.max(0, started + tick * 100 - Date.now()));
      };
      next();
    });
  }

  async close(): Promise<void> {
    clearTimeout(this.timer);
    await this.producer.disconnect();
  }
}

async function sendWithRetries(
  producer: Producer,
  topic: string,
  messages: Array<{ key: string; value: string }>,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await producer.send({ topic, acks: -1, messages });
      return;
    } catch (error) {
      if (attempt >= 5) throw error;
      await new Promise((r) => setTimeout(r, 500 * attempt));
    }
  }
}

/** (window start -> hashtag key -> count) */
export type Counts = Map<number, Map<string, number>>;

/** An independent count of everything on `topic`, read back from the beginning. */
export async function countTopic(
  topic: string,
  brokers: readonly string[] = BROKERS,
): Promise<{ records: number; counts: Counts }> {
  const kafka = new Kafka({ clientId: 'faults-reader', brokers: [...brokers], logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const expected = ends.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
  const counts: Counts = new Map();
  let records = 0;
  if (expected === 0) return { records, counts };
  const consumer = kafka.consumer({ groupId: `faults-reader-${randomUUID()}` });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`read ${records}/${expected} of ${topic}`)), 60_000);
    consumer
      .run({
        eachBatch: async ({ batch }) => {
          for (const m of batch.messages) {
            records += 1;
            const tweet = JSON.parse(String(m.value)) as { hashtag_principal: string; timestamp: number };
            const start = Math.floor(epochSecondsToMs(tweet.timestamp) / WINDOW_MS) * WINDOW_MS;
            const window = counts.get(start) ?? new Map<string, number>();
            counts.set(start, window);
            const key = tweet.hashtag_principal.toLowerCase();
            window.set(key, (window.get(key) ?? 0) + 1);
          }
          if (records >= expected) {
            clearTimeout(timer);
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return { records, counts };
}

/** The window counts Redis holds for `topic` under `prefix`. */
export async function countsInRedis(redis: Redis, prefix: string, topic: string): Promise<Counts> {
  const keys = new TopicKeys(prefix, topic);
  const counts: Counts = new Map();
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', `${prefix}:{${topic}}:win:*[0-9]`, 'COUNT', 1000);
    cursor = next;
    for (const key of found) {
      const start = Number(key.slice(key.lastIndexOf(':') + 1));
      const flat = await redis.zrange(keys.window(start), 0, -1, 'WITHSCORES');
      const window = new Map<string, number>();
      for (let i = 0; i < flat.length; i += 2) window.set(flat[i] as string, Number(flat[i + 1]));
      counts.set(start, window);
    }
  } while (cursor !== '0');
  return counts;
}

/** Records missing from Redis and records counted more than once, over every (window, hashtag). */
export function compare(expected: Counts, actual: Counts): { lost: number; doubled: number } {
  let lost = 0;
  let doubled = 0;
  const starts = new Set([...expected.keys(), ...actual.keys()]);
  for (const start of starts) {
    const e = expected.get(start) ?? new Map<string, number>();
    const a = actual.get(start) ?? new Map<string, number>();
    for (const key of new Set([...e.keys(), ...a.keys()])) {
      const diff = (a.get(key) ?? 0) - (e.get(key) ?? 0);
      if (diff < 0) lost -= diff;
      else doubled += diff;
    }
  }
  return { lost, doubled };
}

/** Sum of the applied offsets Redis holds for the group (0 when it holds none): moves when counting does. */
export async function appliedTotal(
  redis: Redis,
  prefix: string,
  topic: string,
  group: string,
): Promise<number> {
  try {
    const offsets = await redis.hvals(new TopicKeys(prefix, topic).offsets(group));
    return offsets.reduce((n, o) => n + Number(o), 0);
  } catch {
    return -1;
  }
}

/**
 * Polls `check` every `intervalMs` until it holds: the seconds from `fromMs` until it did, or null
 * when it did not within `timeoutMs` (a figure the table shows as missing, not a failed run).
 */
export async function secondsUntil(
  check: () => Promise<boolean>,
  fromMs: number,
  { intervalMs, timeoutMs }: { intervalMs: number; timeoutMs: number },
): Promise<number | null> {
  try {
    await pWaitFor(check, { interval: intervalMs, timeout: timeoutMs });
    return (Date.now() - fromMs) / 1000;
  } catch {
    return null;
  }
}

/**
 * Seconds from `clearedMs` until counting goes on again: the applied offsets pass both `before`
 * (read before the fault) and where the fault left them (a restart from the AOF may already hold
 * writes made after `before` was read). Null when they did not within `timeoutMs`.
 */
export async function secondsToResume(
  redis: Redis,
  run: { readonly keyPrefix: string; readonly topic: string; readonly consumerGroupId: string },
  before: number,
  clearedMs: number,
  timeoutMs: number,
): Promise<number | null> {
  const applied = () => appliedTotal(redis, run.keyPrefix, run.topic, run.consumerGroupId);
  const threshold = Math.max(before, await applied());
  return secondsUntil(async () => (await applied()) > threshold, clearedMs, { intervalMs: 100, timeoutMs });
}

/** One fault run's figures, as the tier prints them. */
export interface FaultFigures {
  readonly fault: string;
  /** How long the fault lasted (from its start until it had cleared). */
  readonly faultSeconds: number;
  readonly records: number;
  readonly lost: number;
  readonly doubled: number;
  /** From the fault clearing until the applied offsets moved past where they were before it and where it left them. */
  readonly resumeSeconds: number | null;
  /** From the end of the stream until every count was exact. */
  readonly exactSeconds: number | null;
}

export function figuresTable(rows: readonly FaultFigures[]): string {
  const lines = [
    '| fault mid-stream | fault s | records | lost | doubled | resume s | exact s |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  const s = (v: number | null) => (v === null ? '—' : v.toFixed(1));
  for (const r of rows) {
    lines.push(
      `| ${r.fault} | ${s(r.faultSeconds)} | ${r.records} | ${r.lost} | ${r.doubled} | ${s(r.resumeSeconds)} | ${s(r.exactSeconds)} |`,
    );
  }
  return lines.join('\n');
}
