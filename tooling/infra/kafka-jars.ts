/**
 * The Kafka broker's jars, resolved from Maven Central (through the local Maven repository, and
 * MAVEN_OPTS if set) into the git-ignored cache, once. Maven runs as a child process the event
 * loop does not wait on: Redis's readiness checks go on meanwhile.
 */
import { access, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCommand } from './commands.ts';
import { InfraError } from './infra-error.ts';
import { ensurePrerequisite, MAVEN } from './prerequisites.ts';
import { fileSize, lastLogLine } from './processes.ts';
import { type InfraSettings, type Log, repoRoot } from './settings.ts';

const POM = path.join(repoRoot, 'tooling', 'infra', 'kafka', 'pom.xml');

/** True when `kafkaJarsDir` holds a complete copy (its marker is written last). */
export function kafkaJarsPresent(s: InfraSettings): Promise<boolean> {
  return access(path.join(s.kafkaJarsDir, '.complete')).then(
    () => true,
    () => false,
  );
}

/** Resolves the jars unless present; true when it had to. Maven's output goes to maven.log. */
export async function ensureKafkaJars(s: InfraSettings, log: Log, signal?: AbortSignal): Promise<boolean> {
  if (await kafkaJarsPresent(s)) return false;
  await ensurePrerequisite(MAVEN, s.env, log);
  log(
    `Kafka: resolving Apache Kafka ${s.kafkaVersion} jars from Maven Central into ${s.kafkaJarsDir} (once)`,
  );
  await mkdir(s.kafkaJarsDir, { recursive: true });
  await mkdir(s.stateDir, { recursive: true });
  const logFile = path.join(s.stateDir, 'maven.log');
  const from = await fileSize(logFile);
  const result = await runCommand(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      POM,
      `-Dkafka.version=${s.kafkaVersion}`,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${s.kafkaJarsDir}`,
      '-DincludeScope=runtime',
    ],
    { env: s.env, signal, output: { logFile } },
  );
  signal?.throwIfAborted();
  if (result.code !== 0) {
    const last = await lastLogLine(logFile, from);
    throw new InfraError(
      `Maven could not resolve the Kafka jars (${result.failure ?? `exit ${result.code}`}${last ? `: ${last}` : ''}). Is Maven Central reachable (or a mirror set in ~/.m2/settings.xml)? See ${logFile}.`,
    );
  }
  await writeFile(path.join(s.kafkaJarsDir, '.complete'), `${s.kafkaVersion}\n`);
  return true;
}
