/**
 * A real Redis Cluster for tests: `masters` redis-server processes with cluster mode on, on free
 * loopback ports of their own (never 6379, which the shared test Redis and other runs use), joined
 * with `redis-cli --cluster create`. Each node keeps its files in one temporary directory that
 * {@link RedisCluster.stop} removes along with the processes. Optionally as ElastiCache runs it with
 * in-transit encryption: TLS only (clients and cluster bus, self-signed certificate) and AUTH.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { launchRedisServer, type RedisServer, waitUntilReady } from '../../tooling/infra/infra.ts';
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
  const nodes: RedisServer[] = [];
  const cert = path.join(dir, 'cert.pem');
  const key = path.join(dir, 'key.pem');

  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((node) => node.stop('SIGKILL')));
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    if (tlsPassword !== undefined) await makeCertificate(cert, key);
    const tls =
      tlsPassword === undefined ? undefined : { certFile: cert, keyFile: key, password: tlsPassword };
    // With TLS the cluster bus is encrypted too, and nodes authenticate to each other.
    const clusterTls = tlsPassword === undefined ? [] : ['--tls-cluster', 'yes', '--masterauth', tlsPassword];
    for (const [i, port] of ports.entries()) {
      nodes.push(
        await launchRedisServer({
          port,
          dataDir: dir,
          logFile: path.join(dir, `redis-${port}.log`),
          persistence: 'none',
          tls,
          args: [
            ...clusterTls,
            '--cluster-enabled',
            'yes',
            '--cluster-port',
            String(busPorts[i]),
            '--cluster-config-file',
            path.join(dir, `nodes-${port}.conf`),
            '--cluster-node-timeout',
            '5000',
            '--dbfilename',
            `dump-${port}.rdb`,
          ],
        }),
      );
    }
    const started = Date.now();
    await Promise.all(nodes.map((node) => node.ready({ timeoutMs })));
    const remainingMs = () => Math.max(1000, timeoutMs - (Date.now() - started));

    const cliSecurity =
      tlsPassword === undefined ? [] : ['--tls', '--cacert', cert, '-a', tlsPassword, '--no-auth-warning'];
    const cli = (port: number, ...args: string[]) =>
      run('redis-cli', [...cliSecurity, '-h', '127.0.0.1', '-p', String(port), ...args], {
        timeout: 5000,
      }).then(
        (r) => r.stdout,
        () => '',
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
    await waitUntilReady(
      async () =>
        (await Promise.all(ports.map((p) => cli(p, 'CLUSTER', 'INFO')))).every((out) =>
          /cluster_state:ok/.test(out),
        ),
      {
        what: 'Redis Cluster',
        timeoutMs: remainingMs(),
        hint: 'The nodes were joined but do not all report cluster_state:ok.',
      },
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
export async function makeCertificate(cert: string, key: string): Promise<void> {
  await run('openssl', [
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
  ]);
}
