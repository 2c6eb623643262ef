/**
 * The routes of the API on the Powertools HTTP router (API Gateway HTTP API, payload 2.0): which
 * path serves what, 404 and 405 as problem details, and every error a route throws mapped to one.
 * Route bodies are plain functions of (query, state, clock): no Lambda, no Redis client.
 * https://docs.powertools.aws.dev/lambda/typescript/latest/features/event-handler/http/
 */
import { isAPIGatewayProxyEventV2, NotFoundError, Router } from '@aws-lambda-powertools/event-handler/http';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { Logger } from '#lib/logger.ts';
import type { ApiState } from './api-state.ts';
import { historyBody, issPositionBody, liveCacheControl, topHashtagsBody } from './bodies.ts';
import { DASHBOARD_CSP, DASHBOARD_HTML } from './dashboard/page.ts';
import {
  parseHistoryQuery,
  parseNoQuery,
  parseTopHashtagsQuery,
  type QueryBounds,
  type QueryResult,
  type RawQuery,
  rawQuery,
} from './query.ts';
import {
  badRequest,
  failureResponse,
  type HttpResponse,
  htmlResponse,
  jsonResponse,
  problemResponse,
} from './responses.ts';

export interface RouteContext {
  readonly state: ApiState;
  readonly nowMs: number;
  /** Seconds between ISS polls: how long a position stays the latest one. */
  readonly issPollSeconds: number;
}

type Serve = (query: RawQuery, context: RouteContext) => Promise<HttpResponse>;

const bounds = ({ nowMs, state }: RouteContext): QueryBounds => ({
  nowMs,
  retentionSeconds: state.settings.retentionSeconds,
  windowSeconds: state.settings.windowSeconds,
});

/**
 * A live JSON route: its query parsed against the bounds (a bad one is a 400 with the problems),
 * its body cacheable until the next slide of the windows.
 */
function liveRoute<Q>(
  parse: (raw: RawQuery, bounds: QueryBounds) => QueryResult<Q>,
  body: (query: Q, state: ApiState) => Promise<unknown>,
): Serve {
  return async (raw, context) => {
    const query = parse(raw, bounds(context));
    if (!query.ok) return badRequest(query.problems);
    const { state, nowMs } = context;
    return jsonResponse(
      200,
      await body(query.value, state),
      liveCacheControl(nowMs, state.settings.slideSeconds),
    );
  };
}

/** Path → route name (the metrics' `route` dimension) and what it serves. */
const ROUTES: ReadonlyArray<readonly [path: `/${string}`, name: string, serve: Serve]> = [
  // The page ignores its query string: links with tracking parameters must still open it.
  ['/', 'dashboard', async () => htmlResponse(DASHBOARD_HTML, 'public, max-age=300', DASHBOARD_CSP)],
  [
    '/top-hashtags',
    'top-hashtags',
    liveRoute(parseTopHashtagsQuery, async (query, state) => {
      const [ranking, stats] = await Promise.all([state.topHashtags(query), state.counterStats()]);
      return topHashtagsBody(state.topic, ranking, stats);
    }),
  ],
  [
    '/top-hashtags/history',
    'history',
    liveRoute(parseHistoryQuery, async (query, state) =>
      historyBody(state.topic, state.settings.windowSeconds, await state.windowHistory(query.windows)),
    ),
  ],
  [
    '/iss/position',
    'iss-position',
    async (raw, context) => {
      const query = parseNoQuery(raw);
      if (!query.ok) return badRequest(query.problems);
      const body = issPositionBody(await context.state.issPosition());
      return jsonResponse(200, body, `public, max-age=${Math.ceil(context.issPollSeconds)}`);
    },
  ],
];

/** Every path the API serves, for 404 messages and tests. */
export const ROUTE_PATHS: readonly string[] = ROUTES.map(([path]) => path);

const NAMES = new Map<string, string>(ROUTES.map(([path, name]) => [path, name]));

/** The route name for a path, matched as the router matches it (trailing slashes ignored), or `unknown`. */
export function routeOf(path: string): string {
  return NAMES.get(routePath(path)) ?? 'unknown';
}

const routePath = (path: string) => (path === '/' ? path : path.replace(/\/+$/, ''));

export interface RouterDependencies {
  readonly state: ApiState;
  readonly logger: Logger;
  readonly issPollSeconds: number;
  readonly now: () => number;
}

export type ServeRequest = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

/**
 * The API as one function of (event, context). Only `GET` and `HEAD` are served (HEAD's body is
 * dropped by the conditional-request middleware); another method on a known path is a 405 with
 * `Allow`, an unknown path a 404: the router itself answers both with a bare 404.
 */
export function createRouter(deps: RouterDependencies): ServeRequest {
  const router = new Router({ logger: deps.logger });
  for (const [path, , serve] of ROUTES) {
    router.route(
      async ({ req }) =>
        serve(rawQuery(new URL(req.url).search.slice(1), undefined), {
          state: deps.state,
          nowMs: deps.now(),
          issPollSeconds: deps.issPollSeconds,
        }),
      { method: ['GET', 'HEAD'], path },
    );
  }
  router.errorHandler(NotFoundError, async (_error, { req }) => {
    const path = new URL(req.url).pathname;
    if (routeOf(path) === 'unknown') {
      const routes = ROUTE_PATHS.map((p) => `GET ${p}`).join(', ');
      return problemResponse(404, 'Not Found', `No route serves ${path}. Routes: ${routes}.`);
    }
    return problemResponse(405, 'Method Not Allowed', `${routePath(path)} only answers GET.`, {
      headers: { allow: 'GET, HEAD' },
    });
  });
  router.errorHandler(Error, async (error) => failureResponse(error, deps.logger));
  return (event, context) => router.resolve(routable(event), context);
}

/**
 * The event as the router can take it. The router builds a Web `Request`, which refuses a body on
 * GET and HEAD (API Gateway passes one on; serverless offline sends `body: null`, which the router
 * does not recognise as an HTTP API event) and a URL from the caller's Host and X-Forwarded-Proto
 * (a malformed one would throw before any route). The API reads neither: the body stays out, and
 * the URL gets a fixed origin (only its path and query are read).
 */
function routable(event: APIGatewayProxyEventV2): APIGatewayProxyEventV2 {
  const { body: _unread, ...rest } = event;
  const headers = { ...event.headers, host: 'localhost', 'x-forwarded-proto': 'https' };
  // serverless offline sends null where API Gateway leaves a field out; the router's guard wants it absent.
  const absent = <T>(v: T | null | undefined): T | undefined => v ?? undefined;
  const routed: APIGatewayProxyEventV2 = {
    ...rest,
    headers,
    isBase64Encoded: false,
    pathParameters: absent(event.pathParameters),
    queryStringParameters: absent(event.queryStringParameters),
    stageVariables: absent(event.stageVariables),
    cookies: absent(event.cookies),
  };
  if (!isAPIGatewayProxyEventV2(routed)) {
    throw new TypeError(
      'top-hashtags takes an API Gateway HTTP API event (payload format 2.0), such as tests/fixtures/http-api/get-top-hashtags.json',
    );
  }
  return routed;
}
