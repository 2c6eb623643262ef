/**
 * What operators read: the request metrics (EMF) for every request, and the access log line at DEBUG
 * only, so that the dashboard's and `npm start`'s polls stay out of an INFO log.
 */
import { createLogger } from '#lib/logger.ts';
import { createMetrics } from '#lib/metrics.ts';
import { redisApiState } from '../../functions/top-hashtags/api-state.ts';
import { createTopHashtagsHandler } from '../../functions/top-hashtags/app.ts';
import { apiEvent, lambdaContext, testSettings } from '../support/http-api.ts';
import { useTestRedis } from '../support/redis-clients.ts';

const redis = useTestRedis();

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

/** A handler whose metrics are written (the test helper silences them) and whose logger is at `level`. */
function handlerLoggingAt(level: 'DEBUG' | 'INFO') {
  const previous = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  const metrics = createMetrics('top-hashtags');
  if (previous === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
  else process.env.POWERTOOLS_METRICS_DISABLED = previous;
  return createTopHashtagsHandler({
    state: redisApiState(async () => redis(), testSettings(), 'tweets_topic'),
    logger: createLogger('top-hashtags', level),
    metrics,
    issPollSeconds: 5,
  });
}

describe('observability of the HTTP API', () => {
  it('logs each request at DEBUG with its context and emits Requests, a status class and Latency per route', async () => {
    const handler = handlerLoggingAt('DEBUG');
    const event = apiEvent('/top-hashtags?limit=0', { headers: { 'user-agent': 'curl/8.5.0' } });

    const lines = await stdoutJson(() => handler(event, lambdaContext));

    const log = lines.find((l) => l.message === 'request served');
    expect(log).toMatchObject({
      level: 'DEBUG',
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
    expect(log).not.toHaveProperty('userAgent');
    const emf = lines.find((l) => l._aws !== undefined);
    expect(emf).toMatchObject({ service: 'top-hashtags', route: 'top-hashtags', Requests: 1, Status4xx: 1 });
    expect(typeof emf?.Latency).toBe('number');
    expect(JSON.stringify(emf?._aws)).toContain('"Namespace":"TrendingHashtags"');
  });

  it('writes nothing but the metrics for requests served at the default INFO level', async () => {
    const handler = handlerLoggingAt('INFO');

    const lines = await stdoutJson(async () => {
      await handler(apiEvent('/top-hashtags?limit=3'), lambdaContext);
      await handler(apiEvent('/top-hashtags?limit=0'), lambdaContext);
      await handler(apiEvent('/nowhere'), lambdaContext);
    });

    expect(lines.filter((l) => l._aws === undefined)).toEqual([]);
    expect(lines.filter((l) => l._aws !== undefined).map((l) => l.route)).toEqual([
      'top-hashtags',
      'top-hashtags',
      'unknown',
    ]);
  });
});
