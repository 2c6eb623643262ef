/**
 * The counter as a Lambda handler for a Kafka event source mapping (MSK or self-managed), built
 * from explicit dependencies: handler.ts passes the container's clients, tests and benches their own.
 * A thrown error fails the batch and Lambda retries it whole; the offset guard in Redis makes the
 * retry exact. A partition whose state Redis has lost is rebuilt from Kafka first (`deps.log`).
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
import { type CounterDependencies, countBatch } from './count-batch.ts';
import { reportRestores } from './restore-telemetry.ts';
import { batchContext, reportBatch } from './telemetry.ts';

export interface HashtagCounterDependencies extends Omit<CounterDependencies, 'redis' | 'logger'> {
  /** The Redis client, connected; asked once per batch. */
  readonly redis: () => Promise<RedisClient>;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

export type HashtagCounterHandler = (event: KafkaEvent, context: Context) => Promise<void>;

export function createHashtagCounterHandler(deps: HashtagCounterDependencies): HashtagCounterHandler {
  const { logger, metrics } = deps;
  return middy<KafkaEvent, void, Error, Context>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics))
    .handler(async (event) => {
      const context = batchContext(event);
      logger.appendKeys({ batch: context });
      const started = performance.now();
      try {
        const outcome = await countBatch(event, { ...deps, redis: await deps.redis() });
        reportRestores(logger, metrics, outcome.restored);
        reportBatch(logger, metrics, context.records, outcome, performance.now() - started);
      } catch (error) {
        logger.error('batch failed; Lambda will retry it whole', { error: errorMessage(error) });
        throw error;
      }
    });
}
