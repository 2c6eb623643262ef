// Over 300 lines: the zod schemas of the kafka/msk event and of the CloudFormation mapping properties, with AWS's limits, beside the one reader that merges them.
/**
 * The Kafka event source mappings declared in serverless.yml (`kafka` and `msk` events), read from
 * the resolved service definition: the one list of functions, topics and batching settings, plus
 * the settings the deployed template adds from `custom.eventSourceMappings.<function>`
 * (CloudFormation property names, tooling/serverless-plugins/kafka-trigger.cjs), which win over the
 * event's own as they do in the template. Values are validated with AWS's limits and defaults; a
 * bad event, or a setting the emulator does not implement, fails with every problem named.
 */
// https://www.serverless.com/framework/docs/providers/aws/events/kafka and .../events/msk
// https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-eventsourcemapping.html
import { z } from 'zod';
import { AWS_KAFKA_LIMITS } from './batching.ts';
import { type CompiledFilter, compileFilter, FilterPatternError } from './filter.ts';

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
  /** What happens to a batch the function fails on. */
  readonly errorHandling: ErrorHandling;
  /** FilterCriteria: a record is delivered when any matches (none: every record is). */
  readonly filters: readonly CompiledFilter[];
  /** ProvisionedPollerConfig, when set (AWS's provisioned mode; locally one consumer serves it). */
  readonly provisionedPollers: { readonly minimum: number; readonly maximum: number } | undefined;
}

/**
 * The error-handling controls of a Kafka event source mapping, as AWS applies them.
 * https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html
 */
export interface ErrorHandling {
  /** Retries after the first attempt; `Infinity` for -1 (AWS's default). */
  readonly maximumRetryAttempts: number;
  /** Records older than this (by their Kafka timestamp) go to the destination; `Infinity` for -1. */
  readonly maximumRecordAgeSeconds: number;
  /** BisectBatchOnFunctionError: a failing batch is split in two, each half retried on its own. */
  readonly bisectBatchOnFunctionError: boolean;
  /** `kafka://<topic>` of DestinationConfig.OnFailure: the topic failed records are written to. */
  readonly onFailureTopic: string | undefined;
}

/** AWS's defaults: retry forever, no age limit, no bisect, no destination. */
export const DEFAULT_ERROR_HANDLING: ErrorHandling = {
  maximumRetryAttempts: Number.POSITIVE_INFINITY,
  maximumRecordAgeSeconds: Number.POSITIVE_INFINITY,
  bisectBatchOnFunctionError: false,
  onFailureTopic: undefined,
};

/**
 * With infinite retries and an on-failure destination, AWS applies at most 10 retries.
 * https://docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure-destination.html
 */
export const RETRIES_WITH_DESTINATION = 10;

/** The parts of the resolved serverless service this module reads. */
export interface ServiceView {
  getAllFunctions(): string[];
  getFunction(key: string): {
    name?: string;
    timeout?: number | string;
    environment?: Record<string, unknown>;
  };
  getAllEventsInFunction(key: string): Array<Record<string, unknown>>;
  /** `custom.eventSourceMappings.<function key>`: CloudFormation properties of its mappings. */
  readonly custom?: { readonly eventSourceMappings?: unknown } | undefined;
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

// Poller counts: the event (camelCase) and the mapping (CloudFormation) take the same range.
const pollerCount = z.number().int().min(1).optional();

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
  filterPatterns: z.array(z.record(z.string(), z.unknown())).min(1).max(10).optional(),
  provisionedPollerConfig: z
    .object({ minimumPollers: pollerCount, maximumPollers: pollerCount })
    .strict()
    .optional(),
  // Accepted because osls compiles them into the template; locally they change nothing.
  accessConfigurations: z.unknown().optional(),
  saslScram512: z.unknown().optional(),
};

// strict: a setting osls's event accepts but the emulator does not read fails with its name.
const kafkaEvent = z
  .object({ ...common, bootstrapServers: brokers, onFailureDestination: z.string().optional() })
  .strict();
const mskEvent = z.object({ ...common, arn: z.string().min(1) }).strict();

const kafkaDestination = z
  .string()
  .regex(/^kafka:\/\/[A-Za-z0-9._-]{1,249}$/, 'locally only a kafka://<topic> destination is supported')
  .transform((d) => d.slice('kafka://'.length));

/**
 * The CloudFormation properties of `custom.eventSourceMappings.<function>` the emulator implements.
 * Ranges are AWS's (console: retries 0-10000 or -1, record age 60-604800 or -1).
 */
