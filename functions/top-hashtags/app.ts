/**
 * The HTTP API as a Lambda handler for API Gateway HTTP APIs (payload format 2.0), built from its
 * dependencies so that tests and the bench build the same handler on their own Redis prefix. The
 * cross-cutting parts are middleware (Lambda context in the logs, metrics, access log, ETag/304);
 * the body is one call into the router.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Logger } from '#lib/logger.ts';
import type { Metrics } from '#lib/metrics.ts';
import { accessLog } from './access-log.ts';
import type { ApiState } from './api-state.ts';
import { conditionalRequests } from './conditional.ts';
import { createRouter, routeOf } from './routes.ts';

export interface TopHashtagsDependencies {
  readonly state: ApiState;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Seconds between ISS polls (`ISS_POLL_INTERVAL`): the cache lifetime of `/iss/position`. */
  readonly issPollSeconds: number;
  /** Wall clock in epoch ms; injectable so tests can ask for "now" at a chosen instant. */
  readonly now?: () => number;
}

export type TopHashtagsHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * The Lambda handler. Never throws for an HTTP API event: Redis down or hung is a 503, anything
 * unexpected a 500 (logged with its stack; the caller only sees a message).
 */
export function createTopHashtagsHandler(deps: TopHashtagsDependencies): TopHashtagsHandler {
  const serve = createRouter({
    state: deps.state,
    logger: deps.logger,
    issPollSeconds: deps.issPollSeconds,
    now: deps.now ?? Date.now,
  });
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(logMetrics(deps.metrics))
    .use(accessLog({ logger: deps.logger, metrics: deps.metrics, routeOf }))
    .use(conditionalRequests())
    .handler((event, context) => serve(event, context));
}
