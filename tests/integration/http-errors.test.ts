/**
 * What callers get wrong, and what goes wrong behind the API: every 400 case, unknown routes and
 * methods, and Redis being unreachable. None of it is ever a 500.
 */
import { createServer } from 'node:net';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { loadConfig } from '#lib/config.ts';
import { createRedis } from '#lib/redis.ts';
import documentedExample from '../fixtures/http-api/aws-documented-example.json' with { type: 'json' };
import { apiEvent, call, createTestApi, lambdaContext, testSettings } from '../support/http-api.ts';
import { openApiValidator, problemValidator } from '../support/openapi.ts';
import { closeRedisClient, useTestRedis, withoutReconnect } from '../support/redis-clients.ts';

interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: Array<{ parameter: string; value?: string; problem: string }>;
}

const matchesSpec = openApiValidator();
const isProblem = problemValidator();
const settings = testSettings();
const redis = useTestRedis();

const api = () => createTestApi(redis(), settings);
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('400 for bad query parameters', () => {
  const cases: Array<[string, string, string, RegExp]> = [
    ['a limit of 0', '/top-hashtags?limit=0', 'limit', /whole number from 1 to 100/],
    ['a limit above 100', '/top-hashtags?limit=101', 'limit', /whole number from 1 to 100/],
    ['a negative limit', '/top-hashtags?limit=-1', 'limit', /whole number from 1 to 100/],
    ['a fractional limit', '/top-hashtags?limit=2.5', 'limit', /whole number/],
    ['a limit that is not a number', '/top-hashtags?limit=ten', 'limit', /whole number/],
    ['an empty limit', '/top-hashtags?limit=', 'limit', /whole number/],
    ['a limit given twice', '/top-hashtags?limit=5&limit=6', 'limit', /at most once/],
    ['an unknown view', '/top-hashtags?view=hopping', 'view', /"tumbling", "sliding" or "trending"/],
    ['a view in capitals', '/top-hashtags?view=SLIDING', 'view', /"tumbling", "sliding" or "trending"/],
    ['an unknown span', '/top-hashtags?span=10m', 'span', /"1m", "5m", "15m" or "60m"/],
    ['a span in seconds', '/top-hashtags?view=sliding&span=300', 'span', /"1m", "5m", "15m" or "60m"/],
    [
      'a trending span without room for a baseline',
      '/top-hashtags?view=trending&span=60m',
      'span',
      /with view=trending needs 180 min of history .*\(RETENTION_SECONDS=3600\)$/,
    ],
    ['an `at` that is no date', '/top-hashtags?at=yesterday', 'at', /ISO 8601 .* or epoch seconds/],
    ['an `at` without a zone', '/top-hashtags?at=2026-01-17T10:30:00', 'at', /ISO 8601/],
    ['an `at` on a day that does not exist', '/top-hashtags?at=2026-02-30T10:30:00Z', 'at', /ISO 8601/],
    ['an `at` in the future', `/top-hashtags?at=${nowSeconds() + 3600}`, 'at', /must not be in the future$/],
    [
      'an `at` in epoch milliseconds',
      `/top-hashtags?at=${Date.now() - 1000}`,
      'at',
      /future \(epoch seconds are expected, not milliseconds\)/,
    ],
    [
      'an `at` older than the retention',
      `/top-hashtags?at=${nowSeconds() - 7200}`,
      'at',
      /retention of the last 3600 s/,
    ],
    [
      'an unknown parameter',
      '/top-hashtags?limt=5',
      'limt',
      /not a parameter of this route \(known: limit, view, at, span\)/,
    ],
    ['history of 0 windows', '/top-hashtags/history?windows=0', 'windows', /whole number from 1 to 61/],
    [
      'history beyond the retention',
      '/top-hashtags/history?windows=62',
      'windows',
      /whole number from 1 to 61/,
    ],
    ['an unknown history parameter', '/top-hashtags/history?limit=5', 'limit', /known: windows/],
    ['a parameter on /iss/position', '/iss/position?track=10', 'track', /it takes none/],
  ];

  it.each(cases)('rejects %s with a 400 naming the parameter', async (_name, url, parameter, why) => {
    const answer = await call(api(), url);
    const body = answer.json as Problem;

    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(body.errors).toHaveLength(1);
    expect(body.errors?.[0]?.parameter).toBe(parameter);
    expect(body.errors?.[0]?.problem).toMatch(why);
    expect(body.detail).toContain(parameter);
    expect(matchesSpec(new URL(url, 'http://x').pathname, answer)).toEqual([]);
  });

  it('names every bad parameter in one answer', async () => {
    const answer = await call(api(), '/top-hashtags?limit=0&view=daily&colour=red');
    const body = answer.json as Problem;

    expect(answer.status).toBe(400);
    expect(body.errors?.map((e) => e.parameter).sort()).toEqual(['colour', 'limit', 'view']);
    expect(body.detail).toBe(
      'colour is not a parameter of this route (known: limit, view, at, span) (got "red"). ' +
        'limit must be a whole number from 1 to 100 (got "0"). ' +
        'view must be "tumbling", "sliding" or "trending" (got "daily").',
    );
  });

  it('echoes odd input back only as JSON data', async () => {
    const answer = await call(api(), `/top-hashtags?limit=${encodeURIComponent('<script>"\\')}`);
    const body = answer.json as Problem;

    expect(answer.status).toBe(400);
    expect(body.errors?.[0]?.value).toBe('<script>"\\');
  });
});

