/**
 * The access log and request metrics as middy middleware. Each request is one DEBUG line (off at
 * the default INFO, so the dashboard's and `npm start`'s polls do not fill the log; on AWS,
 * `POWERTOOLS_LOGGER_SAMPLE_RATE` turns DEBUG on for a share of invocations), and always the
 * metrics an operator alarms on. Failures log themselves once where they are mapped (responses.ts).
 */
import type { MiddlewareObj, Request } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Logger } from '#lib/logger.ts';
import { type Metrics, MetricUnit } from '#lib/metrics.ts';

type HttpRequest = Request<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>;

export interface AccessLogDependencies {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** The route's name for a path (the `route` dimension), `unknown` when none serves it. */
  readonly routeOf: (path: string) => string;
}

export function accessLog(
  deps: AccessLogDependencies,
): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  const started = new WeakMap<HttpRequest, number>();
  const record = (request: HttpRequest, status: number) => {
    const latencyMs = performance.now() - (started.get(request) ?? performance.now());
    const { event } = request;
    const path = event.rawPath ?? event.requestContext?.http?.path ?? '/';
    const route = deps.routeOf(path);
    deps.logger.debug('request served', {
      requestId: event.requestContext?.requestId,
      method: event.requestContext?.http?.method,
      path,
      query: event.rawQueryString || undefined,
      route,
      status,
      latencyMs: Math.round(latencyMs * 100) / 100,
    });
    // One dimension (route) keeps the metric count small; status classes are metrics of their own
    // so that an alarm can watch 5xx without a dimension filter.
    deps.metrics.addDimension('route', route);
    deps.metrics.addMetric('Requests', MetricUnit.Count, 1);
    deps.metrics.addMetric(`Status${Math.floor(status / 100)}xx`, MetricUnit.Count, 1);
    deps.metrics.addMetric('Latency', MetricUnit.Milliseconds, latencyMs);
  };
  return {
    before: (request) => {
      started.set(request, performance.now());
    },
    after: (request) => record(request, request.response?.statusCode ?? 200),
    // Only an event that is no HTTP API request gets here (the router answers every error it meets).
    onError: (request) => record(request, request.response?.statusCode ?? 500),
  };
}
