/**
 * Local Kafka (KRaft, jars from Maven Central) and Redis (Debian's redis-server) without Docker.
 *
 * - `up` starts what is not already answering, waits until Kafka answers a metadata request and
 *   Redis answers PING, and creates the topics. Services already answering are reused.
 * - `down` stops only processes this module started (tracked by pid files whose command line is
 *   checked again before any signal, so a recycled pid is never killed).
 * - Everything listens on 127.0.0.1 only.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const KAFKA_VERSION = '3.9.1';

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
}

export interface InfraSettings {
  readonly host: string;
  readonly kafkaPort: number;
  readonly kafkaControllerPort: number;
  readonly redisPort: number;
  readonly stateDir: string;
  readonly kafkaJarsDir: string;
  readonly kafkaHeap: string;
  readonly topics: readonly TopicSpec[];
}

function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new InfraError(`${name} must be a port or count between 1 and 65535 (got ${JSON.stringify(raw)})`);
  }
  return value;
}

/** Settings from the environment; every port, folder and topic name can be overridden. */
export function infraSettings(env: NodeJS.ProcessEnv = process.env): InfraSettings {
  const tweets = env.TWEETS_TOPIC || 'tweets_topic';
  const cacheDir = env.INFRA_CACHE_DIR || path.join(repoRoot, '.cache');
  return {
    host: '127.0.0.1',
    kafkaPort: intFromEnv(env, 'KAFKA_PORT', 9092),
    kafkaControllerPort: intFromEnv(env, 'KAFKA_CONTROLLER_PORT', 9093),
    redisPort: intFromEnv(env, 'REDIS_PORT', 6379),
    stateDir: env.INFRA_STATE_DIR || path.join(cacheDir, 'infra'),
    kafkaJarsDir: env.KAFKA_JARS_DIR || path.join(cacheDir, `kafka-${KAFKA_VERSION}`, 'libs'),
    kafkaHeap: env.KAFKA_HEAP || '512m',
    topics: [
      { name: tweets, partitions: intFromEnv(env, 'TWEETS_TOPIC_PARTITIONS', 3) },
      { name: env.ISS_TOPIC || 'iss-positions', partitions: 1 },
      { name: env.DLQ_TOPIC || `${tweets}.dlq`, partitions: 1 },
    ],
  };
}

/** A problem the user has to fix; the message says how. */
export class InfraError extends Error {
  override name = 'InfraError';
}

type Log = (line: string) => void;
type ServiceKey = 'kafka' | 'redis';

export interface UpResult {
  /** Services this call started (a caller that started them may stop them again). */
  readonly started: readonly ServiceKey[];
  readonly reused: readonly ServiceKey[];
  readonly kafkaBrokers: string;
  readonly redisUrl: string;
  readonly timingsMs: Partial<Record<'jars' | 'kafka' | 'redis' | 'topics', number>>;
}

// ---------------------------------------------------------------------------------------------
// prerequisites

interface Prerequisite {
  readonly command: string;
  readonly what: string;
  readonly aptPackage: string;
}

const JAVA: Prerequisite = {
  command: 'java',
  what: 'a Java 17+ runtime',
  aptPackage: 'openjdk-17-jre-headless',
};
const MAVEN: Prerequisite = { command: 'mvn', what: 'Maven (to fetch the Kafka jars)', aptPackage: 'maven' };
const REDIS: Prerequisite = { command: 'redis-server', what: 'redis-server', aptPackage: 'redis-server' };

function hasCommand(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function canAptInstall(): boolean {
  return process.getuid?.() === 0 && existsSync('/etc/debian_version') && hasCommand('apt-get');
}

let aptUpdated = false;

/** Installs a missing prerequisite with apt when running as root on Debian/Ubuntu; otherwise says how. */
export function ensurePrerequisite(p: Prerequisite, log: Log): void {
  if (hasCommand(p.command)) return;
  const install = `sudo apt-get install -y ${p.aptPackage}`;
  if (!canAptInstall()) {
    throw new InfraError(
      `${p.what} is missing (no \`${p.command}\` on PATH). Install it with: ${install}` +
        ' (or the equivalent for your system), then run this again.',
    );
  }
  log(`${p.what} is missing: installing ${p.aptPackage} with apt-get (running as root on Debian/Ubuntu)`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (!aptUpdated) {
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    aptUpdated = true;
  }
  const result = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', p.aptPackage], {
    stdio: 'inherit',
    env,
  });
  if (result.status !== 0 || !hasCommand(p.command)) {
    throw new InfraError(`apt-get could not install ${p.aptPackage}; install it by hand: ${install}`);
  }
}

