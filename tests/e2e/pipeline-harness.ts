// Over 300 lines: one run of npm start for tests and benches: start, stop, kill, clean up, and the clients they call it with.
/**
 * Runs the pipeline exactly as a user does (`npm start`), on its own topic, Redis key prefix,
 * consumer group and free ports, so that it can share the machine's Kafka and Redis with other
 * tests. Used by the e2e tests and by bench/e2e-latency.ts.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { Kafka, logLevel, Partitioners, type Producer } from 'kafkajs';
import { portOpen } from '../../tooling/infra/infra.ts';
import { freePort } from '../support/ports.ts';
import { KAFKA_BROKERS, REDIS_URL } from '../support/services.ts';

/** The repository root: the nearest folder up from the working directory with our package.json. */
function findRepoRoot(): string {
  for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === 'trending-hashtags-serverless') return dir;
    } catch {
      // no package.json here
    }
    if (path.dirname(dir) === dir) throw new Error('run this from inside the repository');
  }
}

const repoRoot = findRepoRoot();
export const BROKERS = KAFKA_BROKERS;
export { REDIS_URL };

export interface PipelineOptions {
  /** Run the scheduled producers (off: only what the test produces is counted). */
  readonly schedules: boolean;
  /** More environment for `npm start` (e.g. COUNTER_BATCH_SIZE). */
  readonly env?: Readonly<Record<string, string>>;
  readonly readyTimeoutMs?: number;
  /** The tweets topic, if it exists already (a backlog produced before the start); default a new one per run. */
  readonly topic?: string;
}

export interface StopResult {
  /** How `npm start` itself ended: npm passes a Ctrl-C on as its own death by SIGINT. */
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** How long until every process of the run had exited. */
  readonly stopMs: number;
  /** Processes started under `npm start` that are still alive after it exited. */
  readonly leftovers: readonly string[];
  /** How many distinct processes ran under `npm start`. */
  readonly processesSeen: number;
  readonly portsStillOpen: readonly number[];
}

export interface Pipeline {
  readonly apiBase: string;
  readonly httpPort: number;
  readonly lambdaPort: number;
  readonly topic: string;
  /** The run's ISS topic (`<topic>.iss-positions`: cleanUp removes it with the rest). */
  readonly issTopic: string;
  readonly keyPrefix: string;
  /** The counter's group; iss-tracker's is `<it>-iss-tracker`, the archiver's `<it>-archiver-tweets` and `-iss`. */
  readonly consumerGroupId: string;
  /** The run's own folder lake (ARCHIVE_DIR), outside the repository. */
  readonly lakeDir: string;
  readonly failureSwitchKey: string;
  /** Everything `npm start` printed so far (what its terminal shows). */
  output(): string;
  /** The run's log file, as the banner names it. */
  logFile(): string;
  stop(): Promise<StopResult>;
  /**
   * Ends the process running tooling/start with SIGKILL (no chance to clean up), then waits until
   * every process that ran under npm start has exited or `withinMs` has passed.
   */
  killStart(withinMs: number): Promise<KillResult>;
}

export interface KillResult {
  /** How long after the SIGKILL the HTTP port stopped accepting connections (undefined: it never did). */
  readonly httpPortClosedMs: number | undefined;
  /** Processes started under npm start still alive after `withinMs`. */
  readonly leftovers: readonly string[];
}

/** pid → start time (clock ticks since boot), so that a reused pid is never mistaken for ours. */
function processTable(): Map<number, { ppid: number; start: string; command: string }> {
  const table = new Map<number, { ppid: number; start: string; command: string }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // The command sits in parentheses and may contain spaces; the fields follow the last ")".
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ').trim();
      table.set(Number(entry), { ppid: Number(fields[1]), start: fields[19] ?? '', command });
    } catch {
      // exited while we looked
    }
  }
  return table;
}

