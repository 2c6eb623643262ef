/**
 * The routes of the API: which path serves what, and how each turns state into a response.
 * Plain functions of (request, state, clock): no Lambda, no Redis client.
 */
import type { ApiState, IssTrack, WindowRanking, WindowTotal } from './api-state.ts';
import { DASHBOARD_CSP, DASHBOARD_HTML } from './dashboard/page.ts';
import {
  parseHistoryQuery,
  parseNoQuery,
  parseTopHashtagsQuery,
  type QueryBounds,
  type RawQuery,
} from './query.ts';
import { badRequest, type HttpResponse, htmlResponse, jsonResponse, problemResponse } from './responses.ts';

/** What a route needs to know about the request. */
export interface ApiRequest {
  readonly method: string;
  readonly path: string;
  readonly query: RawQuery;
}

export interface RouteContext {
  readonly state: ApiState;
  readonly nowMs: number;
  /** Seconds between ISS polls: how long a position stays the latest one. */
  readonly issPollSeconds: number;
}

export type RouteName = 'dashboard' | 'top-hashtags' | 'history' | 'iss-position';

interface Route {
  readonly name: RouteName;
  readonly path: string;
  readonly serve: (request: ApiRequest, context: RouteContext) => Promise<HttpResponse>;
}

/** The body of `GET /top-hashtags` (documented in openapi/openapi.yaml). */
export interface TopHashtagsBody {
  readonly topic: string;
  readonly view: 'tumbling' | 'sliding';
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly complete: boolean;
  readonly watermark: string | null;
  readonly hashtags: WindowRanking['hashtags'];
  readonly totals: WindowRanking['totals'];
  readonly stats: { accepted: number; late: number; duplicate: number; rejected: number };
}

/** Shapes a ranking and the counter's statistics as the API shows them (ISO 8601 times). */
export function topHashtagsBody(
  topic: string,
  ranking: WindowRanking,
  stats: TopHashtagsBody['stats'],
): TopHashtagsBody {
  return {
    topic,
    view: ranking.view,
    windowStart: iso(ranking.windowStart),
    windowEnd: iso(ranking.windowEnd),
    complete: ranking.complete,
    watermark: ranking.watermark === null ? null : iso(ranking.watermark),
    hashtags: ranking.hashtags.map(({ rank, hashtag, count }) => ({ rank, hashtag, count })),
    totals: { hashtags: ranking.totals.hashtags, count: ranking.totals.count },
    stats: {
      accepted: stats.accepted,
      late: stats.late,
      duplicate: stats.duplicate,
      rejected: stats.rejected,
    },
  };
}

export function historyBody(
  topic: string,
  windowSeconds: number,
  history: readonly WindowTotal[],
): {
  topic: string;
  windowSeconds: number;
  windows: { windowStart: string; windowEnd: string; total: number }[];
} {
  return {
    topic,
    windowSeconds,
    windows: history.map((w) => ({
      windowStart: iso(w.windowStart),
      windowEnd: iso(w.windowEnd),
      total: w.total,
    })),
  };
}

export function issPositionBody(track: IssTrack): {
  latest: IssPositionOut | null;
  track: IssPositionOut[];
} {
  return {
    latest: track.latest ? issPositionOut(track.latest) : null,
    track: track.track.map(issPositionOut),
  };
}

interface IssPositionOut {
  latitude: number;
  longitude: number;
  timestamp: string;
  source: string;
}

function issPositionOut(p: IssTrack['track'][number]): IssPositionOut {
  return {
    latitude: p.latitude,
    longitude: p.longitude,
    timestamp: iso(p.timestamp * 1000),
    source: p.source,
  };
}

/**
 * Live counts change with every batch and the sliding view moves every slide (10 s by default):
 * a cache may keep a response until the next slide boundary, never across it.
 */
export function liveCacheControl(nowMs: number, slideSeconds: number): string {
  const slideMs = slideSeconds * 1000;
  const untilNextSlide = Math.max(1, Math.ceil((slideMs - (nowMs % slideMs)) / 1000));
  return `public, max-age=${untilNextSlide}`;
}

const bounds = (context: RouteContext): QueryBounds => ({
  nowMs: context.nowMs,
  retentionSeconds: context.state.settings.retentionSeconds,
  windowSeconds: context.state.settings.windowSeconds,
});

const ROUTES: readonly Route[] = [
  {
    name: 'dashboard',
    path: '/',
    // The page ignores its query string: links with tracking parameters must still open it.
    serve: async () => htmlResponse(DASHBOARD_HTML, 'public, max-age=300', DASHBOARD_CSP),
  },
  {
    name: 'top-hashtags',
    path: '/top-hashtags',
    serve: async (request, context) => {
      const query = parseTopHashtagsQuery(request.query, bounds(context));
      if (!query.ok) return badRequest(query.problems);
      const { state, nowMs } = context;
      const [ranking, stats] = await Promise.all([state.topHashtags(query.value), state.counterStats()]);
      return jsonResponse(
        200,
        topHashtagsBody(state.topic, ranking, stats),
        liveCacheControl(nowMs, state.settings.slideSeconds),
      );
    },
  },
  {
    name: 'history',
    path: '/top-hashtags/history',
    serve: async (request, context) => {
      const query = parseHistoryQuery(request.query, bounds(context));
      if (!query.ok) return badRequest(query.problems);
      const { state, nowMs } = context;
      const history = await state.windowHistory(query.value.windows);
      return jsonResponse(
        200,
        historyBody(state.topic, state.settings.windowSeconds, history),
        liveCacheControl(nowMs, state.settings.slideSeconds),
      );
    },
  },
  {
    name: 'iss-position',
    path: '/iss/position',
    serve: async (request, context) => {
      const query = parseNoQuery(request.query);
      if (!query.ok) return badRequest(query.problems);
      const track = await context.state.issPosition();
      return jsonResponse(
        200,
        issPositionBody(track),
        `public, max-age=${Math.ceil(context.issPollSeconds)}`,
      );
    },
  },
];

/** The route for a path, ignoring one trailing slash; `undefined` when none serves it. */
export function findRoute(path: string): Route | undefined {
  const normalised = path.length > 1 ? path.replace(/\/$/, '') : path;
  return ROUTES.find((route) => route.path === normalised);
}

/** Every path the API serves, for 404 messages and tests. */
export const ROUTE_PATHS: readonly string[] = ROUTES.map((route) => route.path);

/**
 * Answers one request. Only `GET` (and `HEAD`, answered like `GET` without a body by the caller)
 * is served; anything else on a known path is 405 with `Allow`, an unknown path is 404.
 */
export async function serve(
  request: ApiRequest,
  context: RouteContext,
): Promise<{ route: RouteName | 'unknown'; response: HttpResponse }> {
  const route = findRoute(request.path);
  if (!route) {
    return {
      route: 'unknown',
      response: problemResponse(
        404,
        'Not Found',
        `No route serves ${request.path}. Routes: ${ROUTE_PATHS.map((p) => `GET ${p}`).join(', ')}.`,
      ),
    };
  }
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return {
      route: route.name,
      response: problemResponse(405, 'Method Not Allowed', `${route.path} only answers GET.`, {
        headers: { allow: 'GET, HEAD' },
      }),
    };
  }
  return { route: route.name, response: await route.serve(request, context) };
}

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