function javaMajorVersion(): number {
  const out = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${out.stderr}${out.stdout}`);
  if (!match) return 0;
  const major = Number(match[1]);
  return major === 1 ? Number(match[2]) : major;
}

// ---------------------------------------------------------------------------------------------
// probes

/** Resolves true when something accepts TCP connections on host:port. */
export function portOpen(host: string, port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (open: boolean) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function redisAnswers(host: string, port: number): Promise<boolean> {
  const client = new Redis({
    host,
    port,
    lazyConnect: true,
    connectTimeout: 500,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export async function kafkaAnswers(host: string, port: number, timeoutMs = 3000): Promise<boolean> {
  if (!(await portOpen(host, port))) return false;
  const admin = new Kafka({
    clientId: 'infra-probe',
    brokers: [`${host}:${port}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: timeoutMs,
    retry: { retries: 0 },
  }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  hint: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new InfraError(`${what} did not become ready within ${timeoutMs / 1000} s. ${hint}`);
}

// ---------------------------------------------------------------------------------------------
// pid files: only what we started is ever stopped

interface PidRecord {
  readonly pid: number;
  /** A substring of the process's command line that identifies it as ours. */
  readonly marker: string;
  readonly port: number;
  readonly logFile: string;
}

function pidFile(s: InfraSettings, key: ServiceKey): string {
  return path.join(s.stateDir, `${key}.pid.json`);
}

function readPid(s: InfraSettings, key: ServiceKey): PidRecord | undefined {
  try {
    return JSON.parse(readFileSync(pidFile(s, key), 'utf8')) as PidRecord;
  } catch {
    return undefined;
  }
}

/** True when `pid` is alive and its command line still contains `marker` (guards against pid reuse). */
export function processMatches(pid: number, marker: string): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
    return cmdline.includes(marker);
  } catch {
    try {
      process.kill(pid, 0);
      const ps = execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' });
      return ps.includes(marker);
    } catch {
      return false;
    }
  }
}

function ourProcess(s: InfraSettings, key: ServiceKey): PidRecord | undefined {
  const record = readPid(s, key);
  if (record && processMatches(record.pid, record.marker)) return record;
  return undefined;
}

function spawnDetached(command: string, args: readonly string[], logFile: string): ChildProcess {
  const fd = openSync(logFile, 'a');
  const child = spawn(command, args, { detached: true, stdio: ['ignore', fd, fd], cwd: repoRoot });
  child.unref();
  return child;
}

// ---------------------------------------------------------------------------------------------
// Redis

async function startRedis(s: InfraSettings, log: Log): Promise<'started' | 'reused'> {
  if (await redisAnswers(s.host, s.redisPort)) {
    const ours = ourProcess(s, 'redis');
    log(
      `Redis: reusing the server on ${s.host}:${s.redisPort}${ours ? ` (pid ${ours.pid}, ours)` : ' (not started by us; infra:down leaves it)'}`,
    );
    return 'reused';
  }
  if (await portOpen(s.host, s.redisPort)) {
    throw new InfraError(
      `Port ${s.redisPort} is taken by a program that is not Redis. Find it with \`ss -ltnp 'sport = :${s.redisPort}'\` and stop it, or set REDIS_PORT to a free port.`,
    );
  }
  ensurePrerequisite(REDIS, log);
  const dataDir = path.join(s.stateDir, 'redis');
  mkdirSync(dataDir, { recursive: true });
  const logFile = path.join(s.stateDir, 'redis.log');
  const child = spawnDetached(
    'redis-server',
    [
      '--bind',
      s.host,
      '--port',
      String(s.redisPort),
      '--dir',
      dataDir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'yes',
      '--daemonize',
      'no',
    ],
    logFile,
  );
  if (!child.pid) throw new InfraError('redis-server could not be started');
  // redis-server rewrites its process title to "redis-server host:port": that is how `down` knows it.
  writeFileSync(
    pidFile(s, 'redis'),
    JSON.stringify({
      pid: child.pid,
      marker: `redis-server ${s.host}:${s.redisPort}`,
      port: s.redisPort,
      logFile,
    } satisfies PidRecord),
  );
  await waitFor('Redis', () => redisAnswers(s.host, s.redisPort), 15_000, `See ${logFile}.`);
  log(`Redis: started on ${s.host}:${s.redisPort} (pid ${child.pid}, log ${logFile})`);
  return 'started';
}

