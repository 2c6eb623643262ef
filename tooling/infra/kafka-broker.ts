/**
 * The local Kafka broker of `infra:up`: one KRaft node (broker and controller), loopback only,
 * its data in the state folder. Reused when one answers; else started detached from the jars.
 */
import { randomBytes } from 'node:crypto';
import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCommand } from './commands.ts';
import { InfraError } from './infra-error.ts';
import { ensureKafkaJars } from './kafka-jars.ts';
import { ensureJava } from './prerequisites.ts';
import { kafkaAnswers, portOpen } from './probes.ts';
import {
  fileSize,
  lastLogLine,
  ourProcess,
  type StartContext,
  type StartOutcome,
  spawnLogged,
  writePid,
} from './processes.ts';
import { type InfraSettings, repoRoot, serviceFiles } from './settings.ts';
import { waitUntilReady } from './wait.ts';

const READY_TIMEOUT_MS = 90_000;

export function kafkaServerProperties(s: InfraSettings, dataDir: string): string {
  return [
    '# Written by tooling/infra: a single-node KRaft broker for local use, loopback only.',
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

// Kafka 4.x also configures log4j 2 (its log-level controller); without a file it prints an ERROR per start.
const LOG4J2 = [
  'status = warn',
  'appender.stdout.type = Console',
  'appender.stdout.name = STDOUT',
  'appender.stdout.layout.type = PatternLayout',
  'appender.stdout.layout.pattern = [%d] %p %m (%c)%n',
  'rootLogger.level = INFO',
  'rootLogger.appenderRef.stdout.ref = STDOUT',
  'logger.apache.name = org.apache.kafka',
  'logger.apache.level = WARN',
  'logger.request.name = kafka.request.logger',
  'logger.request.level = WARN',
  '',
].join('\n');

/** Both logging back ends read their file: reload4j (3.x and 4.x's slf4j binding) and log4j 2 (4.x). */
const loggingOptions = (f: { readonly log4jFile: string; readonly log4j2File: string }) => [
  `-Dlog4j.configuration=file:${f.log4jFile}`,
  `-Dlog4j2.configurationFile=${f.log4j2File}`,
];

/**
 * A KRaft cluster id as `kafka-storage random-uuid` makes it (16 random bytes, base64url), made
 * here rather than in a JVM of its own; never starting with "-", which would read as an option.
 */
export function kraftClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

interface BrokerFiles {
  readonly dataDir: string;
  readonly propsFile: string;
  readonly log4jFile: string;
  readonly log4j2File: string;
  readonly logFile: string;
  readonly classpath: string;
}

/** KRaft storage is formatted once with a cluster id before the first start. */
async function formatStorageOnce(s: InfraSettings, f: BrokerFiles, signal: AbortSignal): Promise<void> {
  const formatted = await access(path.join(f.dataDir, 'meta.properties')).then(
    () => true,
    () => false,
  );
  if (formatted) return;
  const from = await fileSize(f.logFile);
  const args = [...loggingOptions(f), '-cp', f.classpath, 'kafka.tools.StorageTool'];
  const result = await runCommand('java', [...args, 'format', '-t', kraftClusterId(), '-c', f.propsFile], {
    env: s.env,
    signal,
    output: { logFile: f.logFile },
  });
  signal.throwIfAborted();
  if (result.code !== 0) {
    const last = await lastLogLine(f.logFile, from);
    throw new InfraError(
      `Kafka storage format failed (${result.failure ?? `exit ${result.code}`}${last ? `: ${last}` : ''}). See ${f.logFile}.`,
    );
  }
}

export async function startKafka(s: InfraSettings, ctx: StartContext): Promise<StartOutcome> {
  const { host, kafkaPort: port } = s;
  const { logFile, dataDir } = serviceFiles(s, 'kafka');
  if (await kafkaAnswers(host, port)) {
    const ours = await ourProcess(s, 'kafka', port);
    ctx.log(
      `Kafka: reusing the broker on ${host}:${port}${ours ? ` (pid ${ours.pid}, started by an earlier infra:up or npm start)` : ' (not started by us; infra:down leaves it)'}`,
    );
    return ours ? 'reused-ours' : 'reused';
  }
  const booting = await ourProcess(s, 'kafka', port);
  if (booting) {
    // Started by an earlier `up` that is still booting: wait for it rather than start another.
    ctx.log(`Kafka: our broker (pid ${booting.pid}) is starting; waiting for it`);
    await waitUntilReady(() => kafkaAnswers(host, port), {
      what: `Kafka on ${host}:${port}`,
      timeoutMs: READY_TIMEOUT_MS,
      hint: `See ${booting.logFile}.`,
      signal: ctx.signal,
    });
    return 'reused-ours';
  }
  for (const [p, variable] of [
    [port, 'KAFKA_PORT'],
    [s.kafkaControllerPort, 'KAFKA_CONTROLLER_PORT'],
  ] as const) {
    if (await portOpen(host, p)) {
      throw new InfraError(
        `Port ${p} is taken by a program that is not a Kafka broker we can use. Find it with \`ss -ltnp 'sport = :${p}'\` and stop it, or set ${variable} to a free port.`,
      );
    }
  }
  await ensureJava(s.kafkaVersion, s.env, ctx.log);
  const jarsStart = Date.now();
  if (await ensureKafkaJars(s, ctx.log, ctx.signal)) ctx.timings.jars = Date.now() - jarsStart;

  const kafkaDir = path.dirname(dataDir);
  const files: BrokerFiles = {
    dataDir,
    propsFile: path.join(kafkaDir, 'server.properties'),
    log4jFile: path.join(kafkaDir, 'log4j.properties'),
    log4j2File: path.join(kafkaDir, 'log4j2.properties'),
    logFile,
    classpath: `${s.kafkaJarsDir}/*`,
  };
  await mkdir(dataDir, { recursive: true });
  await writeFile(files.propsFile, kafkaServerProperties(s, dataDir));
  await writeFile(files.log4jFile, LOG4J);
  await writeFile(files.log4j2File, LOG4J2);
  await formatStorageOnce(s, files, ctx.signal);

  const broker = await spawnLogged(
    'java',
    [
      `-Xms${s.kafkaHeap}`,
      `-Xmx${s.kafkaHeap}`,
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-Djava.awt.headless=true',
      ...loggingOptions(files),
      `-Dkafka.logs.dir=${kafkaDir}`,
      '-cp',
      files.classpath,
      'kafka.Kafka',
      files.propsFile,
    ],
    { logFile, env: s.env, cwd: repoRoot, detached: true },
  ).catch((error: unknown) => {
    throw new InfraError(`java could not be started for Kafka: ${(error as Error).message}`);
  });
  // The properties file's path is on the command line: it marks the process as ours.
  await writePid(s, 'kafka', { pid: broker.pid, marker: files.propsFile, port, logFile });
  ctx.spawned('kafka');
  const started = Date.now();
  await waitUntilReady(() => kafkaAnswers(host, port), {
    what: `Kafka on ${host}:${port}`,
    timeoutMs: READY_TIMEOUT_MS,
    hint: `See ${logFile}.`,
    signal: ctx.signal,
    gaveUp: () => broker.exitReason(),
  });
  ctx.timings.kafka = Date.now() - started;
  ctx.log(
    `Kafka: started ${s.kafkaVersion} (KRaft) on ${host}:${port} (pid ${broker.pid}, data ${dataDir}, log ${logFile})`,
  );
  return 'started';
}
