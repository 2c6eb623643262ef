/**
 * Helpers for the HTTP API tests, the dashboard test and the bench: the real handler on its own
 * Redis prefix, counts written through the counter's own apply step (`state/`), API Gateway v2
 * events built from the documented fixture, and a loopback HTTP server that turns requests into
 * those events (what API Gateway does in front of the Lambda).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { parseHashtag } from '#contracts/hashtag.ts';
import { createLogger } from '#lib/logger.ts';
import { createMetrics } from '#lib/metrics.ts';
import type { RedisClient } from '#lib/redis.ts';
import {
  advanceWatermark,
  applyPartitionStep,
  type CountableRecord,
  readAppliedOffsets,
  type WindowSettings,
} from '#state/windows/index.ts';
import { redisApiState } from '../../functions/top-hashtags/api-state.ts';
import { createTopHashtagsHandler, type TopHashtagsHandler } from '../../functions/top-hashtags/app.ts';
import getTopHashtags from '../fixtures/http-api/get-top-hashtags.json' with { type: 'json' };

/** Window settings for a test: a unique prefix, the production defaults unless overridden. */
export function testSettings(overrides: Partial<WindowSettings> = {}): WindowSettings {
  return {
    keyPrefix: `test:http:${randomUUID()}`,
    windowSeconds: 60,
    slideSeconds: 10,
    allowedLatenessSeconds: 60,
    retentionSeconds: 3600,
    ...overrides,
  };
}

export interface ApiUnderTest {
  readonly handler: TopHashtagsHandler;
  readonly settings: WindowSettings;
  readonly topic: string;
}

/** The real handler (middy chain included) reading `topic` under `settings.keyPrefix`. */
export function createTestApi(
  redis: RedisClient,
  settings: WindowSettings,
  options: { topic?: string; now?: () => number; issPollSeconds?: number } = {},
): ApiUnderTest {
  const topic = options.topic ?? 'tweets_topic';
  // EMF lines would flood the test output; the metrics calls themselves still run.
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
  const handler = createTopHashtagsHandler({
    state: redisApiState(async () => redis, settings, topic),
    logger: createLogger('top-hashtags', process.env.TEST_LOG_LEVEL ?? 'SILENT'),
    metrics: createMetrics('top-hashtags'),
    issPollSeconds: options.issPollSeconds ?? 5,
    ...(options.now ? { now: options.now } : {}),
  });
  return { handler, settings, topic };
}

/** The Lambda context API Gateway's invocation would carry (only its names matter here). */
export const lambdaContext: Context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'trending-hashtags-local-top-hashtags',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:eu-west-1:123456789012:function:trending-hashtags-local-top-hashtags',
  memoryLimitInMB: '256',
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  logGroupName: '/aws/lambda/trending-hashtags-local-top-hashtags',
  logStreamName: '2026/11/22/[$LATEST]abcdef0123456789',
  getRemainingTimeInMillis: () => 10_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};

/** A `GET` event for `path?query` with the documented v2 shape (`tests/fixtures/http-api`). */
export function apiEvent(
  pathWithQuery: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): APIGatewayProxyEventV2 {
  const event = structuredClone(getTopHashtags) as APIGatewayProxyEventV2;
  const url = new URL(pathWithQuery, 'http://localhost');
  const method = options.method ?? 'GET';
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = query[name] === undefined ? value : `${query[name]},${value}`;
  event.rawPath = url.pathname;
  event.rawQueryString = url.search.replace(/^\?/, '');
  if (Object.keys(query).length > 0) event.queryStringParameters = query;
  else delete event.queryStringParameters;
  event.routeKey = '$default';
  event.requestContext.routeKey = '$default';
  event.requestContext.http.method = method;
  event.requestContext.http.path = url.pathname;
  event.requestContext.requestId = randomUUID();
  event.requestContext.timeEpoch = Date.now();
  event.headers = { ...event.headers, ...lowercaseKeys(options.headers ?? {}) };
  return event;
}

/** Calls the handler with an event for `pathWithQuery` and parses a JSON body when there is one. */
export async function call(
  api: ApiUnderTest,
  pathWithQuery: string,
  options: { method?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; headers: Record<string, string>; body: string; json: unknown }> {
  const result = await api.handler(apiEvent(pathWithQuery, options), lambdaContext);
  const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)]));
  const body = result.body ?? '';
  const json = /json/.test(headers['content-type'] ?? '') && body ? JSON.parse(body) : undefined;
  return { status: result.statusCode ?? 200, headers, body, json };
}

/** One hashtag occurrence in a record to count, keyed exactly as the counter keys it. */
export function hashtag(form: string): { key: string; form: string } {
  const parsed = parseHashtag(form);
  if (parsed === null) throw new Error(`not a hashtag the counter would count: ${JSON.stringify(form)}`);
  return parsed;
}

let nextPartition = 0;

/**
 * Counts records through the counter's own atomic step (`applyPartitionStep`), on a partition of
 * its own, then moves the watermark: what the counter does with one batch. `records` are
 * [hashtag, event time ms, times].
 */
export async function countRecords(
  redis: RedisClient,
  settings: WindowSettings,
  topic: string,
  records: ReadonlyArray<readonly [tag: string, eventTimeMs: number, times?: number]>,
): Promise<{ accepted: number; late: number }> {
  const partition = nextPartition++;
  const consumerGroup = 'http-api-tests';
  const offsets = await readAppliedOffsets(redis, settings, consumerGroup, topic, [partition]);
  const expected = offsets.get(partition) ?? null;
  let offset = expected ?? -1;
  const countable: CountableRecord[] = [];
  for (const [tag, eventTime, times = 1] of records) {
    for (let i = 0; i < times; i += 1) {
      offset += 1;
      countable.push({ offset, eventTime, hashtags: [hashtag(tag)] });
    }
  }
  const result = await applyPartitionStep(redis, settings, {
    consumerGroup,
    topic,
    partition,
    expectedOffset: expected,
    newOffset: countable.length ? offset : expected,
    records: countable,
    duplicates: 0,
    rejected: 0,
  });
  if (result.status !== 'applied') throw new Error(`step not applied: ${JSON.stringify(result)}`);
  await advanceWatermark(redis, settings, topic);
  return { accepted: result.accepted, late: result.late };
}

/** A loopback HTTP server in front of the handler, converting requests as API Gateway does. */
export async function startHttpServer(
  handler: TopHashtagsHandler,
  port = 0,
): Promise<{ url: string; server: Server; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    const event = eventFromRequest(req);
    handler(event, lambdaContext).then(
      (result) => {
        res.writeHead(result.statusCode ?? 200, result.headers as Record<string, string>);
        res.end(result.body ?? '');
      },
      (error: unknown) => {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`handler threw: ${String(error)}`);
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function eventFromRequest(req: IncomingMessage): APIGatewayProxyEventV2 {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  const event = apiEvent(req.url ?? '/', { method: req.method ?? 'GET' });
  event.headers = headers;
  event.requestContext.http.userAgent = headers['user-agent'] ?? '';
  event.requestContext.http.sourceIp = req.socket.remoteAddress ?? '127.0.0.1';
  event.requestContext.domainName = headers.host ?? '127.0.0.1';
  return event;
}

function lowercaseKeys(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k.toLowerCase(), v]));
}
