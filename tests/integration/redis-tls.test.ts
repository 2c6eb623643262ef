/**
 * Redis as ElastiCache runs it on AWS: TLS (rediss://) and an AUTH token from Secrets Manager.
 * A real redis-server is started here with --tls-port on a free loopback port, a self-signed
 * certificate made with openssl for this test, and --requirepass; the client is the layer's.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '#lib/config.ts';
import { ServiceUnavailableError } from '#lib/errors.ts';
import { createRedis, createRedisWithAuth, pingRedis, type RedisClient } from '#lib/redis.ts';
import type { SecretReader } from '#lib/secrets.ts';
import { freePort } from '../support/ports.ts';
import { makeCertificate } from '../support/redis-cluster.ts';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:test/redis-auth-AbCdEf';
const PASSWORD = `pw-${process.pid}-${Date.now()}`;

let dir: string;
let port: number;
let server: ChildProcess;
let ca: Buffer;
const clients: RedisClient[] = [];

/** A reader that plays Secrets Manager: the AUTH token as ElastiCache users store it (JSON). */
const secretsManager: SecretReader = async (secretId) => {
  if (secretId !== SECRET_ARN) throw new Error(`unexpected secret ${secretId}`);
  return JSON.stringify({ password: PASSWORD });
};

const tlsConfig = () =>
  loadConfig({ REDIS_URL: `rediss://127.0.0.1:${port}`, REDIS_AUTH_SECRET_ARN: SECRET_ARN });

function track(client: RedisClient): RedisClient {
  clients.push(client);
  return client;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'redis-tls-'));
  makeCertificate(path.join(dir, 'cert.pem'), path.join(dir, 'key.pem'));
  ca = readFileSync(path.join(dir, 'cert.pem'));
  port = await freePort();
  server = spawn(
    'redis-server',
    [
      '--port',
      '0',
      '--bind',
      '127.0.0.1',
      '--tls-port',
      String(port),
      '--tls-cert-file',
      path.join(dir, 'cert.pem'),
      '--tls-key-file',
      path.join(dir, 'key.pem'),
      '--tls-ca-cert-file',
      path.join(dir, 'cert.pem'),
      '--tls-auth-clients',
      'no',
      '--requirepass',
      PASSWORD,
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  server.stdout?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  const deadline = Date.now() + 10_000;
  while (!/Ready to accept connections/.test(log)) {
    if (server.exitCode !== null) throw new Error(`redis-server exited: ${log}`);
    if (Date.now() > deadline) throw new Error(`redis-server did not start with TLS: ${log}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}, 30_000);

afterAll(async () => {
  // Stopping the server first closes every socket, so the clients' disconnect() has nothing left
  // to wait for; disconnect() also stops the reconnect loop of the clients that were refused.
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGTERM');
    await exited;
  }
  for (const client of clients) client.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

describe('Redis over TLS with AUTH from Secrets Manager', () => {
  it('connects over TLS with the AUTH token read from the secret, and reads back what it writes', async () => {
    const client = track(await createRedisWithAuth(tlsConfig(), { tls: { ca } }, secretsManager));

    await pingRedis(client, tlsConfig().redis.url);
    await client.set('tls:check', 'ok');

    expect(await client.get('tls:check')).toBe('ok');
  });

  it('accepts the AUTH token stored as a plain string too', async () => {
    const plain: SecretReader = async () => PASSWORD;
    const client = track(await createRedisWithAuth(tlsConfig(), { tls: { ca } }, plain));

    expect(await client.ping()).toBe('PONG');
  });

  it('is refused by the server when the AUTH token is wrong', async () => {
    const wrong: SecretReader = async () => JSON.stringify({ password: 'not-the-token' });
    const client = track(await createRedisWithAuth(tlsConfig(), { tls: { ca } }, wrong));

    await expect(client.ping()).rejects.toThrow(/WRONGPASS|invalid password|NOAUTH/i);
  });

  it('refuses a server whose certificate it cannot verify, naming Redis in the error', async () => {
    const client = track(createRedis(tlsConfig(), { password: PASSWORD, connectTimeoutMs: 1000 }));

    const failure = pingRedis(client, tlsConfig().redis.url);

    await expect(failure).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(failure).rejects.toThrow(/Redis is unreachable at rediss:\/\/127\.0\.0\.1/);
  });

  it('cannot talk plain Redis to a TLS-only port', async () => {
    const plainConfig = loadConfig({ REDIS_URL: `redis://127.0.0.1:${port}` });
    const client = track(createRedis(plainConfig, { password: PASSWORD, connectTimeoutMs: 1000 }));

    await expect(pingRedis(client, plainConfig.redis.url)).rejects.toBeInstanceOf(ServiceUnavailableError);
  });
});