// ---------------------------------------------------------------------------------------------
// Kafka

/** Resolves the broker's jars from Maven Central into the (git-ignored) cache, once. */
export function ensureKafkaJars(s: InfraSettings, log: Log): boolean {
  const marker = path.join(s.kafkaJarsDir, '.complete');
  if (existsSync(marker)) return false;
  ensurePrerequisite(MAVEN, log);
  log(`Kafka: resolving Apache Kafka ${KAFKA_VERSION} jars from Maven Central into ${s.kafkaJarsDir} (once)`);
  mkdirSync(s.kafkaJarsDir, { recursive: true });
  const result = spawnSync(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      path.join(repoRoot, 'tooling', 'infra', 'kafka', 'pom.xml'),
      `-Dkafka.version=${KAFKA_VERSION}`,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${s.kafkaJarsDir}`,
      '-DincludeScope=runtime',
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (result.status !== 0) {
    throw new InfraError(
      'Maven could not resolve the Kafka jars (is Maven Central reachable? see the output above).',
    );
  }
  writeFileSync(marker, `${KAFKA_VERSION}\n`);
  return true;
}

function kafkaServerProperties(s: InfraSettings, dataDir: string): string {
  return [
    '# Written by tooling/infra/cli.ts: a single-node KRaft broker for local use, loopback only.',
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.voters=1@${s.host}:${s.kafkaControllerPort}`,
    `listeners=PLAINTEXT://${s.host}:${s.kafkaPort},CONTROLLER://${s.host}:${s.kafkaControllerPort}`,
    `advertised.listeners=PLAINTEXT://${s.host}:${s.kafkaPort}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=3',
    'auto.create.topics.enable=false',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=5',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'log.retention.hours=24',
    '',
  ].join('\n');
}

const LOG4J = [
  'log4j.rootLogger=INFO, stdout',
  'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
  'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
  'log4j.logger.kafka.request.logger=WARN',
  'log4j.logger.org.apache.kafka=WARN',
  'log4j.logger.kafka=INFO',
  '',
].join('\n');

async function startKafka(
  s: InfraSettings,
  log: Log,
  timings: UpResult['timingsMs'],
): Promise<'started' | 'reused'> {
  if (await kafkaAnswers(s.host, s.kafkaPort)) {
    const ours = ourProcess(s, 'kafka');
    log(
      `Kafka: reusing the broker on ${s.host}:${s.kafkaPort}${ours ? ` (pid ${ours.pid}, ours)` : ' (not started by us; infra:down leaves it)'}`,
    );
    return 'reused';
  }
  const ours = ourProcess(s, 'kafka');
  if (ours) {
    // Started by an earlier `up` that is still booting: wait for it rather than start another.
    log(`Kafka: our broker (pid ${ours.pid}) is starting; waiting for it`);
    await waitFor('Kafka', () => kafkaAnswers(s.host, s.kafkaPort), 60_000, `See ${ours.logFile}.`);
    return 'reused';
  }
  for (const port of [s.kafkaPort, s.kafkaControllerPort]) {
    if (await portOpen(s.host, port)) {
      throw new InfraError(
        `Port ${port} is taken by a program that is not a Kafka broker we can use. Find it with \`ss -ltnp 'sport = :${port}'\` and stop it, or set ${port === s.kafkaPort ? 'KAFKA_PORT' : 'KAFKA_CONTROLLER_PORT'} to a free port.`,
      );
    }
  }
  ensurePrerequisite(JAVA, log);
  const major = javaMajorVersion();
  if (major < 17) {
    throw new InfraError(
      `Kafka ${KAFKA_VERSION} here needs Java 17 or newer, found Java ${major || 'unknown'}. Install it with: sudo apt-get install -y openjdk-17-jre-headless`,
    );
  }
  const jarsStart = Date.now();
  if (ensureKafkaJars(s, log)) timings.jars = Date.now() - jarsStart;

  const kafkaDir = path.join(s.stateDir, 'kafka');
  const dataDir = path.join(kafkaDir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const propsFile = path.join(kafkaDir, 'server.properties');
  const log4jFile = path.join(kafkaDir, 'log4j.properties');
  writeFileSync(propsFile, kafkaServerProperties(s, dataDir));
  writeFileSync(log4jFile, LOG4J);
  const classpath = `${s.kafkaJarsDir}/*`;
  const logFile = path.join(s.stateDir, 'kafka.log');

  if (!existsSync(path.join(dataDir, 'meta.properties'))) {
    // KRaft storage must be formatted once with a cluster id before the first start.
    const clusterId = execFileSync('java', ['-cp', classpath, 'kafka.tools.StorageTool', 'random-uuid'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    })
      .trim()
      .split('\n')
      .pop();
    const format = spawnSync(
      'java',
      [
        `-Dlog4j.configuration=file:${log4jFile}`,
        '-cp',
        classpath,
        'kafka.tools.StorageTool',
        'format',
        '-t',
        String(clusterId),
        '-c',
        propsFile,
      ],
      { encoding: 'utf8' },
    );
    if (format.status !== 0)
      throw new InfraError(`Kafka storage format failed:\n${format.stderr}${format.stdout}`);
  }

  const started = Date.now();
  const child = spawnDetached(
    'java',
    [
      `-Xms${s.kafkaHeap}`,
      `-Xmx${s.kafkaHeap}`,
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-Djava.awt.headless=true',
      `-Dlog4j.configuration=file:${log4jFile}`,
      `-Dkafka.logs.dir=${kafkaDir}`,
      '-cp',
      classpath,
      'kafka.Kafka',
      propsFile,
    ],
    logFile,
  );
  if (!child.pid) throw new InfraError('java could not be started for Kafka');
  writeFileSync(
    pidFile(s, 'kafka'),
    JSON.stringify({ pid: child.pid, marker: propsFile, port: s.kafkaPort, logFile } satisfies PidRecord),
  );
  await waitFor('Kafka', () => kafkaAnswers(s.host, s.kafkaPort), 90_000, `See ${logFile}.`);
  timings.kafka = Date.now() - started;
  log(
    `Kafka: started ${KAFKA_VERSION} (KRaft) on ${s.host}:${s.kafkaPort} (pid ${child.pid}, log ${logFile})`,
  );
  return 'started';
}

