/** What operators read: one structured log line and the request metrics (EMF) per request. */
import { loadConfig } from '#lib/config.ts';
import { createLogger } from '#lib/logger.ts';
import { createMetrics } from '#lib/metrics.ts';
import { createRedis, type RedisClient } from '#lib/redis.ts';
import { redisApiState } from '../../functions/top-hashtags/api-state.ts';
import { createHttpHandler } from '../../functions/top-hashtags/app.ts';
import { apiEvent, lambdaContext, testSettings } from '../support/http-api.ts';

let redis: RedisClient;

beforeAll(async () => {
  redis = createRedis(loadConfig({ REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' }));
  await redis.connect();
});

afterAll(async () => {
  await redis.quit();
});

/** Runs `act` and returns the JSON lines it wrote to stdout. */
async function stdoutJson(act: () => Promise<unknown>): Promise<Array<Record<string, unknown>>> {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n').filter(Boolean));
    return true;
  });
  try {
    await act();
  } finally {
    spy.mockRestore();
  }
  return lines.flatMap((line) => {
    try {
      return [JSON.parse(line) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

describe('observability of the HTTP API', () => {
  it('logs each request with its context and emits Requests, a status class and Latency per route', async () => {
    const previous = process.env.POWERTOOLS_METRICS_DISABLED;
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    const metrics = createMetrics('top-hashtags');
    if (previous === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
    else process.env.POWERTOOLS_METRICS_DISABLED = previous;
    const handler = createHttpHandler({
      state: redisApiState(async () => redis, testSettings(), 'tweets_topic'),
      logger: createLogger('top-hashtags', 'INFO'),
      metrics,
      issPollSeconds: 5,
    });
    const event = apiEvent('/top-hashtags?limit=0');

    const lines = await stdoutJson(() => handler(event, lambdaContext));

    const log = lines.find((l) => l.message === 'request served');
    expect(log).toMatchObject({
      level: 'INFO',
      service: 'top-hashtags',
      function_name: lambdaContext.functionName,
      requestId: event.requestContext.requestId,
      method: 'GET',
      path: '/top-hashtags',
      query: 'limit=0',
      route: 'top-hashtags',
      status: 400,
    });
    expect(typeof log?.latencyMs).toBe('number');
    const emf = lines.find((l) => l._aws !== undefined);
    expect(emf).toMatchObject({ service: 'top-hashtags', route: 'top-hashtags', Requests: 1, Status4xx: 1 });
    expect(typeof emf?.Latency).toBe('number');
    expect(JSON.stringify(emf?._aws)).toContain('"Namespace":"TrendingHashtags"');
  });
});
