/**
 * Builds the poller's sources from the configuration, in order of preference: the primary API
 * (ISS_API_URL, open-notify's response shape), the fallback API (ISS_FALLBACK_API_URL,
 * wheretheiss.at's shape), then SGP4 propagation (offline).
 */
import type { AppConfig } from '#lib/config.ts';
import type { Logger } from '#lib/logger.ts';
import {
  createApiSource,
  DEFAULT_RESILIENCE,
  type IssSource,
  type RejectionListener,
  type SourceHealthListener,
  sourceHealth,
} from './api-sources.ts';
import { createOrbitSource, fetchTle, OrbitPropagator, tleEpoch } from './orbit.ts';

/**
 * `onRejected` hears of every rejected response (for the metric); `onHealth`, when given, only of
 * a source going down and coming back (for the log: once each, not every poll).
 */
export function createIssSources(
  config: AppConfig,
  onRejected: RejectionListener,
  onHealth?: SourceHealthListener,
): { sources: IssSource[]; propagator: OrbitPropagator } {
  const health = onHealth ? sourceHealth(onHealth) : undefined;
  const resilience = { ...DEFAULT_RESILIENCE, timeoutMs: config.iss.requestTimeoutSeconds * 1000 };
  const propagator = new OrbitPropagator();
  // ISS_API_URL answers in open-notify's shape, ISS_FALLBACK_API_URL in wheretheiss.at's.
  const sources: IssSource[] = [
    createApiSource('open-notify', config.iss.apiUrl, resilience, onRejected, health),
  ];
  if (config.iss.fallbackApiUrl) {
    sources.push(createApiSource('wheretheiss', config.iss.fallbackApiUrl, resilience, onRejected, health));
  }
  if (config.iss.sgp4Fallback) sources.push(createOrbitSource(propagator));
  return { sources, propagator };
}

const TLE_REFRESH_MS = 12 * 3600 * 1000;
let lastRefreshAttempt = 0;

/**
 * Fetches a fresher TLE in the background (at most every 12 h per container) and switches the
 * propagator to it; never delays a poll. Failures leave the current TLE in place.
 */
export function refreshTle(config: AppConfig, propagator: OrbitPropagator, logger: Logger): void {
  const url = config.iss.tleUrl;
  if (!url || !config.iss.sgp4Fallback || Date.now() - lastRefreshAttempt < TLE_REFRESH_MS) return;
  lastRefreshAttempt = Date.now();
  fetchTle(url, config.iss.requestTimeoutSeconds * 1000).then(
    (tle) => {
      if (tleEpoch(tle) > tleEpoch(propagator.tle)) propagator.use(tle);
      logger.info('TLE refreshed', { url, epoch: tleEpoch(propagator.tle).toISOString() });
    },
    (error: unknown) =>
      logger.warn('TLE refresh failed; propagating the current TLE', {
        url,
        epoch: tleEpoch(propagator.tle).toISOString(),
        // SGP4 drifts by kilometres a day from the epoch: the age says how far to trust sgp4 positions.
        ageDays: Math.floor((Date.now() - tleEpoch(propagator.tle).getTime()) / 86_400_000),
        error: error instanceof Error ? error.message : String(error),
      }),
  );
}
