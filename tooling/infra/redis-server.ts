/**
 * The one way this repository launches redis-server: infra's local Redis and the tests' own
 * servers (TLS, cluster nodes) all come from {@link launchRedisServer}, with the same arguments,
 * log file and readiness wait.
 */
import { readFile } from 'node:fs/promises';
import { InfraError } from './infra-error.ts';
import { spawnLogged } from './processes.ts';
import { waitUntilReady } from './wait.ts';

export interface RedisServerOptions {
  /** Loopback unless told otherwise. */
  readonly host?: string;
  readonly port: number;
  /** redis-server's working folder: its append-only file, cluster config and dumps go here. */
  readonly dataDir: string;
  /** stdout and stderr are appended here. */
  readonly logFile: string;
  /**
   * 'aof': every write appended to an append-only file in `dataDir`, fsynced once a second, read
   * back on start (a restart keeps the counts); 'none': memory only (throwaway test servers).
   */
  readonly persistence: 'aof' | 'none';
  /** TLS only on `port` (no plain port), with this certificate, and AUTH with `password`. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly password: string };
  /** More redis-server options, given last (so they win): cluster mode, file names. */
  readonly args?: readonly string[];
  /** Outlives this process (infra:up returns while Redis runs on); else a child that stop() ends. */
  readonly detached?: boolean;
  readonly env?: NodeJS.ProcessEnv;
}

export interface RedisServer {
  readonly pid: number;
  readonly host: string;
  readonly port: number;
  readonly logFile: string;
  /** redis-server rewrites its process title to "redis-server host:port": a pid file's marker. */
  readonly marker: string;
  /** Resolves once the server logs that it accepts connections (after loading its data). */
  ready(options?: {
    readonly timeoutMs?: number;
    readonly signal?: AbortSignal;
    /** What to do when it does not come up; "See <log file>." unless given. */
    readonly hint?: string;
  }): Promise<void>;
  /** Ends the server (SIGTERM writes the append-only file out first) and waits until it is gone. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** The command line for `options`, persistence and TLS included. */
export function redisServerArgs(options: RedisServerOptions): string[] {
  const host = options.host ?? '127.0.0.1';
  const persistence =
    options.persistence === 'aof'
      ? ['--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '']
      : ['--appendonly', 'no', '--save', ''];
  const tls = options.tls;
  const listen = tls
    ? [
        '--port',
        '0',
        '--tls-port',
        String(options.port),
        '--tls-cert-file',
        tls.certFile,
        '--tls-key-file',
        tls.keyFile,
        '--tls-ca-cert-file',
        tls.certFile,
        '--tls-auth-clients',
        'no',
        '--requirepass',
        tls.password,
      ]
    : ['--port', String(options.port)];
  return [
    '--bind',
    host,
    ...listen,
    '--dir',
    options.dataDir,
    ...persistence,
    '--protected-mode',
    'yes',
    '--daemonize',
    'no',
    ...(options.args ?? []),
  ];
}

const READY = /Ready to accept connections/;

/** Starts redis-server; `ready()` then waits for it. The data folder must exist. */
export async function launchRedisServer(options: RedisServerOptions): Promise<RedisServer> {
  const host = options.host ?? '127.0.0.1';
  const { logFile } = options;
  const proc = await spawnLogged('redis-server', redisServerArgs(options), {
    logFile,
    env: options.env ?? process.env,
    detached: options.detached ?? false,
  }).catch((error: unknown) => {
    throw new InfraError(`redis-server could not be started: ${(error as Error).message}`);
  });
  const what = `Redis on ${host}:${options.port}`;
  const exited = new Promise<void>((resolve) => {
    if (proc.child.exitCode !== null || proc.child.signalCode !== null) resolve();
    else proc.child.once('exit', () => resolve());
  });
  return {
    pid: proc.pid,
    host,
    port: options.port,
    logFile,
    marker: `redis-server ${host}:${options.port}`,
    ready: ({ timeoutMs = 15_000, signal, hint = `See ${logFile}.` } = {}) =>
      waitUntilReady(
        async () => READY.test((await readFile(logFile)).subarray(proc.logOffset).toString('utf8')),
        { what, timeoutMs, hint, signal, gaveUp: () => proc.exitReason() },
      ),
    async stop(stopSignal = 'SIGTERM') {
      if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
      proc.child.kill(stopSignal);
      const killer = setTimeout(() => proc.child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