const mappingProperties = z
  .object({
    MaximumRetryAttempts: z.number().int().min(-1).max(10_000).optional(),
    MaximumRecordAgeInSeconds: z
      .number()
      .int()
      .refine((n) => n === -1 || (n >= 60 && n <= 604_800), '-1 or 60..604800')
      .optional(),
    BisectBatchOnFunctionError: z.boolean().optional(),
    DestinationConfig: z
      .object({ OnFailure: z.object({ Destination: kafkaDestination }).strict() })
      .strict()
      .optional(),
    FilterCriteria: z
      .object({ Filters: z.array(z.object({ Pattern: z.string() }).strict()).max(10) })
      .strict()
      .optional(),
    ProvisionedPollerConfig: z
      .object({ MinimumPollers: pollerCount, MaximumPollers: pollerCount })
      .strict()
      .optional(),
    BatchSize: z.number().int().min(1).max(AWS_KAFKA_LIMITS.maxBatchSize).optional(),
    MaximumBatchingWindowInSeconds: z.number().int().min(0).max(300).optional(),
    // CloudWatch metrics of the mapping: AWS publishes them; locally the status line shows the same counts.
    MetricsConfig: z
      .object({ Metrics: z.array(z.enum(['EventCount', 'ErrorCount', 'KafkaMetrics'])) })
      .strict()
      .optional(),
    Enabled: z.boolean().optional(),
  })
  .strict();

type MappingProperties = z.infer<typeof mappingProperties>;

function compileFilters(patterns: readonly unknown[], where: string, problems: string[]): CompiledFilter[] {
  const filters: CompiledFilter[] = [];
  patterns.forEach((p, i) => {
    try {
      filters.push(compileFilter(p, `${where}[${i}]`));
    } catch (error) {
      if (!(error instanceof FilterPatternError)) throw error;
      problems.push(error.message);
    }
  });
  return filters;
}

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
  const allProperties = readMappingProperties(service, problems);
  for (const functionKey of service.getAllFunctions()) {
    const fn = service.getFunction(functionKey);
    const functionName = fn.name ?? `${serviceName}-${stage}-${functionKey}`;
    const rawProperties = allProperties.get(functionKey);
    const propertiesWhere = `custom.eventSourceMappings.${functionKey}`;
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
      const properties = mappingPropertiesFor(rawProperties, e.topic, propertiesWhere, problems);
      if (properties.Enabled === false) return;
      if (properties.Enabled === undefined && (e.enabled === false || e.enabled === 'false')) return;
      if (e.startingPosition === 'AT_TIMESTAMP' && e.startingPositionTimestamp === undefined) {
        problems.push(`${where}: startingPositionTimestamp is required with AT_TIMESTAMP`);
        return;
      }
      const topic = e.topic;
      const destinationTopic =
        properties.DestinationConfig?.OnFailure.Destination ??
        ('onFailureDestination' in e && e.onFailureDestination !== undefined
          ? parseDestination(e.onFailureDestination, `${where}.onFailureDestination`, problems)
          : undefined);
      if (destinationTopic === topic) {
        // https://docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure-destination.html (recursion prevention)
        problems.push(`${where}: the on-failure destination kafka://${topic} is the source topic itself`);
      }
      const retries = properties.MaximumRetryAttempts ?? -1;
      const age = properties.MaximumRecordAgeInSeconds ?? -1;
      const filters = properties.FilterCriteria
        ? compileFilters(
            properties.FilterCriteria.Filters.map((f) => f.Pattern),
            `${propertiesWhere}.FilterCriteria.Filters`,
            problems,
          )
        : compileFilters(e.filterPatterns ?? [], `${where}.filterPatterns`, problems);
      const pollers = properties.ProvisionedPollerConfig
        ? {
            minimum: properties.ProvisionedPollerConfig.MinimumPollers ?? 1,
            maximum: properties.ProvisionedPollerConfig.MaximumPollers ?? 200,
          }
        : e.provisionedPollerConfig
          ? {
              minimum: e.provisionedPollerConfig.minimumPollers ?? 1,
              maximum: e.provisionedPollerConfig.maximumPollers ?? 200,
            }
          : undefined;
      // osls leaves a `maximumBatchingWindow: 0` out of the template (it tests the value for truth),
      // so AWS applies its 500 ms default; MaximumBatchingWindowInSeconds: 0 in
      // custom.eventSourceMappings is how a template gets a zero window, and so it is here.
      const windowSeconds =
        properties.MaximumBatchingWindowInSeconds ??
        (e.maximumBatchingWindow ? e.maximumBatchingWindow : undefined);
      mappings.push({
        functionKey,
        functionName,
        kind,
        topic: e.topic,
        bootstrapServers: 'bootstrapServers' in e ? e.bootstrapServers : defaults.localBrokers,
        clusterArn: 'arn' in e ? e.arn : undefined,
        batchSize: properties.BatchSize ?? e.batchSize,
        batchingWindowMs:
          windowSeconds === undefined
            ? AWS_KAFKA_LIMITS.defaultBatchingWindowMs
            : Math.round(windowSeconds * 1000),
        startingPosition: e.startingPosition,
        startingPositionTimestamp: e.startingPositionTimestamp,
        // AWS names the group after the mapping's UUID when none is given; locally the function name is stable.
        consumerGroupId: e.consumerGroupId ?? functionName,
        timeoutSeconds: Number(fn.timeout ?? defaults.providerTimeoutSeconds ?? 6),
        errorHandling: {
          maximumRetryAttempts:
            retries >= 0
              ? retries
              : destinationTopic === undefined
                ? Number.POSITIVE_INFINITY
                : RETRIES_WITH_DESTINATION,
          maximumRecordAgeSeconds: age >= 0 ? age : Number.POSITIVE_INFINITY,
          bisectBatchOnFunctionError: properties.BisectBatchOnFunctionError ?? false,
          onFailureTopic: destinationTopic,
        },
        filters,
        provisionedPollers: pollers,
      });
    });
  }
  for (const key of allProperties.keys()) {
    if (!mappings.some((m) => m.functionKey === key) && !service.getAllFunctions().includes(key)) {
      problems.push(`custom.eventSourceMappings.${key}: no such function`);
    }
  }
  if (problems.length > 0) {
    throw new EventSourceConfigError(
      `Invalid Kafka event(s) in serverless.yml:\n  - ${problems.join('\n  - ')}`,
    );
  }
  return mappings;
}

