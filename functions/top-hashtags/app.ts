/**
 * The HTTP API as a Lambda handler for API Gateway HTTP APIs (payload format 2.0): request in,
 * route, conditional response, one access log line and the request metrics. Dependencies come
 * in, so tests and the bench build the same handler on their own Redis prefix.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { errorMessage } from '#lib/errors.ts';
import type { Logger } from '#lib/logger.ts';
import { type Metrics, MetricUnit } from '#lib/metrics.ts';
import { isRedisConnectionError } from '#lib/redis.ts';
import type { ApiState } from './api-state.ts';
import { rawQuery } from './query.ts';
import { conditional, type HttpResponse, problemResponse } from './responses.ts';
import { serve } from './routes.ts';

export interface HttpApiDependencies {
  readonly state: ApiState;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Seconds between ISS polls (`ISS_POLL_INTERVAL`): the cache lifetime of `/iss/position`. */
  readonly issPollSeconds: number;
  /** Wall clock in epoch ms; injectable so tests can ask for "now" at a chosen instant. */
  readonly now?: () => number;
}

export type HttpApiHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/** Seconds a client should wait before retrying while Redis is down. */
const RETRY_AFTER_SECONDS = 5;

/**
 * Answers one API Gateway v2 event. Never throws: Redis down is a 503, anything unexpected a 500
 * (logged with its stack; the caller only sees a message).
 */
export async function answer(
  event: APIGatewayProxyEventV2,
  deps: HttpApiDependencies,
): Promise<APIGatewayProxyStructuredResultV2> {
  const started = performance.now();
  const method = event.requestContext?.http?.method ?? 'GET';
  const path = event.rawPath ?? event.requestContext?.http?.path ?? '/';
  const nowMs = (deps.now ?? Date.now)();
  let route = 'unknown';
  let response: HttpResponse;
  try {
    const served = await serve(
      { method, path, query: rawQuery(event.rawQueryString, event.queryStringParameters) },
      { state: deps.state, nowMs, issPollSeconds: deps.issPollSeconds },
    );
    route = served.route;
    response = conditional(served.response, header(event, 'if-none-match'));
  } catch (error) {
    response = failureResponse(error, deps.logger);
  }
  const latencyMs = performance.now() - started;
  recordRequest(deps, { method, path, route, status: response.statusCode, latencyMs, event });
  return {
    statusCode: response.statusCode,
    headers: { ...response.headers },
    body: method === 'HEAD' ? '' : response.body,
  };
}

/** The Lambda handler: {@link answer} wrapped in the Powertools logger and metrics middleware. */
export function createHttpHandler(deps: HttpApiDependencies): HttpApiHandler {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(logMetrics(deps.metrics))
    .handler((event) => answer(event, deps));
}

function failureResponse(error: unknown, logger: Logger): HttpResponse {
  if (isRedisConnectionError(error)) {
    logger.error('Redis is unreachable; answering 503', { error: errorMessage(error) });
    return problemResponse(
      503,
      'Service Unavailable',
      `The hashtag counts are stored in Redis, which cannot be reached right now. Try again in ${RETRY_AFTER_SECONDS} seconds.`,
      { headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } },
    );
  }
  logger.error('Unexpected error while answering a request', error instanceof Error ? error : String(error));
  return problemResponse(
    500,
    'Internal Server Error',
    'The request could not be answered; it has been logged.',
  );
}

function recordRequest(
  deps: HttpApiDependencies,
  r: {
    method: string;
    path: string;
    route: string;
    status: number;
    latencyMs: number;
    event: APIGatewayProxyEventV2;
  },
): void {
  const statusClass = `${Math.floor(r.status / 100)}xx`;
  const fields = {
    requestId: r.event.requestContext?.requestId,
    method: r.method,
    path: r.path,
    query: r.event.rawQueryString || undefined,
    route: r.route,
    status: r.status,
    latencyMs: Math.round(r.latencyMs * 100) / 100,
    userAgent: header(r.event, 'user-agent'),
  };
  if (r.status >= 500) deps.logger.warn('request failed', fields);
  else deps.logger.info('request served', fields);

  // One dimension (route) keeps the metric count small; status classes are metrics of their own
  // so that an alarm can watch 5xx without a dimension filter.
  deps.metrics.addDimension('route', r.route);
  deps.metrics.addMetric('Requests', MetricUnit.Count, 1);
  deps.metrics.addMetric(`Status${statusClass}`, MetricUnit.Count, 1);
  deps.metrics.addMetric('Latency', MetricUnit.Milliseconds, r.latencyMs);
}

/** Header lookup: API Gateway v2 lowercases names, other sources may not. */
function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const headers = event.headers ?? {};
  return headers[name] ?? Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
}
