/**
 * The poller as a Lambda handler for its EventBridge schedule, built from explicit dependencies:
 * handler.ts passes the container's sources and clients, tests their own.
 */
import type { Clock } from '#lib/clock.ts';
import { systemClock } from '#lib/clock.ts';
import type { AppConfig } from '#lib/config.ts';
import type { Logger } from '#lib/logger.ts';
import type { Metrics } from '#lib/metrics.ts';
import { createScheduledHandler, type ScheduledHandler } from '#lib/scheduled-handler.ts';
import type { IssSource } from './api-sources.ts';
import { type PollSummary, pollIss } from './poller.ts';
import type { PositionSinks } from './position-sinks.ts';
import { pollEventReporter, reportPolling } from './telemetry.ts';

export interface IssPollerDependencies {
  /** In order of preference, the offline source last; created once per container (circuit state). */
  readonly sources: readonly IssSource[];
  /** Opens the invocation's sinks (see position-sinks.ts). */
  readonly positions: () => Promise<PositionSinks>;
  readonly polling: Pick<
    AppConfig['iss'],
    'pollIntervalSeconds' | 'pollDurationSeconds' | 'requestTimeoutSeconds'
  >;
  /** Called at the start of every invocation (a background TLE refresh). */
  readonly beforePoll?: () => void;
  readonly clock?: Clock;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

// Kept free at the end of the invocation for the last publish and the return.
const SAFETY_MARGIN_MS = 2000;

/** Polls for the length of the invocation and publishes every new valid position. */
export function createIssPollerHandler(deps: IssPollerDependencies): ScheduledHandler<PollSummary> {
  const { logger, metrics, polling } = deps;
  const onEvent = pollEventReporter(logger, metrics);
  return createScheduledHandler(deps, async (_event, context) => {
    deps.beforePoll?.();
    const sinks = await deps.positions();
    const summary = await pollIss(
      {
        intervalMs: polling.pollIntervalSeconds * 1000,
        pollDurationMs: polling.pollDurationSeconds * 1000,
        remainingMs: context.getRemainingTimeInMillis(),
        safetyMarginMs: SAFETY_MARGIN_MS,
        pollBudgetMs: Math.max(polling.pollIntervalSeconds, polling.requestTimeoutSeconds) * 1000,
      },
      { sources: deps.sources, clock: deps.clock ?? systemClock, ...sinks, onEvent },
    );
    reportPolling(logger, metrics, summary);
    return summary;
  });
}
