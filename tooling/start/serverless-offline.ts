/**
 * serverless offline as npm start's child: in npm start's process group (a terminal's Ctrl-C
 * reaches both), with an IPC channel that parent-watch.mjs watches (it ends serverless offline when
 * npm start is gone, even after `kill -9`), and its output read line by line.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

export interface OfflineExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface OfflineProcess {
  readonly pid: number | undefined;
  /** Settles once the process has exited (or could not start: code 1). */
  readonly exited: Promise<OfflineExit>;
  /** Asks it to stop as Ctrl-C would; ends it by force after `forceAfterMs`. */
  stop(forceAfterMs?: number): void;
}

export interface OfflineSpawn {
  readonly repoRoot: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  /** Every line it prints, stdout and stderr. */
  onLine(line: string, stream: 'stdout' | 'stderr'): void;
  /** It could not be started at all (e.g. node missing). */
  onSpawnError(error: Error): void;
}

/**
 * One process hosts the emulator's consumers, the HTTP API and every Lambda worker thread; each
 * record passes through it twice (counter and archiver) and waits in a buffer or a batch in
 * flight long enough to outlive V8's default young generation (16 MiB semi-spaces), so that under
 * load most of it was promoted and marked again by the old-generation GC. With 64 MiB it dies
 * young: at 100,000 tweets/s the backlog stayed bounded where it grew by 130,000 records in 6 s
 * (bench/e2e-latency.ts, docs/latency.md). The flag is process-wide, so the worker threads have it too.
 * It costs memory: about 100 MB more resident when idle, 250 MB more at 90,000 tweets/s (1.6 GB).
 */
const V8_FLAGS = ['--max-semi-space-size=64'];

export function spawnServerlessOffline(options: OfflineSpawn): OfflineProcess {
  const serverlessBin = path.join(options.repoRoot, 'node_modules', 'osls', 'bin', 'serverless.js');
  const watch = pathToFileURL(path.join(import.meta.dirname, 'parent-watch.mjs')).href;
  const child = spawn(process.execPath, [...V8_FLAGS, '--import', watch, serverlessBin, ...options.args], {
    cwd: options.repoRoot,
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    env: options.env,
  });
  // Nothing is sent on the channel: its only job is to close when npm start dies.
  child.channel?.unref();
  for (const name of ['stdout', 'stderr'] as const) {
    const stream = child[name];
    if (stream)
      createInterface({ input: stream, crlfDelay: Infinity }).on('line', (l) => options.onLine(l, name));
  }
  const exited = new Promise<OfflineExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', (error) => {
      options.onSpawnError(error);
      resolve({ code: 1, signal: null });
    });
  });
  let stopping = false;
  return {
    pid: child.pid,
    exited,
    stop(forceAfterMs = 30_000) {
      if (stopping || child.exitCode !== null) return;
      stopping = true;
      child.kill('SIGINT');
      // serverless offline gives its servers 5 s and the emulator a batch in flight 5 s more.
      const force = setTimeout(() => child.kill('SIGKILL'), forceAfterMs);
      force.unref();
      void exited.then(() => clearTimeout(force));
    },
  };
}

/**
 * Why serverless offline ended early, from the last lines it printed that are not JSON records:
 * osls prints its error after a line "Error:"; otherwise the last line says most.
 */
export function exitReason(exit: OfflineExit, recent: readonly string[]): string {
  const how = exit.signal ? `was ended by ${exit.signal}` : `exited with code ${exit.code}`;
  const lines = recent.map((l) => l.trim()).filter((l) => l !== '');
  const errorAt = lines.lastIndexOf('Error:');
  // esbuild's service dies with its parent and says so last; it is never the reason.
  const last = lines.filter((l) => !l.startsWith('fatal error: all goroutines are asleep')).at(-1);
  const reason = errorAt >= 0 && errorAt + 1 < lines.length ? lines[errorAt + 1] : last;
  return `serverless offline ${how} before it was ready${reason ? `: ${reason}` : ''}`;
}
