/**
 * `top-hashtags`: the HTTP API (GET /top-hashtags, /top-hashtags/history, /iss/position) and the
 * dashboard (GET /) behind an API Gateway HTTP API. Config, clients and the handler are built once
 * per container; the Redis connection opens on the first request.
 */
import { loadConfig } from '#lib/config.ts';
import { closingAfterLocalInvoke } from '#lib/invoke-local.ts';
import { createLogger } from '#lib/logger.ts';
import { createMetrics } from '#lib/metrics.ts';
import { containerRedis } from '#lib/redis.ts';
import { windowSettingsFrom } from '#state/windows/windows.ts';
import { redisApiState } from './api-state.ts';
import { createTopHashtagsHandler } from './app.ts';

const config = loadConfig();
const logger = createLogger('top-hashtags', config.logLevel);
const metrics = createMetrics('top-hashtags');

// Not PINGed: the API maps a connection error to its own 503 on the request that meets it. Each
// command has a deadline: a Redis that accepts connections but does not answer is a 503 too.
const redis = containerRedis(config, { ping: false, commandTimeoutMs: config.redis.httpCommandTimeoutMs });

export const handler = closingAfterLocalInvoke(
  config.invokeLocal,
  createTopHashtagsHandler({
    state: redisApiState(redis.get, windowSettingsFrom(config), config.topics.tweets),
    logger,
    metrics,
    issPollSeconds: config.iss.pollIntervalSeconds,
  }),
  redis.close,
);
