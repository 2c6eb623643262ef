/**
 * The processes infra starts, and the pid files by which a later `infra:down` (another process)
 * finds them again. A pid file's command-line marker is checked before any signal, so a recycled
 * pid is never killed; only what we started is ever stopped.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import pWaitFor from 'p-wait-for';
import { runCommand } from './commands.ts';
import { type InfraSettings, type Log, type ServiceKey, serviceFiles } from './settings.ts';

export interface PidRecord {
  readonly pid: number;
  /** A substring of the process's command line that identifies it as ours. */
  readonly marker: string;
  readonly port: number;
  readonly logFile: string;
}

export async function readPid(s: InfraSettings, key: ServiceKey): Promise<PidRecord | undefined> {
  try {
    return JSON.parse(await readFile(serviceFiles(s, key).pidFile, 'utf8')) as PidRecord;
  } catch {
    return undefined;
  }
}

export function writePid(s: InfraSettings, key: ServiceKey, record: PidRecord): Promise<void> {
  return writeFile(serviceFiles(s, key).pidFile, JSON.stringify(record));
}

export function removePid(s: InfraSettings, key: ServiceKey): Promise<void> {
  return rm(serviceFiles(s, key).pidFile, { force: true });
}

/** True when `pid` is alive and its command line still contains `marker` (guards against pid reuse). */
export async function processMatches(pid: number, marker: string): Promise<boolean> {
  try {
    const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return cmdline.replaceAll('\0', ' ').includes(marker);
  } catch {
    // No /proc (macOS): ask ps.
    const ps = await runCommand('ps', ['-o', 'args=', '-p', String(pid)], { env: process.env });
    return ps.code === 0 && ps.stdout.includes(marker);
  }
}

/** The pid record of `key` when it names a live process of ours, whatever its port. */
export async function ourLiveProcess(s: InfraSettings, key: ServiceKey): Promise<PidRecord | undefined> {
  const record = await readPid(s, key);
  if (record && (await processMatches(record.pid, record.marker))) return record;
  return undefined;
}

/**
 * The pid record of `key` when it names a live process of ours listening on `port`: started by
 * an earlier `infra:up` or `npm start` with this state folder.
 */
export async function ourProcess(
  s: InfraSettings,
  key: ServiceKey,
  port: number,
): Promise<PidRecord | undefined> {
  const record = await ourLiveProcess(s, key);
  return record?.port === port ? record : undefined;
}

export interface LoggedProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  readonly logFile: string;
  /** Size of the log file when this process was spawned: its own lines start here. */
  readonly logOffset: number;
  /** "exited with code 1: <its last log line>" once it has exited, else undefined. */
  exitReason(): Promise<string | undefined>;
}

/**
 * Spawns `command` with stdout and stderr appended to `logFile`. Detached, it outlives this process
 * (`infra:up` returns while the servers run on) and does not keep this event loop alive.
 */
export async function spawnLogged(
  command: string,
  args: readonly string[],
  options: { logFile: string; env: NodeJS.ProcessEnv; cwd?: string; detached: boolean },
): Promise<LoggedProcess> {
  const { logFile, env, cwd, detached } = options;
  const log = await open(logFile, 'a');
  // This run's lines start here: earlier runs' lines in the same log say nothing about this one.
  const from = (await stat(logFile)).size;
  let child: ChildProcess;
  try {
    child = spawn(command, args, { detached, env, cwd, stdio: ['ignore', log.fd, log.fd] });
  } finally {
    await log.close();
  }
  let spawnError: string | undefined;
  child.once('error', (error: NodeJS.ErrnoException) => {
    spawnError = error.code ?? error.message;
  });
  if (detached) child.unref();
  const pid = child.pid;
  if (pid === undefined) {
    await new Promise((resolve) => setImmediate(resolve));
    throw new Error(`${command} could not be started (${spawnError ?? 'no pid'})`);
  }
  return {
    child,
    pid,
    logFile,
    logOffset: from,
    async exitReason() {
      if (spawnError) return `could not be started (${spawnError})`;
      if (child.exitCode === null && child.signalCode === null) return undefined;
      const how = child.signalCode
        ? `was ended by ${child.signalCode}`
        : `exited with code ${child.exitCode}`;
      const last = await lastLogLine(logFile, from);
      return last ? `${how}: ${last}` : how;
    },
  };
}

/** Bytes in `file` now (0 when it does not exist yet): where the next run's lines will start. */
export function fileSize(file: string): Promise<number> {
  return stat(file).then(
    (st) => st.size,
    () => 0,
  );
}

// Lines that never say why: Java's stack frames and its generic closing words.
const NOT_A_REASON = [
  /^at /,
  /^\.\.\. \d+ more$/,
  /^Error: Could not create the Java Virtual Machine\.$/,
  /^Error: A fatal exception has occurred\. Program will exit\.$/,
];

/**
 * The last line written to `logFile` after byte `from` that can say why a start failed (Java's
 * stack frames and boilerplate skipped), shortened to one readable line.
 */
export async function lastLogLine(logFile: string, from = 0): Promise<string | undefined> {
  try {
    const text = (await readFile(logFile)).subarray(from).toString('utf8');
    const last = text
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line !== '' && !NOT_A_REASON.some((re) => re.test(line)))
      .pop();
    return last && last.length > 300 ? `${last.slice(0, 300)}…` : last;
  } catch {
    return undefined;
  }
}

/** SIGTERM, up to 20 s to exit, then SIGKILL; only while the pid still carries our marker. */
export async function stopProcess(record: PidRecord, name: string, log: Log): Promise<void> {
  const gone = async () => !(await processMatches(record.pid, record.marker));
  if (await gone()) return;
  signal(record.pid, 'SIGTERM');
  await pWaitFor(gone, { interval: 200, timeout: 20_000 }).catch(() => undefined);
  if (!(await gone())) {
    log(`${name}: did not stop within 20 s, sending SIGKILL to pid ${record.pid}`);
    signal(record.pid, 'SIGKILL');
    await pWaitFor(gone, { interval: 100, timeout: 5000 }).catch(() => undefined);
  }
  log(`${name}: stopped (pid ${record.pid})`);
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch {
    // ESRCH: it exited between the check and the signal
  }
}

/** How one `infraUp` call starts a service. */
export interface StartContext {
  readonly log: Log;
  /** Aborted when the other service failed: stop waiting, start nothing more. */
  readonly signal: AbortSignal;
  /** Called once a process is spawned and its pid file written, so a failed `up` can stop it. */
  readonly spawned: (key: ServiceKey) => void;
  /** Milliseconds per step, for the caller to report. */
  readonly timings: Partial<Record<'jars' | 'kafka' | 'redis' | 'topics', number>>;
}

/** 'reused-ours': already running, started by an earlier `infra:up` or `npm start` (its pid file says so). */
export type StartOutcome = 'started' | 'reused' | 'reused-ours';
