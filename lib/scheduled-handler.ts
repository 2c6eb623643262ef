/**
 * The middy chain of a function on an EventBridge schedule (the two producers): Lambda context and
 * the scheduled event's id and time on every log line, metrics flushed at the end of the invocation.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, ScheduledEvent } from 'aws-lambda';
import type { Logger } from './logger.ts';
import type { Metrics } from './metrics.ts';

export type ScheduledHandler<R> = (event: ScheduledEvent, context: Context) => Promise<R>;

/** `run` behind the logger and metrics middleware. */
export function createScheduledHandler<R>(
  observability: { readonly logger: Logger; readonly metrics: Metrics },
  run: ScheduledHandler<R>,
): ScheduledHandler<R> {
  const { logger, metrics } = observability;
  return middy<ScheduledEvent, R, Error, Context>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .handler((event, context) => {
      logger.appendKeys({ scheduledEventId: event.id, scheduledTime: event.time });
      return run(event, context);
    });
}
