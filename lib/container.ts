/**
 * What one Lambda container sets up once, at module scope, and keeps across warm invocations: the
 * configuration, a logger and metrics for the function, and its clients (connected on first use).
 * A function's handler.ts is then only `lambdaContainer(name)` plus its own dependencies.
 */
import type { Context } from 'aws-lambda';
import { type AppConfig, loadConfig } from './config.ts';
import { closingAfterLocalInvoke } from './invoke-local.ts';
import { disconnectSharedProducer, getSharedProducer, type Producer } from './kafka.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics, type Metrics } from './metrics.ts';
import { type ContainerRedis, containerRedis } from './redis.ts';

type AsyncHandler<E, R> = (event: E, context: Context) => Promise<R>;

export interface LambdaContainer {
  readonly config: AppConfig;
  readonly logger: Logger;
  readonly metrics: Metrics;
  /** The Redis client, PINGed when first handed out. */
  readonly redis: ContainerRedis;
  /** The container's idempotent producer, connected on first use. */
  readonly producer: () => Promise<Producer>;
  /** `handler` as the export: under `serverless invoke local` the clients close after each invocation. */
  exported<E, R>(handler: AsyncHandler<E, R>): AsyncHandler<E, R>;
}

/**
 * The container of function `serviceName`, configured from the environment.
 * @throws ConfigError naming every invalid variable (at cold start, not in the middle of a batch).
 */
export function lambdaContainer(serviceName: string): LambdaContainer {
  const config = loadConfig();
  const logger = createLogger(serviceName, config.logLevel);
  const redis = containerRedis(config);
  const close = async () => {
    await Promise.all([redis.close(), disconnectSharedProducer()]);
  };
  return {
    config,
    logger,
    metrics: createMetrics(serviceName),
    redis,
    producer: () => getSharedProducer(config, logger),
    exported: (handler) => closingAfterLocalInvoke(config.invokeLocal, handler, close),
  };
}
