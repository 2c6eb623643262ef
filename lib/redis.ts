/**
 * The Redis connection shared by the functions. Created once per container; commands fail fast
 * (no unbounded offline queue) so that an unreachable Redis surfaces as a named error that a
 * stream handler rethrows (Lambda retries the batch) and the HTTP API maps to 503.
 *
 * With `REDIS_CLUSTER=true` the client is an ioredis `Cluster` (ElastiCache with cluster mode
 * enabled, `REDIS_URL` = its configuration endpoint). The state modules need nothing else for it:
 * every key one command, script or pipeline touches shares the `{<topic>}` hash tag (state/windows/keys.ts).
 */
import { isIP } from 'node:net';
import type { ConnectionOptions } from 'node:tls';
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import type { AppConfig } from './config.ts';
import { ServiceUnavailableError } from './errors.ts';
import { readPassword, readSecretString, type SecretReader } from './secrets.ts';

export type { Cluster, Redis };

/**
 * What {@link createRedis} returns: a standalone client, or a cluster client when
 * `config.redis.cluster` is set. Both take the same commands, scripts and pipelines.
 */
export type RedisClient = Redis | Cluster;

export interface RedisConnectOptions {
  /** Password from Secrets Manager or SSM, resolved by the caller (AWS only). */
  readonly password?: string;
  readonly connectTimeoutMs?: number;
  /** Fail a command that has no reply after this long (ioredis waits forever by default: a hung Redis). */
  readonly commandTimeoutMs?: number;
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
 * With `config.redis.cluster`, a Redis Cluster client that starts from that one node and discovers
 * the others ({@link createRedisCluster}).
 */
export function createRedis(config: AppConfig, options: RedisConnectOptions = {}): RedisClient {
  const url = new URL(config.redis.url);
  if (config.redis.cluster) return createRedisCluster(url, options);
  const redisOptions: RedisOptions = {
    lazyConnect: true,
    ...commonOptions(options),
    retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    enableAutoPipelining: true,
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

/** Options every connection gets, standalone or to a cluster node. */
function commonOptions(options: RedisConnectOptions) {
  return {
    connectTimeout: options.connectTimeoutMs ?? 2000,
    // One retry per command, then the error reaches the caller instead of waiting forever.
    maxRetriesPerRequest: 1,
    ...(options.commandTimeoutMs ? { commandTimeout: options.commandTimeoutMs } : {}),
    ...(options.password ? { password: options.password } : {}),
  };
}

/** Reconnection attempts of a cluster client that lost every node, before it gives up (see below). */
const CLUSTER_RECONNECT_ATTEMPTS = 3;

/**
 * A Redis Cluster client whose startup node is `url` (ElastiCache: the configuration endpoint);
 * the slot map and the other nodes come from the cluster itself.
 */
function createRedisCluster(url: URL, options: RedisConnectOptions): Cluster {
  const clusterOptions: ClusterOptions = {
    lazyConnect: true,
    enableAutoPipelining: true,
    // The cluster's own offline queue has no per-command limit: while it reconnects after losing
    // every node, commands would wait forever. Giving up after a few attempts fails them with
    // "None of startup nodes is available" (503 / batch retry); containerRedis then starts afresh.
    clusterRetryStrategy: (attempt) => (attempt > CLUSTER_RECONNECT_ATTEMPTS ? null : attempt * 100),
    slotsRefreshTimeout: options.connectTimeoutMs ?? 2000,
    // ElastiCache with TLS: keep node host names as they are (the certificates name hosts, not
    // IPs), as ioredis' README advises for ElastiCache clusters.
    dnsLookup: (address, callback) => callback(null, address),
    redisOptions: {
      ...commonOptions(options),
      ...(url.username ? { username: decodeURIComponent(url.username) } : {}),
      ...(url.password && !options.password ? { password: decodeURIComponent(url.password) } : {}),
      // No `servername`: these options serve every node, and without one Node checks each node's
      // certificate against the host it connects to rather than against the startup node's name.
      ...(url.protocol === 'rediss:' ? { tls: { rejectUnauthorized: true, ...options.tls } } : {}),
    },
  };
  const client = new Cluster(
    [{ host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(url.port || 6379) }],
    clusterOptions,
  );
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
): Promise<RedisClient> {
  const secretArn = config.redis.authSecretArn;
  if (!secretArn) return createRedis(config, options);
  const password = await readPassword(secretArn, readSecret);
  return createRedis(config, { ...options, password });
}

/** The Redis client of one Lambda container: created on first use, kept across warm invocations. */
export interface ContainerRedis {
  /** The client, connected (and PINGed unless `ping: false`); a failure is not cached. */
  get(): Promise<RedisClient>;
  /** Closes the client if one was made (tests, local scripts, `invoke local`). */
  close(): Promise<void>;
}

/**
 * One client per container for `config.redis.url`, authenticated with the AUTH token from
 * Secrets Manager when `config.redis.authSecretArn` is set. A failed secret read or PING is not
 * kept: the next invocation tries again instead of failing until the container is recycled; nor is
 * a client that ended (a cluster client that gave up reconnecting).
 * @param ping false for callers that map connection errors themselves (the HTTP API's 503).
 * @param commandTimeoutMs for callers that must answer in time (the HTTP API); none by default.
 */
export function containerRedis(
  config: AppConfig,
  { ping = true, commandTimeoutMs }: { ping?: boolean; commandTimeoutMs?: number } = {},
): ContainerRedis {
  let current: Promise<RedisClient> | undefined;
  const connect = async (): Promise<RedisClient> => {
    const client = await createRedisWithAuth(config, commandTimeoutMs ? { commandTimeoutMs } : {});
    if (!ping) return client;
    try {
      await pingRedis(client, config.redis.url);
      return client;
    } catch (error) {
      client.disconnect();
      throw error;
    }
  };
  const start = (): Promise<RedisClient> => {
    const attempt = connect();
    current = attempt;
    attempt.catch(() => {
      if (current === attempt) current = undefined;
    });
    return attempt;
  };
  return {
    async get() {
      const pending = current ?? start();
      const client = await pending;
      if (client.status !== 'end') return client;
      // Ended clients never reconnect; concurrent callers share one replacement.
      if (current === pending) {
        client.disconnect();
        start();
      }
      return current ?? start();
    },
    async close() {
      const pending = current;
      current = undefined;
      const client = await pending?.catch(() => undefined);
      if (client) await client.quit().catch(() => client.disconnect());
    },
  };
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
export async function pingRedis(client: RedisClient, url: string): Promise<void> {
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
    // "Command timed out": ioredis' commandTimeout, a Redis that accepts connections but does not answer.
    /Connection is closed|connect ETIMEDOUT|Reached the max retries|Stream isn't writeable|Command timed out/i.test(
      error.message,
    ) ||
    // Cluster client: no node answers, it gave up reconnecting, or the cluster is down (CLUSTERDOWN
    // until the redirections ran out).
    /None of startup nodes is available|Cluster is ended|Failed to refresh slots cache|CLUSTERDOWN|Too many Cluster redirections/i.test(
      error.message,
    )
  );
}