/** Creates the topics that are missing; existing topics are left as they are. Returns the names created. */
export async function ensureTopics(brokers: string, topics: readonly TopicSpec[]): Promise<string[]> {
  const admin = new Kafka({
    clientId: 'infra-topics',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
  }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t.name));
    if (missing.length > 0) {
      await admin.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({ topic: t.name, numPartitions: t.partitions, replicationFactor: 1 })),
      });
    }
    return missing.map((t) => t.name);
  } finally {
    await admin.disconnect();
  }
}

// ---------------------------------------------------------------------------------------------
// public commands

/** Starts (or reuses) Kafka and Redis and creates the topics. */
export async function infraUp(s: InfraSettings = infraSettings(), log: Log = console.log): Promise<UpResult> {
  mkdirSync(s.stateDir, { recursive: true });
  const timingsMs: UpResult['timingsMs'] = {};
  const started: ServiceKey[] = [];
  const reused: ServiceKey[] = [];

  const redisStart = Date.now();
  const [kafkaOutcome, redisOutcome] = await Promise.all([
    startKafka(s, log, timingsMs),
    startRedis(s, log).then((o) => {
      timingsMs.redis = Date.now() - redisStart;
      return o;
    }),
  ]);
  (kafkaOutcome === 'started' ? started : reused).push('kafka');
  (redisOutcome === 'started' ? started : reused).push('redis');

  const brokers = `${s.host}:${s.kafkaPort}`;
  const topicsStart = Date.now();
  const created = await ensureTopics(brokers, s.topics);
  timingsMs.topics = Date.now() - topicsStart;
  log(
    created.length > 0
      ? `Topics: created ${created.join(', ')}`
      : `Topics: ${s.topics.map((t) => t.name).join(', ')} already exist`,
  );
  return { started, reused, kafkaBrokers: brokers, redisUrl: `redis://${s.host}:${s.redisPort}`, timingsMs };
}

