/**
 * `top-hashtags`: the HTTP API (GET /top-hashtags, /top-hashtags/history, /iss/position) and the
 * dashboard (GET /) behind an API Gateway HTTP API. Config, clients and the handler are built once
 * per container; the Redis connection opens on the first request.
 */
import { loadConfig } from '#layer/config.ts';
import { createLogger } from '#layer/logger.ts';
import { createMetrics } from '#layer/metrics.ts';
import { createRedis, type Redis } from '#layer/redis.ts';
import { readPassword } from '#layer/secrets.ts';
import { windowSettingsFrom } from '#state/windows.ts';
import { redisApiState } from './api-state.ts';
import { createHttpHandler } from './app.ts';

const config = loadConfig();
const logger = createLogger('top-hashtags', config.logLevel);
const metrics = createMetrics('top-hashtags');

let redis: Promise<Redis> | undefined;
/** The container's Redis client; the AUTH token (AWS only) is read from Secrets Manager once. */
function connection(): Promise<Redis> {
  redis ??= (async () => {
    const password = config.redis.authSecretArn ? await readPassword(config.redis.authSecretArn) : undefined;
    return createRedis(config, password ? { password } : {});
  })();
  // A failed secret read is not kept: the next request tries again.
  redis.catch(() => {
    redis = undefined;
  });
  return redis;
}

export const handler = createHttpHandler({
  state: redisApiState(connection, windowSettingsFrom(config), config.topics.tweets),
  logger,
  metrics,
  issPollSeconds: config.iss.pollIntervalSeconds,
});