function parseDestination(value: string, where: string, problems: string[]): string | undefined {
  const parsed = kafkaDestination.safeParse(value);
  if (parsed.success) return parsed.data;
  problems.push(`${where}: ${describe(parsed.error)} (got ${JSON.stringify(value)})`);
  return undefined;
}

/** `custom.eventSourceMappings` by function key, as written (validated per mapping, see mappingPropertiesFor). */
function readMappingProperties(service: ServiceView, problems: string[]): Map<string, unknown> {
  const result = new Map<string, unknown>();
  const raw = service.custom?.eventSourceMappings;
  if (raw === undefined || raw === null) return result;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    problems.push('custom.eventSourceMappings: must map function names to CloudFormation properties');
    return result;
  }
  for (const [functionKey, value] of Object.entries(raw)) {
    if (value === null || value === undefined) continue;
    // A list is merged in order, later keys winning, as kafka-trigger.cjs merges it for the template.
    result.set(
      functionKey,
      Array.isArray(value)
        ? Object.assign({}, ...value.filter((v) => v !== null && typeof v === 'object'))
        : value,
    );
  }
  return result;
}

/**
 * `value` with every `{topic}` in its strings replaced by the mapping's topic, as
 * tooling/serverless-plugins/kafka-trigger.cjs does for the template (`kafka://{topic}.failed`).
 */
function withTopic(value: unknown, topic: string): unknown {
  if (typeof value === 'string') return value.replaceAll('{topic}', topic);
  if (Array.isArray(value)) return value.map((v) => withTopic(v, topic));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, withTopic(v, topic)]));
  }
  return value;
}

/** The properties of one mapping (its topic substituted), validated; an unsupported one is a problem, by name. */
function mappingPropertiesFor(
  raw: unknown,
  topic: string,
  where: string,
  problems: string[],
): MappingProperties {
  if (raw === undefined) return {};
  const parsed = mappingProperties.safeParse(withTopic(raw, topic));
  if (parsed.success) return parsed.data;
  problems.push(
    `${where}: ${parsed.error.issues
      .map((i) =>
        i.code === 'unrecognized_keys'
          ? `${i.keys.map((k) => [...i.path, k].join('.')).join(', ')}: not supported by the local emulator`
          : `${i.path.join('.') || '(properties)'}: ${i.message}`,
      )
      .join('; ')}`,
  );
  return {};
}

/** The mapping's error handling and filters in a few words, for the "consuming" line. */
export function describeDelivery(mapping: EventSourceMapping): string {
  const h = mapping.errorHandling;
  const parts = [
    Number.isFinite(h.maximumRetryAttempts) ? `retries ${h.maximumRetryAttempts}` : 'retries until success',
    ...(Number.isFinite(h.maximumRecordAgeSeconds) ? [`max record age ${h.maximumRecordAgeSeconds} s`] : []),
    ...(h.bisectBatchOnFunctionError ? ['bisect on error'] : []),
    ...(h.onFailureTopic !== undefined ? [`on failure kafka://${h.onFailureTopic}`] : []),
    ...(mapping.filters.length > 0 ? [`${mapping.filters.length} filter(s)`] : []),
    ...(mapping.provisionedPollers
      ? [
          `provisioned ${mapping.provisionedPollers.minimum}-${mapping.provisionedPollers.maximum} pollers (locally one consumer)`,
        ]
      : []),
  ];
  return parts.join(', ');
}
