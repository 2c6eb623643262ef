/**
 * The programs the local services need (Java 17+, Maven, redis-server): found on PATH, installed
 * with apt when running as root on Debian/Ubuntu, or else a message that says how to install them.
 */
import { access } from 'node:fs/promises';
import { commandPath, runCommand } from './commands.ts';
import { InfraError } from './infra-error.ts';
import type { Log } from './settings.ts';

export interface Prerequisite {
  readonly command: string;
  readonly what: string;
  readonly aptPackage: string;
}

export const JAVA: Prerequisite = {
  command: 'java',
  what: 'a Java 17+ runtime',
  aptPackage: 'openjdk-17-jre-headless',
};
export const MAVEN: Prerequisite = {
  command: 'mvn',
  what: 'Maven (to fetch the Kafka jars)',
  aptPackage: 'maven',
};
export const REDIS: Prerequisite = {
  command: 'redis-server',
  what: 'redis-server',
  aptPackage: 'redis-server',
};

async function canAptInstall(env: NodeJS.ProcessEnv): Promise<boolean> {
  if (process.getuid?.() !== 0) return false;
  const debian = await access('/etc/debian_version').then(
    () => true,
    () => false,
  );
  return debian && (await commandPath('apt-get', env)) !== undefined;
}

// apt-get holds the dpkg lock: Kafka's and Redis's installs, which start together, take turns.
let aptQueue: Promise<unknown> = Promise.resolve();
let aptUpdated = false;

function aptInstall(aptPackage: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  const run = async (): Promise<boolean> => {
    const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' };
    if (!aptUpdated) {
      await runCommand('apt-get', ['update', '-qq'], { env: aptEnv, output: 'inherit' });
      aptUpdated = true;
    }
    const result = await runCommand(
      'apt-get',
      ['install', '-y', '-qq', '--no-install-recommends', aptPackage],
      {
        env: aptEnv,
        output: 'inherit',
      },
    );
    return result.code === 0;
  };
  const turn = aptQueue.then(run, run);
  aptQueue = turn.catch(() => undefined);
  return turn;
}

/** Installs a missing prerequisite with apt when running as root on Debian/Ubuntu; otherwise says how. */
export async function ensurePrerequisite(p: Prerequisite, env: NodeJS.ProcessEnv, log: Log): Promise<void> {
  if (await commandPath(p.command, env)) return;
  const install = `sudo apt-get install -y ${p.aptPackage}`;
  if (!(await canAptInstall(env))) {
    throw new InfraError(
      `${p.what} is missing (no \`${p.command}\` on PATH). Install it with: ${install}` +
        ' (or the equivalent for your system), then run this again.',
    );
  }
  log(`${p.what} is missing: installing ${p.aptPackage} with apt-get (running as root on Debian/Ubuntu)`);
  if (!(await aptInstall(p.aptPackage, env)) || !(await commandPath(p.command, env))) {
    throw new InfraError(`apt-get could not install ${p.aptPackage}; install it by hand: ${install}`);
  }
}

/** The major version `java -version` reports (8 for "1.8.0"), or 0 when it says nothing readable. */
export async function javaMajorVersion(env: NodeJS.ProcessEnv): Promise<number> {
  const out = await runCommand('java', ['-version'], { env });
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${out.stderr}${out.stdout}`);
  if (!match) return 0;
  const major = Number(match[1]);
  return major === 1 ? Number(match[2]) : major;
}

/** Java 17 or newer on PATH (installed with apt where it can be), else an InfraError that says how. */
export async function ensureJava(kafkaVersion: string, env: NodeJS.ProcessEnv, log: Log): Promise<void> {
  await ensurePrerequisite(JAVA, env, log);
  const major = await javaMajorVersion(env);
  if (major < 17) {
    throw new InfraError(
      `Kafka ${kafkaVersion} here needs Java 17 or newer, found Java ${major || 'unknown'}. Install it with: sudo apt-get install -y ${JAVA.aptPackage}`,
    );
  }
}
