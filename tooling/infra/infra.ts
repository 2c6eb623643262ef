/**
 * Local Kafka (KRaft, jars from Maven Central) and Redis (Debian's redis-server) without Docker:
 * the commands behind `npm run infra:up|down|status`, and the one import for everything infra
 * offers (tooling/start.ts, the test setup and helpers).
 *
 * - `up` starts what is not already answering, waits until Kafka answers a metadata request and
 *   Redis accepts connections, and creates the topics. Services already answering are reused. An
 *   `up` that fails part-way stops what it started before it throws.
 * - `down` stops only processes this module started (tracked by pid files whose command line is
 *   checked again before any signal, so a recycled pid is never killed). Data stays unless wiped.
 * - Everything listens on 127.0.0.1 only.
 */
import { access, mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { InfraError } from './infra-error.ts';
import { startKafka } from './kafka-broker.ts';
import { startRedis } from './local-redis.ts';
import { kafkaAnswers, probeRedis, redisAnswers } from './probes.ts';
import {
  ourLiveProcess,
  ourProcess,
  removePid,
  type StartContext,
  type StartOutcome,
  stopProcess,
} from './processes.ts';
import {
  type InfraSettings,
  infraSettings,
  type Log,
  SERVICE_NAME,
  type ServiceKey,
  serviceFiles,
  servicePort,
} from './settings.ts';
import { ensureTopics, listTopics } from './topics.ts';

export { InfraError } from './infra-error.ts';
export { ensureKafkaJars } from './kafka-jars.ts';
export { ensurePrerequisite } from './prerequisites.ts';
export { kafkaAnswers, portOpen, redisAnswers } from './probes.ts';
export { processMatches } from './processes.ts';
export { launchRedisServer, type RedisServer, type RedisServerOptions } from './redis-server.ts';
export {
  type InfraSettings,
  infraSettings,
  KAFKA_4_VERSION,
  KAFKA_VERSION,
  type ServiceKey,
  serviceFiles,
  type TopicSpec,
} from './settings.ts';
export { ensureTopics } from './topics.ts';
export { waitUntilReady } from './wait.ts';

export interface UpResult {
  /** Services this call started (a caller that started them may stop them again). */
  readonly started: readonly ServiceKey[];
  /** Services that were already answering, whoever started them. */
  readonly reused: readonly ServiceKey[];
  /**
   * Of `reused`, those an earlier `infra:up` or `npm start` of ours started (its pid file names a
   * live process with our command line): `npm run infra:down` stops them. The rest of `reused`
   * belongs to someone else (Docker, a system service) and nothing of ours ever stops it.
   */
  readonly reusedOurs: readonly ServiceKey[];
  readonly kafkaBrokers: string;
  readonly redisUrl: string;
  readonly timingsMs: StartContext['timings'];
}

const KEYS: readonly ServiceKey[] = ['kafka', 'redis'];

/** One line naming the step, for errors that are not already an InfraError's sentence. */
function oneLine(error: unknown, step: string): string {
  if (error instanceof InfraError) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  return `${step} failed: ${message.split('\n')[0]}`;
}

/**
 * Starts (or reuses) Kafka and Redis, together, and creates the topics. When any of it fails,
 * whatever this call started (a process, even one that never became ready) is stopped again and
 * one InfraError says what failed and what to do.
 */
export async function infraUp(s: InfraSettings = infraSettings(), log: Log = console.log): Promise<UpResult> {
  await mkdir(s.stateDir, { recursive: true });
  const spawned = new Set<ServiceKey>();
  const abortController = new AbortController();
  const ctx: StartContext = {
    log,
    signal: abortController.signal,
    spawned: (key) => spawned.add(key),
    timings: {},
  };
  // The first failure is the one to report; it stops the other service's start at once (no
  // Maven minute spent on a broker that would be stopped again).
  let failure: string | undefined;
  const attempt = (name: string, start: (s: InfraSettings, ctx: StartContext) => Promise<StartOutcome>) =>
    start(s, ctx).catch((error: unknown): undefined => {
      if (abortController.signal.aborted) return undefined;
      failure = oneLine(error, name);
      abortController.abort(new Error(`stopped: ${failure}`));
      return undefined;
    });
  const [kafka, redis] = await Promise.all([attempt('Kafka', startKafka), attempt('Redis', startRedis)]);

  const brokers = `${s.host}:${s.kafkaPort}`;
  if (failure === undefined) {
    try {
      const topicsStart = Date.now();
      const created = await ensureTopics(brokers, s.topics);
      ctx.timings.topics = Date.now() - topicsStart;
      log(
        created.length > 0
          ? `Topics: created ${created.join(', ')}`
          : `Topics: ${s.topics.map((t) => t.name).join(', ')} already exist`,
      );
    } catch (error) {
      failure = oneLine(error, `Creating the topics on ${brokers}`);
    }
  }
  if (failure !== undefined) {
    const ours = KEYS.filter((key) => spawned.has(key));
    const alive: ServiceKey[] = [];
    for (const key of ours) if (await ourProcess(s, key, servicePort(s, key))) alive.push(key);
    // Also clears the pid files of what already exited by itself.
    await infraDown(s, log, ours);
    if (alive.length === 0) throw new InfraError(failure);
    throw new InfraError(
      `${failure} (Stopped what this run had started: ${alive.map((k) => SERVICE_NAME[k]).join(', ')}.)`,
    );
  }

  const outcomes: Record<ServiceKey, StartOutcome | undefined> = { kafka, redis };
  return {
    started: KEYS.filter((k) => outcomes[k] === 'started'),
    reused: KEYS.filter((k) => outcomes[k] !== 'started'),
    reusedOurs: KEYS.filter((k) => outcomes[k] === 'reused-ours'),
    kafkaBrokers: brokers,
    redisUrl: `redis://${s.host}:${s.redisPort}`,
    timingsMs: ctx.timings,
  };
}

/** Stops what `infraUp` started (all of it, or only `only`), and nothing else. The data stays. */
export async function infraDown(
  s: InfraSettings = infraSettings(),
  log: Log = console.log,
  only: readonly ServiceKey[] = KEYS,
): Promise<void> {
  for (const key of only) {
    const record = await ourLiveProcess(s, key);
    if (record) {
      await stopProcess(record, SERVICE_NAME[key], log);
    } else log(`${SERVICE_NAME[key]}: nothing of ours running`);
    await removePid(s, key);
  }
}

/**
 * Removes the data of our local services (Redis's append-only file, Kafka's topics and offsets):
 * the explicit act behind `npm run infra:down -- --wipe`. Refuses while a process of ours runs.
 */
export async function wipeLocalData(
  s: InfraSettings = infraSettings(),
  log: Log = console.log,
  only: readonly ServiceKey[] = KEYS,
): Promise<void> {
  const running = await Promise.all(only.map(async (key) => ({ key, record: await ourLiveProcess(s, key) })));
  const busy = running.find((r) => r.record !== undefined);
  if (busy?.record) {
    throw new InfraError(
      `${SERVICE_NAME[busy.key]} (pid ${busy.record.pid}) still runs on its data; stop it first: npm run infra:down`,
    );
  }
  for (const key of only) {
    const { dataDir } = serviceFiles(s, key);
    // Kafka's generated config sits beside its data; removing both makes the next start format anew.
    const dir = key === 'kafka' ? path.dirname(dataDir) : dataDir;
    await rm(dir, { recursive: true, force: true });
    log(`${SERVICE_NAME[key]}: data removed (${dir})`);
  }
}

export interface ServiceStatus {
  readonly key: ServiceKey;
  readonly name: string;
  readonly address: string;
  readonly answering: boolean;
  /** Pid of the process our `infra:up` or `npm start` started, when that is what runs. */
  readonly ours: number | undefined;
  /** Where its data lives: our folder, or for Redis what the running server reports. */
  readonly data: string;
  readonly logFile: string;
}

/** Where a running Redis keeps its data, as it says itself (it may not be ours). */
async function redisDataLocation(host: string, port: number): Promise<string | undefined> {
  const client = probeRedis(host, port);
  try {
    await client.connect();
    const [, dir] = (await client.config('GET', 'dir')) as string[];
    const [, aof] = (await client.config('GET', 'appendonly')) as string[];
    return `${dir} (${aof === 'yes' ? 'append-only file, fsync every second' : 'no append-only file: memory only'})`;
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}

/** What runs where, whether we started it, and where its data lives. */
export async function infraStatus(
  s: InfraSettings = infraSettings(),
): Promise<{ services: ServiceStatus[]; topics: string[] }> {
  const [kafka, redis] = await Promise.all([
    kafkaAnswers(s.host, s.kafkaPort),
    redisAnswers(s.host, s.redisPort),
  ]);
  const topics = kafka ? await listTopics(`${s.host}:${s.kafkaPort}`) : [];
  const kafkaFiles = serviceFiles(s, 'kafka');
  const redisFiles = serviceFiles(s, 'redis');
  const kafkaOurs = (await ourProcess(s, 'kafka', s.kafkaPort))?.pid;
  const redisOurs = (await ourProcess(s, 'redis', s.redisPort))?.pid;
  const notOurs = 'kept by whoever runs it (not infra:up)';
  return {
    services: [
      {
        key: 'kafka',
        name: 'Kafka',
        address: `${s.host}:${s.kafkaPort}`,
        answering: kafka,
        ours: kafkaOurs,
        data: kafka && !kafkaOurs ? notOurs : kafkaFiles.dataDir,
        logFile: kafkaFiles.logFile,
      },
      {
        key: 'redis',
        name: 'Redis',
        address: `${s.host}:${s.redisPort}`,
        answering: redis,
        ours: redisOurs,
        data: (redis && (await redisDataLocation(s.host, s.redisPort))) || redisFiles.dataDir,
        logFile: redisFiles.logFile,
      },
    ],
    topics,
  };
}

/** Pids of processes started by `infraUp` that are still alive (tests check that `down` leaves none). */
export async function livePids(s: InfraSettings = infraSettings()): Promise<number[]> {
  const exists = await access(s.stateDir).then(
    () => true,
    () => false,
  );
  if (!exists) return [];
  const pids: number[] = [];
  for (const file of await readdir(s.stateDir)) {
    if (!file.endsWith('.pid.json')) continue;
    const record = await ourLiveProcess(s, file.replace('.pid.json', '') as ServiceKey);
    if (record) pids.push(record.pid);
  }
  return pids;
}