async function stopProcess(record: PidRecord, name: string, log: Log): Promise<void> {
  if (!processMatches(record.pid, record.marker)) return;
  process.kill(record.pid, 'SIGTERM');
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline && processMatches(record.pid, record.marker)) {
    await new Promise((r) => setTimeout(r, 200));
  }
  if (processMatches(record.pid, record.marker)) {
    log(`${name}: did not stop within 20 s, sending SIGKILL to pid ${record.pid}`);
    process.kill(record.pid, 'SIGKILL');
  }
  log(`${name}: stopped (pid ${record.pid})`);
}

/** Stops what `infraUp` started (all of it, or only `only`), and nothing else. */
export async function infraDown(
  s: InfraSettings = infraSettings(),
  log: Log = console.log,
  only: readonly ServiceKey[] = ['kafka', 'redis'],
): Promise<void> {
  for (const key of only) {
    const name = key === 'kafka' ? 'Kafka' : 'Redis';
    const record = readPid(s, key);
    if (record && processMatches(record.pid, record.marker)) await stopProcess(record, name, log);
    else log(`${name}: nothing of ours running`);
    rmSync(pidFile(s, key), { force: true });
  }
}

export interface ServiceStatus {
  readonly name: string;
  readonly address: string;
  readonly answering: boolean;
  readonly ours: number | undefined;
}

/** What runs where, and whether we started it. */
export async function infraStatus(
  s: InfraSettings = infraSettings(),
): Promise<{ services: ServiceStatus[]; topics: string[] }> {
  const kafka = await kafkaAnswers(s.host, s.kafkaPort);
  const redis = await redisAnswers(s.host, s.redisPort);
  let topics: string[] = [];
  if (kafka) {
    const admin = new Kafka({
      clientId: 'infra-status',
      brokers: [`${s.host}:${s.kafkaPort}`],
      logLevel: logLevel.NOTHING,
    }).admin();
    await admin.connect();
    topics = (await admin.listTopics()).filter((t) => !t.startsWith('__')).sort();
    await admin.disconnect();
  }
  return {
    services: [
      {
        name: 'Kafka',
        address: `${s.host}:${s.kafkaPort}`,
        answering: kafka,
        ours: ourProcess(s, 'kafka')?.pid,
      },
      {
        name: 'Redis',
        address: `${s.host}:${s.redisPort}`,
        answering: redis,
        ours: ourProcess(s, 'redis')?.pid,
      },
    ],
    topics,
  };
}

/** Pids of processes started by `infraUp` that are still alive (tests check that `down` leaves none). */
export function livePids(s: InfraSettings = infraSettings()): number[] {
  if (!existsSync(s.stateDir)) return [];
  const pids: number[] = [];
  for (const file of readdirSync(s.stateDir)) {
    if (!file.endsWith('.pid.json')) continue;
    const record = readPid(s, file.replace('.pid.json', '') as ServiceKey);
    if (record && processMatches(record.pid, record.marker)) pids.push(record.pid);
  }
  return pids;
}
