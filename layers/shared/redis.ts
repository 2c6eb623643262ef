/**
 * The Redis connection shared by the functions. Created once per container; commands fail fast
 * (no unbounded offline queue) so that an unreachable Redis surfaces as a named error that a
 * stream handler rethrows (Lambda retries the batch) and the HTTP API maps to 503.
 */
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Redis, type RedisOptions } from 'ioredis';
import type { AppConfig } from './config.ts';
import { ServiceUnavailableError } from './errors.ts';
import { readPassword, readSecretString, type SecretReader } from './secrets.ts';

export type { Redis };

export interface RedisConnectOptions {
  /** Password from Secrets Manager or SSM, resolved by the caller (AWS only). */
  readonly password?: string;
  readonly connectTimeoutMs?: number;
  /**
   * Extra TLS settings for `rediss://` (e.g. `ca` for a private or self-signed CA). ElastiCache's
   * certificates chain to a public CA that Node trusts already, so AWS needs none.
   */
  readonly tls?: ConnectionOptions;
}

/**
 * A client for `config.redis.url`. Does not connect until first used.
 * `rediss://` connects over TLS and verifies the server's certificate against its host name
 * (ElastiCache in-transit encryption: https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/in-transit-encryption.html).
 */
export function createRedis(config: AppConfig, options: RedisConnectOptions = {}): Redis {
  const url = new URL(config.redis.url);
  const redisOptions: RedisOptions = {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs ?? 2000,
    // One retry per command, then the error reaches the caller instead of waiting forever.
    maxRetriesPerRequest: 1,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    enableAutoPipelining: true,
    ...(options.password ? { password: options.password } : {}),
    ...(url.protocol === 'rediss:'
      ? {
          tls: {
            // SNI takes a host name only (an IP there is deprecated, DEP0123); IPs are checked against the certificate's IP SANs.
            ...(isIP(url.hostname) ? {} : { servername: url.hostname }),
            rejectUnauthorized: true,
            ...options.tls,
          },
        }
      : {}),
  };
  const client = new Redis(config.redis.url, redisOptions);
  // Connection errors are reported through the failing command; without a listener ioredis
  // would also print "Unhandled error event" for every reconnect attempt.
  client.on('error', () => undefined);
  return client;
}

/**
 * A client for `config.redis.url` that authenticates with the AUTH token stored in Secrets
 * Manager at `config.redis.authSecretArn` (a plain string, or JSON with `password` or `token`),
 * when one is configured; locally (no ARN) it is {@link createRedis} as is.
 * @param readSecret injectable for tests; defaults to the cached Secrets Manager reader.
 */
export async function createRedisWithAuth(
  config: AppConfig,
  options: Omit<RedisConnectOptions, 'password'> = {},
  readSecret: SecretReader = readSecretString,
): Promise<Redis> {
  const secretArn = config.redis.authSecretArn;
  if (!secretArn) return createRedis(config, options);
  const password = await readPassword(secretArn, readSecret);
  return createRedis(config, { ...options, password });
}

/** Where a client points, without credentials, for messages. */
export function redisLocation(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.hostname}:${u.port || '6379'}`;
  } catch {
    return url;
  }
}

/** PING with a clear error naming Redis, its address and how to start it. */
export async function pingRedis(client: Redis, url: string): Promise<void> {
  try {
    if (client.status === 'wait') await client.connect();
    await client.ping();
  } catch (error) {
    throw new ServiceUnavailableError('Redis', redisLocation(url), error);
  }
}

/** True when `error` means Redis could not be reached (as opposed to a script or data error). */
export function isRedisConnectionError(error: unknown): boolean {
  if (error instanceof ServiceUnavailableError) return error.service === 'Redis';
  if (!(error instanceof Error)) return false;
  const code = (error as NodeJS.ErrnoException).code;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ETIMEDOUT' ||
    code === 'ENOTFOUND' ||
    code === 'ECONNRESET' ||
    /Connection is closed|connect ETIMEDOUT|Reached the max retries|Stream isn't writeable/i.test(
      error.message,
    )
  );
}
