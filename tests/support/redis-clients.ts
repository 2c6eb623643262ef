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
import type { RedisClient } from '#lib/redis.ts';

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
