/**
 * A real Redis Cluster for tests: `masters` redis-server processes with cluster mode on, on free
 * loopback ports of their own (never 6379, which the shared test Redis and other runs use), joined
 * with `redis-cli --cluster create`. Each node keeps its files in one temporary directory that
 * {@link RedisCluster.stop} removes along with the processes. Optionally as ElastiCache runs it with
 * in-transit encryption: TLS only (clients and cluster bus, self-signed certificate) and AUTH.
 */
import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { freePorts } from './ports.ts';

const run = promisify(execFile);

export interface RedisClusterOptions {
  readonly masters?: number;
  /** TLS on every port (a certificate for 127.0.0.1 made here) and AUTH with this password. */
  readonly tlsPassword?: string;
  readonly timeoutMs?: number;
}

export interface RedisCluster {
  /** Client ports of the nodes, all on 127.0.0.1. */
  readonly ports: readonly number[];
  /** `redis://` (`rediss://` with TLS) `127.0.0.1:<first port>`: any node is a valid startup node. */
  readonly url: string;
  /** With TLS: the self-signed certificate, to trust as CA. */
  readonly ca: Buffer | undefined;
  /** Kills every node and removes the directory; safe to call twice or after a failed start. */
  stop(): Promise<void>;
}

/** Starts a cluster of `masters` primaries without replicas and waits until every node says `cluster_state:ok`. */
export async function startRedisCluster(options: RedisClusterOptions = {}): Promise<RedisCluster> {
  const { masters = 3, tlsPassword, timeoutMs = 20_000 } = options;
  const dir = mkdtempSync(path.join(tmpdir(), 'redis-cluster-'));
  // Client ports, then cluster bus ports: set explicitly, since port + 10000 need not be free.
  const allPorts = await freePorts(masters * 2);
  const ports = allPorts.slice(0, masters);
  const busPorts = allPorts.slice(masters);
  const nodes: ChildProcess[] = [];
  const logs = new Map<number, string>();
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');

  const stop = async (): Promise<void> => {
    await Promise.all(
      nodes.map(async (node) => {
        if (node.exitCode !== null || node.signalCode !== null) return;
        const exited = new Promise((resolve) => node.once('exit', resolve));
        node.kill('SIGKILL');
        await exited;
      }),
    );
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    if (tlsPassword !== undefined) makeCertificate(cert, key);
    // TLS for clients and the cluster bus, AUTH for clients; nodes announce their TLS ports.
    const secure = (port: number): string[] =>
      tlsPassword === undefined
        ? ['--port', String(port)]
        : [
            '--port',
            '0',
            '--tls-port',
            String(port),
            '--tls-cluster',
            'yes',
            '--tls-cert-file',
            cert,
            '--tls-key-file',
            key,
            '--tls-ca-cert-file',
            cert,
            '--tls-auth-clients',
            'no',
            '--requirepass',
            tlsPassword,
            '--masterauth',
            tlsPassword,
          ];
    ports.forEach((port, i) => {
      const node = spawn(
        'redis-server',
        [
          ...secure(port),
          '--bind',
          '127.0.0.1',
          '--cluster-enabled',
          'yes',
          '--cluster-port',
          String(busPorts[i]),
          '--cluster-config-file',
          path.join(dir, `nodes-${port}.conf`),
          '--cluster-node-timeout',
          '5000',
          '--dir',
          dir,
          '--dbfilename',
          `dump-${port}.rdb`,
          '--save',
          '',
          '--appendonly',
          'no',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      logs.set(port, '');
      const append = (chunk: Buffer) => logs.set(port, (logs.get(port) ?? '') + chunk.toString());
      node.stdout?.on('data', append);
      node.stderr?.on('data', append);
      nodes.push(node);
    });

    const deadline = Date.now() + timeoutMs;
    const waitFor = async (what: string, done: () => Promise<boolean>): Promise<void> => {
      while (!(await done())) {
        const dead = nodes.findIndex((n) => n.exitCode !== null);
        if (dead >= 0)
          throw new Error(`redis-server on ${ports[dead]} exited: ${logs.get(ports[dead] ?? 0)}`);
        if (Date.now() > deadline) throw new Error(`Redis Cluster: timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    };
    const cliSecurity =
      tlsPassword === undefined ? [] : ['--tls', '--cacert', cert, '-a', tlsPassword, '--no-auth-warning'];
    const cli = (port: number, ...args: string[]) =>
      run('redis-cli', [...cliSecurity, '-h', '127.0.0.1', '-p', String(port), ...args], {
        timeout: 5000,
      }).then(
        (r) => r.stdout,
        () => '',
      );

    await waitFor('the nodes to accept connections', async () =>
      (await Promise.all(ports.map((p) => cli(p, 'PING')))).every((out) => out.trim() === 'PONG'),
    );
    await run(
      'redis-cli',
      [
        ...cliSecurity,
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '0',
        '--cluster-yes',
      ],
      { timeout: timeoutMs },
    );
    await waitFor('cluster_state:ok on every node', async () =>
      (await Promise.all(ports.map((p) => cli(p, 'CLUSTER', 'INFO')))).every((out) =>
        /cluster_state:ok/.test(out),
      ),
    );
    return {
      ports,
      url: `${tlsPassword === undefined ? 'redis' : 'rediss'}://127.0.0.1:${ports[0]}`,
      ca: tlsPassword === undefined ? undefined : readFileSync(cert),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A self-signed certificate for 127.0.0.1 and localhost, valid for a day (openssl). */
export function makeCertificate(cert: string, key: string): void {
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-keyout',
      key,
      '-out',
      cert,
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
    ],
    { stdio: 'ignore' },
  );
}
