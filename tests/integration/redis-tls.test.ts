/**
 * Redis as ElastiCache runs it on AWS: TLS (rediss://) and an AUTH token from Secrets Manager.
 * A real redis-server is started here with --tls-port on a free loopback port, a self-signed
 * certificate made with openssl for this test, and --requirepass; the client is the layer's.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '#lib/config.ts';
import { ServiceUnavailableError } from '#lib/errors.ts';
import { createRedis, createRedisWithAuth, pingRedis, type RedisClient } from '#lib/redis.ts';
import type { SecretReader } from '#lib/secrets.ts';
import { launchRedisServer, type RedisServer } from '../../tooling/infra/infra.ts';
import { freePort } from '../support/ports.ts';
import { closeRedisClient, withoutReconnect } from '../support/redis-clients.ts';
import { makeCertificate } from '../support/redis-cluster.ts';

const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:test/redis-auth-AbCdEf';
const PASSWORD = `pw-${process.pid}-${Date.now()}`;

let dir: string;
let port: number;
let server: RedisServer | undefined;
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
  await makeCertificate(path.join(dir, 'cert.pem'), path.join(dir, 'key.pem'));
  ca = readFileSync(path.join(dir, 'cert.pem'));
  port = await freePort();
  server = await launchRedisServer({
    port,
    dataDir: dir,
    logFile: path.join(dir, 'redis.log'),
    persistence: 'none',
    tls: { certFile: path.join(dir, 'cert.pem'), keyFile: path.join(dir, 'key.pem'), password: PASSWORD },
  });
  await server.ready({ timeoutMs: 10_000 });
}, 30_000);

/** A client the server is meant to refuse: it ends after the refusal (tests/support/redis-clients.ts). */
const refusable = (client: RedisClient) => track(withoutReconnect(client));

afterAll(async () => {
  await Promise.all(clients.map(closeRedisClient));
  await server?.stop();
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
    const client = refusable(await createRedisWithAuth(tlsConfig(), { tls: { ca } }, wrong));

    await expect(client.ping()).rejects.toThrow(/WRONGPASS|invalid password|NOAUTH/i);
  });

  it('refuses a server whose certificate it cannot verify, naming Redis in the error', async () => {
    const client = refusable(createRedis(tlsConfig(), { password: PASSWORD, connectTimeoutMs: 1000 }));

    const failure = pingRedis(client, tlsConfig().redis.url);

    await expect(failure).rejects.toBeInstanceOf(ServiceUnavailableError);
    await expect(failure).rejects.toThrow(/Redis is unreachable at rediss:\/\/127\.0\.0\.1/);
  });

  it('cannot talk plain Redis to a TLS-only port', async () => {
    const plainConfig = loadConfig({ REDIS_URL: `redis://127.0.0.1:${port}` });
    const client = refusable(createRedis(plainConfig, { password: PASSWORD, connectTimeoutMs: 1000 }));

    await expect(pingRedis(client, plainConfig.redis.url)).rejects.toBeInstanceOf(ServiceUnavailableError);
  });
});
