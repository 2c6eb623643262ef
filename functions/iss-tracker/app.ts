/**
 * `iss-tracker` as a Lambda handler for a Kafka event source mapping (MSK or self-managed), built
 * from explicit dependencies: handler.ts passes the container's clients, tests their own.
 * A thrown error fails the batch and Lambda retries it whole; the offset guard in Redis makes the
 * retry exact. A partition whose state Redis has lost gets its track back from Kafka first (`deps.log`).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { errorMessage } from '#lib/errors.ts';
import type { KafkaEvent } from '#lib/kafka-event.ts';
import type { Logger } from '#lib/logger.ts';
import type { Metrics } from '#lib/metrics.ts';
import type { RedisClient } from '#lib/redis.ts';
import { reportRestores, reportTracking } from './telemetry.ts';
import { type TrackerDependencies, type TrackOutcome, trackBatch } from './track-batch.ts';

export interface IssTrackerDependencies extends Omit<TrackerDependencies, 'redis'> {
  /** The Redis client, connected; asked once per batch. */
  readonly redis: () => Promise<RedisClient>;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Wall clock, epoch ms (for the lag metric). */
  readonly now?: () => number;
}

export type IssTrackerHandler = (event: KafkaEvent, context: Context) => Promise<TrackOutcome>;

/** Applies each batch of positions to Redis (track-batch.ts). Resolves with the outcome (Lambda ignores it). */
export function createIssTrackerHandler(deps: IssTrackerDependencies): IssTrackerHandler {
  const { logger, metrics } = deps;
  const now = deps.now ?? Date.now;
  return middy<KafkaEvent, TrackOutcome, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (event) => {
      const started = performance.now();
      try {
        const outcome = await trackBatch(event, { ...deps, redis: await deps.redis() });
        reportRestores(logger, metrics, outcome.restored);
        reportTracking(logger, metrics, outcome, performance.now() - started, now());
        return outcome;
      } catch (error) {
        logger.error('batch failed; Lambda will retry it whole', { error: errorMessage(error) });
        throw error;
      }
    });
}
