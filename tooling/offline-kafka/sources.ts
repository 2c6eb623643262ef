/**
 * The Kafka event source mappings declared in serverless.yml (`kafka` and `msk` events), read from
 * the resolved service definition: the one list of functions, topics and batching settings.
 * Values are validated with AWS's limits and defaults; a bad event fails with every problem named.
 */
// https://www.serverless.com/framework/docs/providers/aws/events/kafka and .../events/msk
import { z } from 'zod';
import { AWS_KAFKA_LIMITS } from './batching.ts';

export type StartingPosition = 'LATEST' | 'TRIM_HORIZON' | 'AT_TIMESTAMP';

export interface EventSourceMapping {
  /** The function's key in serverless.yml. */
  readonly functionKey: string;
  /** The deployed (and serverless-offline) function name, `<service>-<stage>-<key>`. */
  readonly functionName: string;
  readonly kind: 'kafka' | 'msk';
  readonly topic: string;
  readonly bootstrapServers: readonly string[];
  /** MSK events only: the cluster ARN that the event reports as `eventSourceArn`. */
  readonly clusterArn: string | undefined;
  readonly batchSize: number;
  readonly batchingWindowMs: number;
  readonly startingPosition: StartingPosition;
  /** Epoch seconds, for AT_TIMESTAMP. */
  readonly startingPositionTimestamp: number | undefined;
  readonly consumerGroupId: string;
  /** The function's timeout: an invocation still running after it counts as failed. */
  readonly timeoutSeconds: number;
}

/** The parts of the resolved serverless service this module reads. */
export interface ServiceView {
  getAllFunctions(): string[];
  getFunction(key: string): {
    name?: string;
    timeout?: number | string;
    environment?: Record<string, unknown>;
  };
  getAllEventsInFunction(key: string): Array<Record<string, unknown>>;
}

export interface SourceDefaults {
  /** Brokers for `msk` events, which name a cluster ARN rather than brokers (locally: KAFKA_BROKERS). */
  readonly localBrokers: readonly string[];
  /** provider.timeout, for functions without their own (AWS's default is 3 s, osls's 6 s). */
  readonly providerTimeoutSeconds?: number;
}

export class EventSourceConfigError extends Error {
  override name = 'EventSourceConfigError';
}

const brokers = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((b) => b.trim()).filter((b) => b !== ''))
  .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'each broker must be host:port')).min(1));

const common = {
  topic: z.string().min(1),
  batchSize: z.coerce
    .number()
    .int()
    .min(1)
    .max(AWS_KAFKA_LIMITS.maxBatchSize, `at most ${AWS_KAFKA_LIMITS.maxBatchSize} (AWS's limit)`)
    .default(AWS_KAFKA_LIMITS.defaultBatchSize),
  // serverless.yml gives the window in seconds.
  maximumBatchingWindow: z.coerce
    .number()
    .min(0)
    .max(AWS_KAFKA_LIMITS.maxBatchingWindowMs / 1000)
    .optional(),
  startingPosition: z.enum(['LATEST', 'TRIM_HORIZON', 'AT_TIMESTAMP']).default('TRIM_HORIZON'),
  startingPositionTimestamp: z.coerce.number().nonnegative().optional(),
  consumerGroupId: z.string().min(1).optional(),
  enabled: z.union([z.boolean(), z.enum(['true', 'false'])]).optional(),
};

const kafkaEvent = z.object({ ...common, bootstrapServers: brokers });
const mskEvent = z.object({ ...common, arn: z.string().min(1) });

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(event)'}: ${i.message}`).join('; ');
}

/** Every enabled `kafka`/`msk` event of the service, validated. */
export function eventSourceMappings(
  service: ServiceView,
  serviceName: string,
  stage: string,
  defaults: SourceDefaults,
): EventSourceMapping[] {
  const mappings: EventSourceMapping[] = [];
  const problems: string[] = [];
  for (const functionKey of service.getAllFunctions()) {
    const fn = service.getFunction(functionKey);
    const functionName = fn.name ?? `${serviceName}-${stage}-${functionKey}`;
    service.getAllEventsInFunction(functionKey).forEach((event, index) => {
      const kind = 'kafka' in event ? 'kafka' : 'msk' in event ? 'msk' : undefined;
      if (!kind) return;
      const where = `functions.${functionKey}.events[${index}].${kind}`;
      const parsed = kind === 'kafka' ? kafkaEvent.safeParse(event.kafka) : mskEvent.safeParse(event[kind]);
      if (!parsed.success) {
        problems.push(`${where}: ${describe(parsed.error)}`);
        return;
      }
      const e = parsed.data;
      if (e.enabled === false || e.enabled === 'false') return;
      if (e.startingPosition === 'AT_TIMESTAMP' && e.startingPositionTimestamp === undefined) {
        problems.push(`${where}: startingPositionTimestamp is required with AT_TIMESTAMP`);
        return;
      }
      mappings.push({
        functionKey,
        functionName,
        kind,
        topic: e.topic,
        bootstrapServers: 'bootstrapServers' in e ? e.bootstrapServers : defaults.localBrokers,
        clusterArn: 'arn' in e ? e.arn : undefined,
        batchSize: e.batchSize,
        batchingWindowMs:
          e.maximumBatchingWindow === undefined
            ? AWS_KAFKA_LIMITS.defaultBatchingWindowMs
            : Math.round(e.maximumBatchingWindow * 1000),
        startingPosition: e.startingPosition,
        startingPositionTimestamp: e.startingPositionTimestamp,
        // AWS names the group after the mapping's UUID when none is given; locally the function name is stable.
        consumerGroupId: e.consumerGroupId ?? functionName,
        timeoutSeconds: Number(fn.timeout ?? defaults.providerTimeoutSeconds ?? 6),
      });
    });
  }
  if (problems.length > 0) {
    throw new EventSourceConfigError(
      `Invalid Kafka event(s) in serverless.yml:\n  - ${problems.join('\n  - ')}`,
    );
  }
  return mappings;
}