describe('routes', () => {
  it('answers an unknown path with a JSON 404 that lists the routes', async () => {
    const answer = await call(api(), '/top-hashtag');

    expect(answer.status).toBe(404);
    expect(isProblem(answer.json)).toEqual([]);
    expect((answer.json as Problem).detail).toBe(
      'No route serves /top-hashtag. Routes: GET /, GET /top-hashtags, GET /top-hashtags/history, GET /iss/position.',
    );
  });

  it('answers AWS’s documented example event (POST /my/path) with a JSON 404', async () => {
    const event = structuredClone(documentedExample) as APIGatewayProxyEventV2;

    const result = await api().handler(event, lambdaContext);

    expect(result.statusCode).toBe(404);
    expect(isProblem(JSON.parse(result.body ?? ''))).toEqual([]);
  });

  it('answers another method on a known path with 405 and Allow', async () => {
    const answer = await call(api(), '/top-hashtags', { method: 'DELETE' });

    expect(answer.status).toBe(405);
    expect(answer.headers.allow).toBe('GET, HEAD');
    expect(isProblem(answer.json)).toEqual([]);
  });

  it('answers HEAD like GET without a body', async () => {
    const get = await call(api(), '/top-hashtags/history?windows=2');
    const head = await call(api(), '/top-hashtags/history?windows=2', { method: 'HEAD' });

    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect(head.headers.etag).toBe(get.headers.etag);
  });

  it('serves a GET that carries a body, or `body: null` as serverless offline sends it, like any GET', async () => {
    const withBody = { ...apiEvent('/top-hashtags?limit=1'), body: 'ignored' };
    const offline = { ...apiEvent('/top-hashtags?limit=1'), body: null } as unknown as APIGatewayProxyEventV2;

    const answers = await Promise.all(
      [withBody, offline].map((event) => api().handler(event, lambdaContext)),
    );

    expect(answers.map((a) => a.statusCode)).toEqual([200, 200]);
  });

  it('is not thrown by a malformed Host or X-Forwarded-Proto header', async () => {
    const answer = await call(api(), '/top-hashtags', {
      headers: { host: 'not a host', 'x-forwarded-proto': 'h t t p' },
    });
    expect(answer.status).toBe(200);
  });

  it('refuses an event that is no HTTP API request, naming the fixture to pass', async () => {
    await expect(api().handler({} as APIGatewayProxyEventV2, lambdaContext)).rejects.toThrow(
      /API Gateway HTTP API event \(payload format 2\.0\), such as tests\/fixtures\/http-api\/get-top-hashtags\.json/,
    );
  });

  it('serves a path with a trailing slash like the path without it', async () => {
    const answer = await call(api(), '/top-hashtags/?limit=1');
    expect(answer.status).toBe(200);
  });
});

describe('503 when Redis is unreachable', () => {
  let closedPort: number;

  beforeAll(async () => {
    // A port that was free a moment ago and that nothing listens on.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    closedPort = (probe.address() as { port: number }).port;
    await new Promise((resolve) => probe.close(resolve));
  });

  it.each(['/top-hashtags', '/top-hashtags/history', '/iss/position'])(
    'answers %s with a 503 and Retry-After, naming Redis and never a stack trace',
    async (path) => {
      const down = withoutReconnect(
        createRedis(loadConfig({ REDIS_URL: `redis://127.0.0.1:${closedPort}` }), { connectTimeoutMs: 500 }),
      );
      try {
        const answer = await call(createTestApi(down, testSettings()), path);
        const body = answer.json as Problem;

        expect(answer.status).toBe(503);
        expect(answer.headers['retry-after']).toBe('5');
        expect(answer.headers['cache-control']).toBe('no-store');
        expect(body.detail).toMatch(/Redis, which cannot be reached/);
        expect(answer.body).not.toMatch(/\n\s+at |ECONNREFUSED|node_modules/);
        expect(matchesSpec(path, answer)).toEqual([]);
      } finally {
        await closeRedisClient(down);
      }
    },
  );

  it('still serves the dashboard page, which needs no Redis', async () => {
    const down = createRedis(loadConfig({ REDIS_URL: `redis://127.0.0.1:${closedPort}` }));
    try {
      const answer = await call(createTestApi(down, testSettings()), '/');
      expect(answer.status).toBe(200);
    } finally {
      down.disconnect();
    }
  });
});