function descendants(root: number): Array<{ pid: number; start: string; command: string }> {
  const table = processTable();
  const found: Array<{ pid: number; start: string; command: string }> = [];
  const queue = [root];
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const [pid, p] of table) {
      if (p.ppid === parent) {
        found.push({ pid, start: p.start, command: p.command });
        queue.push(pid);
      }
    }
  }
  return found;
}

function alive(pid: number, start: string): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] === start && fields[0] !== 'Z';
  } catch {
    return false;
  }
}

/** Starts `npm start` in its own process group, as a terminal would, and waits until it serves. */
export async function startPipeline(options: PipelineOptions): Promise<Pipeline> {
  const id = randomUUID().slice(0, 8);
  const topic = options.topic ?? `e2e-pipeline-${id}`;
  const keyPrefix = `test:e2e:${id}`;
  const consumerGroupId = `e2e-pipeline-${id}`;
  const issTopic = `${topic}.iss-positions`;
  const lakeDir = path.join(tmpdir(), `e2e-lake-${id}`);
  const failureSwitchKey = `${keyPrefix}:fail-next-batch`;
  const httpPort = await freePort();
  const lambdaPort = await freePort();
  let output = '';
  const child: ChildProcess = spawn(
    'npm',
    ['start', '--', ...(options.schedules ? [] : ['--no-schedules'])],
    {
      cwd: repoRoot,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        TWEETS_TOPIC: topic,
        REDIS_KEY_PREFIX: keyPrefix,
        CONSUMER_GROUP_ID: consumerGroupId,
        ISS_TOPIC: issTopic,
        ISS_TRACKER_CONSUMER_GROUP_ID: `${consumerGroupId}-iss-tracker`,
        ARCHIVER_CONSUMER_GROUP_ID: `${consumerGroupId}-archiver`,
        ARCHIVE_DIR: lakeDir,
        LOCAL_FAILURE_SWITCH_KEY: failureSwitchKey,
        COUNTER_STARTING_POSITION: 'TRIM_HORIZON',
        OFFLINE_HTTP_PORT: String(httpPort),
        OFFLINE_LAMBDA_PORT: String(lambdaPort),
        ...options.env,
      },
    },
  );
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let hasExited = false;
  void exited.then(() => {
    hasExited = true;
  });

  // Every process that ever ran under npm start, sampled while it runs.
  const seen = new Map<number, { start: string; command: string }>();
  const sample = () => {
    if (!child.pid) return;
    for (const p of descendants(child.pid)) seen.set(p.pid, { start: p.start, command: p.command });
  };
  // Only watches: a run nobody stopped must not keep the test process alive.
  const sampler = setInterval(sample, 250).unref();

  const apiBase = `http://127.0.0.1:${httpPort}`;
  const stop = async (): Promise<StopResult> => {
    sample();
    clearInterval(sampler);
    // Ctrl-C in a terminal: SIGINT to the foreground process group.
    const stopping = Date.now();
    if (child.pid && !hasExited) process.kill(-child.pid, 'SIGINT');
    const ended = await exited;
    const living = () => [...seen.entries()].filter(([pid, p]) => alive(pid, p.start));
    while (living().length > 0 && Date.now() - stopping < 45_000)
      await new Promise((r) => setTimeout(r, 100));
    const stopMs = Date.now() - stopping;
    const leftovers = living().map(([pid, p]) => `${pid} ${p.command}`);
    const portsStillOpen: number[] = [];
    for (const port of [httpPort, lambdaPort])
      if (await portOpen('127.0.0.1', port)) portsStillOpen.push(port);
    // What npm start printed, for whoever has to find out why a run failed.
    const artifacts = path.join(repoRoot, 'tests', 'artifacts');
    mkdirSync(artifacts, { recursive: true });
    writeFileSync(path.join(artifacts, `${topic}.log`), output);
    return { ...ended, stopMs, leftovers, processesSeen: seen.size, portsStillOpen };
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 120_000);
  for (;;) {
    if (hasExited) throw new Error(`npm start exited before it was ready:\n${output}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`npm start was not ready in time:\n${output}`);
    }
    if (output.includes('The pipeline is running') && (await portOpen('127.0.0.1', httpPort))) {
      const response = await fetch(`${apiBase}/top-hashtags`).catch(() => undefined);
      if (response?.ok) break;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const killStart = async (withinMs: number): Promise<KillResult> => {
    sample();
    const start = [...seen.entries()].find(
      // The node process itself, not the `sh -c` npm runs it through (its command line names the file too).
      ([pid, p]) =>
        /^\S*node\s/.test(p.command) && p.command.includes('tooling/start/main.ts') && alive(pid, p.start),
    );
    if (!start) throw new Error(`no tooling/start process under npm start:\n${output}`);
    process.kill(start[0], 'SIGKILL');
    const killed = Date.now();
    let httpPortClosedMs: number | undefined;
    const living = () => [...seen.entries()].filter(([pid, p]) => alive(pid, p.start));
    while (Date.now() - killed < withinMs && (httpPortClosedMs === undefined || living().length > 0)) {
      if (httpPortClosedMs === undefined && !(await portOpen('127.0.0.1', httpPort, 200)))
        httpPortClosedMs = Date.now() - killed;
      await new Promise((r) => setTimeout(r, 100));
    }
    clearInterval(sampler);
    return { httpPortClosedMs, leftovers: living().map(([pid, p]) => `${pid} ${p.command}`) };
  };

  return {
    apiBase,
    httpPort,
    lambdaPort,
    topic,
    issTopic,
    keyPrefix,
    consumerGroupId,
    lakeDir,
    failureSwitchKey,
    output: () => output,
    logFile: () => /Logs {15}(\S+)/.exec(output)?.[1] ?? '',
    stop,
    killStart,
  };
}

/** The record the pipeline is fed: the wire contract itself. */
export type { Tweet } from '#contracts/tweet.ts';

export async function connectProducer(): Promise<Producer> {
  const kafka = new Kafka({ clientId: 'e2e-producer', brokers: BROKERS, logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  return producer;
}

export interface TopResponse {
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly hashtags: ReadonlyArray<{ rank: number; hashtag: string; count: number }>;
  readonly totals: { hashtags: number; count: number };
  readonly stats: { accepted: number; late: number; duplicate: number; rejected: number };
}

export async function getTop(apiBase: string, query = 'limit=100'): Promise<TopResponse> {
  const response = await fetch(`${apiBase}/top-hashtags?${query}`);
  if (!response.ok)
    throw new Error(`GET /top-hashtags answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as TopResponse;
}

/** Deletes the topics, Redis keys and lake a pipeline run left (the shared services stay up). */
export async function cleanUp(
  pipeline: Pick<Pipeline, 'topic' | 'keyPrefix'> & Partial<Pick<Pipeline, 'lakeDir'>>,
): Promise<void> {
  if (pipeline.lakeDir) await rm(pipeline.lakeDir, { recursive: true, force: true });
  const kafka = new Kafka({ clientId: 'e2e-cleanup', brokers: BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const existing = await admin.listTopics();
  const ours = existing.filter((t) => t === pipeline.topic || t.startsWith(`${pipeline.topic}.`));
  if (ours.length > 0) await admin.deleteTopics({ topics: ours }).catch(() => undefined);
  await admin.disconnect();
  const redis = new Redis(REDIS_URL, { lazyConnect: true });
  await redis.connect();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${pipeline.keyPrefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
  await redis.quit();
}

/**
 * The pipeline of one describe block: `start` runs npm start, and after the block's tests what
 * the run left (topics, Redis keys, lake) is removed, whether or not a test failed.
 */
export function usePipeline(): { start(options: PipelineOptions): Promise<Pipeline> } {
  let pipeline: Pipeline | undefined;
  afterAll(async () => {
    if (pipeline) await cleanUp(pipeline);
  });
  return {
    async start(options) {
      pipeline = await startPipeline(options);
      return pipeline;
    },
  };
}
