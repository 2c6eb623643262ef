/**
 * The JSON bodies of the API (documented in openapi/openapi.yaml) and their cache lifetimes: state
 * as the routes read it, shaped for callers (ISO 8601 instants, no internal fields).
 */
import type { IssTrack, TopHashtagsView, TrendingView, WindowTotal } from './api-state.ts';

/** The body of `GET /top-hashtags` (documented in openapi/openapi.yaml). */
export interface TopHashtagsBody {
  readonly topic: string;
  readonly view: 'tumbling' | 'sliding' | 'trending';
  readonly spanSeconds: number;
  readonly windowStart: string;
  readonly windowEnd: string;
  readonly complete: boolean;
  readonly watermark: string | null;
  readonly hashtags: TopHashtagsView['hashtags'] | TrendingView['hashtags'];
  readonly totals: TopHashtagsView['totals'];
  readonly stats: { accepted: number; late: number; duplicate: number; rejected: number };
  /** Trending only: the spans the scored one is compared with. */
  readonly baseline?: { windowStart: string; windowEnd: string; spans: number; spansWithData: number };
}

/** Shapes a ranking and the counter's statistics as the API shows them (ISO 8601 times). */
export function topHashtagsBody(
  topic: string,
  ranking: TopHashtagsView | TrendingView,
  stats: TopHashtagsBody['stats'],
): TopHashtagsBody {
  return {
    topic,
    view: ranking.view,
    spanSeconds: ranking.spanSeconds,
    windowStart: iso(ranking.windowStart),
    windowEnd: iso(ranking.windowEnd),
    complete: ranking.complete,
    watermark: ranking.watermark === null ? null : iso(ranking.watermark),
    ...(ranking.view === 'trending'
      ? {
          baseline: {
            windowStart: iso(ranking.baseline.windowStart),
            windowEnd: iso(ranking.windowStart),
            spans: ranking.baseline.spans,
            spansWithData: ranking.baseline.spansWithData,
          },
          hashtags: ranking.hashtags.map(({ rank, hashtag, count, baseline, score, recent }) => ({
            rank,
            hashtag,
            count,
            baseline,
            score,
            recent,
          })),
        }
      : { hashtags: ranking.hashtags.map(({ rank, hashtag, count }) => ({ rank, hashtag, count })) }),
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

function iso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}
