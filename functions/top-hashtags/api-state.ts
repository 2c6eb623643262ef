/**
 * What the HTTP API reads, as a narrow interface over `state/`. The routes depend on this, not on
 * a Redis client; {@link redisApiState} binds it to the real state modules.
 */

import type { IssPosition } from '#contracts/iss-position.ts';
import type { RedisClient } from '#lib/redis.ts';
import { readIssPosition } from '#state/iss/index.ts';
import {
  type CounterStats,
  readCounterStats,
  readTopHashtags,
  readTrending,
  readWindowHistory,
  type TopHashtagsView,
  TrendingCache,
  type TrendingView,
  type WindowSettings,
} from '#state/windows/index.ts';
import type { TopHashtagsQuery } from './query.ts';

export type { CounterStats, TopHashtagsView, TrendingView } from '#state/windows/index.ts';

/** The number of hashtag occurrences counted in one tumbling window (epoch ms). */
export interface WindowTotal {
  readonly windowStart: number;
  readonly windowEnd: number;
  readonly total: number;
}

export interface IssTrack {
  readonly latest: IssPosition | null;
  readonly track: readonly IssPosition[];
}

/** Everything the routes read. Each call may throw when Redis is unreachable. */
export interface ApiState {
  readonly settings: WindowSettings;
  readonly topic: string;
  /** Without `at`, the current window in event time (the one holding the newest record seen). */
  topHashtags(query: TopHashtagsQuery): Promise<TopHashtagsView | TrendingView>;
  counterStats(): Promise<CounterStats>;
  /** The last `windows` tumbling windows up to the current one, newest last. */
  windowHistory(windows: number): Promise<readonly WindowTotal[]>;
  issPosition(): Promise<IssTrack>;
}

/** The API's state on a Redis connection (resolved lazily: the first request opens it). */
export function redisApiState(
  redis: () => Promise<RedisClient>,
  settings: WindowSettings,
  topic: string,
): ApiState {
  // Trending answers over complete windows do not change: one cache per container.
  const trending = new TrendingCache();
  return {
    settings,
    topic,
    topHashtags: async ({ view, limit, at, spanSeconds }) => {
      const client = await redis();
      const span = spanSeconds ?? settings.windowSeconds;
      const when = at === undefined ? {} : { at };
      return view === 'trending'
        ? readTrending(client, settings, { topic, limit, spanSeconds: span, ...when }, { cache: trending })
        : readTopHashtags(client, settings, { topic, view, limit, spanSeconds: span, ...when });
    },
    counterStats: async () => readCounterStats(await redis(), settings, topic),
    windowHistory: async (windows) => readWindowHistory(await redis(), settings, topic, windows),
    issPosition: async () => readIssPosition(await redis(), settings.keyPrefix),
  };
}
