/**
 * `iss-poller` (EventBridge schedule, rate(1 minute)): polls the ISS position every
 * ISS_POLL_INTERVAL seconds for the length of the invocation and publishes every new valid
 * position to the ISS topic (app.ts). Wiring only: the container's config and clients, the
 * sources (their circuit breakers survive warm invocations), the handler.
 */
import { lambdaContainer } from '#lib/container.ts';
import { createIssPollerHandler } from './app.ts';
import { createIssSources, refreshTle } from './iss-sources.ts';
import { kafkaPositionSinks } from './position-sinks.ts';
import { rejectionReporter } from './telemetry.ts';

const { config, logger, metrics, producer, exported } = lambdaContainer('iss-poller');
const { sources, propagator } = createIssSources(config, rejectionReporter(logger, metrics));

export const handler = exported(
  createIssPollerHandler({
    sources,
    positions: kafkaPositionSinks({ producer, topic: config.topics.iss }),
    polling: config.iss,
    beforePoll: () => refreshTle(config, propagator, logger),
    logger,
    metrics,
  }),
);
