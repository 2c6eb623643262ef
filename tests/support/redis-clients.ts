/**
 * Ending ioredis clients so that nothing keeps a Jest worker alive afterwards.
 *
 * A client the server refused is `reconnecting`: its socket is closed and a reconnect is pending.
 * disconnect() then cancels the reconnect but also arms a 2 s timer (ioredis' disconnectTimeout)
 * to destroy that already-closed socket, and that timer kept workers alive after the tests
 * ("A worker process has failed to exit gracefully"). So a client meant to be refused gets no
 * reconnect loop at all, ends by itself, and is then left alone.
 */
import { once } from 'node:events';
import { Cluster } from 'ioredis';
import { loadConfig } from '#lib/config.ts';
import { createRedis, type RedisClient } from '#lib/redis.ts';
import { REDIS_URL } from './services.ts';

/** `client` with reconnects off: once refused, it ends (status `end`) instead of retrying. */
export function withoutReconnect<T extends RedisClient>(client: T): T {
  if (client instanceof Cluster) client.options.clusterRetryStrategy = () => null;
  else client.options.retryStrategy = () => null;
  return client;
}

/** QUIT when connected (else disconnect), and wait for 'end'; a client that ended is left alone. */
export async function closeRedisClient(client: RedisClient): Promise<void> {
  if (client.status === 'end') return;
  const ended = once(client, 'end');
  if (client.status === 'ready') await client.quit().catch(() => undefined);
  else client.disconnect();
  await ended;
}

/**
 * The suite's Redis (REDIS_URL, set by the global setup) for the tests of one file: connected in
 * beforeAll; in afterAll the keys under each of `keyPrefixes()` are removed and the client ends.
 * Returns the client's getter (it exists only once beforeAll has run).
 */
export function useTestRedis(keyPrefixes: () => readonly string[] = () => []): () => RedisClient {
  let client: RedisClient | undefined;
  beforeAll(async () => {
    client = createRedis(loadConfig({ REDIS_URL: REDIS_URL }));
    await client.connect();
  });
  afterAll(async () => {
    if (!client) return;
    for (const prefix of keyPrefixes()) {
      const keys = await client.keys(`${prefix}*`);
      if (keys.length) await client.del(...keys);
    }
    await closeRedisClient(client);
  });
  return () => {
    if (!client) throw new Error('useTestRedis: the client exists only inside tests (after beforeAll)');
    return client;
  };
}
