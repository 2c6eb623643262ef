/**
 * The archiver as a Lambda handler for Kafka events (MSK or self-managed), built from explicit
 * dependencies: tests and benches call {@link createArchiverHandler} with their own store, topics
 * and dead-letter sinks.
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, MSKEvent, SelfManagedKafkaEvent } from 'aws-lambda';
import { errorMessage } from '#lib/errors.ts';
import type { Logger } from '#lib/logger.ts';
import type { Metrics } from '#lib/metrics.ts';
import { type ArchiveOutcome, type ArchiverDependencies, archiveBatch } from './archive-batch.ts';
import { reportArchive } from './telemetry.ts';

export interface ArchiverAppDependencies extends ArchiverDependencies {
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** Wall clock, epoch ms (for the lag metric). */
  readonly now?: () => number;
}

export type ArchiverHandler = (
  event: MSKEvent | SelfManagedKafkaEvent,
  context: Context,
) => Promise<ArchiveOutcome>;

/**
 * Archives each batch (archive-batch.ts). A thrown error fails the batch and Lambda retries it
 * whole; the retry rewrites the same files. Resolves with the outcome (Lambda ignores it).
 */
export function createArchiverHandler(deps: ArchiverAppDependencies): ArchiverHandler {
  const now = deps.now ?? Date.now;
  return middy<MSKEvent | SelfManagedKafkaEvent, ArchiveOutcome>()
    .use(injectLambdaContext(deps.logger, { resetKeys: true }))
    .use(logMetrics(deps.metrics))
    .handler(async (event) => {
      const started = performance.now();
      try {
        const outcome = await archiveBatch(event, deps);
        reportArchive(deps.logger, deps.metrics, outcome, performance.now() - started, now());
        return outcome;
      } catch (error) {
        deps.logger.error('batch failed; Lambda will retry it whole', {
          error: errorMessage(error),
          lake: deps.store.location,
        });
        throw error;
      }
    });
}
