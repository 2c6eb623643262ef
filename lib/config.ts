/**
 * The one configuration module: every setting the functions (and `npm run doctor`) take from the
 * environment is parsed here once, into a frozen, typed object. An invalid environment fails with
 * one error that names every bad variable at once (at cold start, not in the middle of a batch).
 * Read elsewhere: `STAGE` and `POWERTOOLS_METRICS_NAMESPACE` by logger.ts and metrics.ts, and the
 * local-service scripts' own variables by tooling/infra/infra.ts and tooling/start/.
 *
 * README.md ("Configuration") lists every variable of `envSchema` below with its default and the
 * serverless.yml parameter that sets it; a change here belongs there too.
 */
import { z } from 'zod';
import { DEFAULT_TOPICS, deadLetterTopicOf } from '#contracts/topics.ts';

/** Prefix of every Redis key when REDIS_KEY_PREFIX is unset (serverless.yml's `redisKeyPrefix` too). */
export const DEFAULT_KEY_PREFIX = 'trending';

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const nonNegativeInt = (fallback: number) => z.coerce.number().int().nonnegative().default(fallback);
const positiveNumber = (fallback: number) => z.coerce.number().positive().default(fallback);
const optionalString = z
  .string()
  .trim()
  .optional()
  .transform((v) => (v === '' ? undefined : v));
const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
    .default(fallback ? 'true' : 'false')
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

const brokerList = z
  .string()
  .trim()
  .min(1)
  .transform((v) => v.split(',').map((b) => b.trim()))
  .pipe(z.array(z.string().regex(/^[^\s:]+:\d{1,5}$/, 'each broker must be host:port')).min(1));

export const envSchema = z.object({
  STAGE: z.enum(['local', 'dev', 'prod', 'localstack']).default('local'),
  LOG_LEVEL: z.enum(['DEBUG', 'INFO', 'WARN', 'ERROR', 'SILENT']).default('INFO'),

  KAFKA_BROKERS: brokerList.default(['127.0.0.1:9092']),
  KAFKA_CLIENT_ID: z.string().min(1).default('trending-hashtags'),
  MSK_CLUSTER_ARN: optionalString.pipe(
    z
      .string()
      .regex(/^arn:aws[\w-]*:kafka:[\w-]+:\d{12}:cluster\/.+/, 'must be an MSK cluster ARN')
      .optional(),
  ),
  KAFKA_SASL_MECHANISM: z.enum(['none', 'aws-iam', 'scram-sha-256', 'scram-sha-512']).default('none'),
  KAFKA_SASL_SECRET_ARN: optionalString,
  KAFKA_SSL: bool(false),
  KAFKA_COMPRESSION: z.enum(['gzip', 'none']).default('gzip'),
  KAFKA_PRODUCER_BATCH_SIZE: positiveInt(500),

  TWEETS_TOPIC: z.string().min(1).default(DEFAULT_TOPICS.tweets),
  ISS_TOPIC: z.string().min(1).default(DEFAULT_TOPICS.iss),
  DLQ_TOPIC: optionalString,
  CONSUMER_GROUP_ID: z.string().min(1).default('hashtag-counter'),

  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must start with redis:// or rediss://')
    .default('redis://127.0.0.1:6379'),
  REDIS_AUTH_SECRET_ARN: optionalString,
  REDIS_CLUSTER: bool(false),
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[\w.:-]+$/, 'letters, digits, "_", ".", ":" and "-" only')
    .default(DEFAULT_KEY_PREFIX),
  // The HTTP API's budget per Redis command: a hung Redis answers 503 in about this, not at the Lambda timeout.
  HTTP_REDIS_TIMEOUT_MS: positiveInt(1000),

  WINDOW_SECONDS: positiveInt(60),
  SLIDE_SECONDS: positiveInt(10),
  ALLOWED_LATENESS_SECONDS: nonNegativeInt(60),
  RETENTION_SECONDS: positiveInt(3600),
  MAX_FUTURE_SKEW_SECONDS: positiveInt(300),

  ISS_API_URL: z.url().default('http://api.open-notify.org/iss-now.json'),
  ISS_FALLBACK_API_URL: optionalString.pipe(z.url().optional()),
  ISS_TLE_URL: optionalString.pipe(z.url().optional()),
  ISS_POLL_INTERVAL: positiveNumber(5),
  ISS_REQUEST_TIMEOUT: positiveNumber(3),
  ISS_TRACK_LENGTH: positiveInt(120),
  ISS_POSITION_TTL: positiveInt(3600),
  ISS_POLL_DURATION: optionalString.pipe(z.coerce.number<string>().nonnegative().optional()),
  ISS_SGP4_FALLBACK: bool(true),

  TWEETS_PER_INVOCATION: positiveInt(600),
  TWEETS_PER_SECOND: nonNegativeInt(0),
  GENERATOR_SEED: optionalString,

  LOCAL_FAILURE_SWITCH_KEY: optionalString,
  // Set by `serverless invoke local` (not by serverless-offline).
  IS_LOCAL: bool(false),
});

export type Stage = z.infer<typeof envSchema>['STAGE'];

/** Typed, frozen configuration, grouped by what reads it. */
export interface AppConfig {
  readonly stage: Stage;
  readonly logLevel: z.infer<typeof envSchema>['LOG_LEVEL'];
  readonly kafka: {
    readonly brokers: readonly string[];
    readonly clientId: string;
    readonly mskClusterArn: string | undefined;
    readonly saslMechanism: z.infer<typeof envSchema>['KAFKA_SASL_MECHANISM'];
    readonly saslSecretArn: string | undefined;
    readonly ssl: boolean;
    /** Producer compression codec (kafkajs ships gzip without extra packages). */
    readonly compression: 'gzip' | 'none';
    /** Records per produce request. */
    readonly producerBatchSize: number;
  };
  readonly topics: {
    readonly tweets: string;
    readonly iss: string;
    readonly deadLetter: string;
  };
  readonly consumerGroupId: string;
  readonly redis: {
    readonly url: string;
    readonly authSecretArn: string | undefined;
    /** `REDIS_URL` is a Redis Cluster endpoint (ElastiCache cluster mode enabled): use a cluster client. */
    readonly cluster: boolean;
    readonly keyPrefix: string;
    /** Milliseconds the HTTP API waits for one Redis command before it answers 503 (`HTTP_REDIS_TIMEOUT_MS`). */
    readonly httpCommandTimeoutMs: number;
  };
  readonly windows: {
    readonly windowSeconds: number;
    readonly slideSeconds: number;
    readonly allowedLatenessSeconds: number;
    readonly retentionSeconds: number;
    readonly maxFutureSkewSeconds: number;
  };
  readonly iss: {
    readonly apiUrl: string;
    readonly fallbackApiUrl: string | undefined;
    readonly tleUrl: string | undefined;
    readonly pollIntervalSeconds: number;
    readonly requestTimeoutSeconds: number;
    readonly trackLength: number;
    /** Seconds the position track lives in Redis without a new save. */
    readonly positionTtlSeconds: number;
    /**
     * Polls start while the invocation is younger than this (also bounded by its remaining time).
     * Default 56 s (12 polls per 1-minute schedule at 5 s); 0 under `serverless invoke local`: one poll.
     */
    readonly pollDurationSeconds: number;
    /** Whether SGP4 propagation from a TLE stands in when no API answers. */
    readonly sgp4Fallback: boolean;
  };
  readonly generator: {
    readonly tweetsPerInvocation: number;
    readonly tweetsPerSecond: number;
    readonly seed: string | undefined;
  };
  /** True under `serverless invoke local` (one process per invocation: clients are closed at the end). */
  readonly invokeLocal: boolean;
  /** Local stage only: a Redis key that, when set, makes the counter fail its next batch (e2e retry test). */
  readonly localFailureSwitchKey: string | undefined;
}

/** Thrown when the environment is invalid; `problems` has one line per bad variable. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration (${problems.length} problem(s)):\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses the environment into an {@link AppConfig}. Pure: pass any record to test it.
 * @throws ConfigError naming every missing or invalid variable.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): AppConfig {
  const parsed = envSchema.safeParse(env);
  // Cross-field rules run on whichever of their fields parse, so one run reports every problem.
  const problems = [
    ...(parsed.success
      ? []
      : parsed.error.issues.map((issue) => {
          const name = String(issue.path[0] ?? '(environment)');
          const value = env[name];
          return `${name}: ${issue.message}${value === undefined ? '' : ` (got ${JSON.stringify(value)})`}`;
        })),
    ...crossFieldProblems(env),
  ];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const e = parsed.data;

  const saslMechanism =
    e.MSK_CLUSTER_ARN && e.KAFKA_SASL_MECHANISM === 'none' ? 'aws-iam' : e.KAFKA_SASL_MECHANISM;
  return deepFreeze({
    stage: e.STAGE,
    logLevel: e.LOG_LEVEL,
    kafka: {
      brokers: e.KAFKA_BROKERS,
      clientId: e.KAFKA_CLIENT_ID,
      mskClusterArn: e.MSK_CLUSTER_ARN,
      saslMechanism,
      saslSecretArn: e.KAFKA_SASL_SECRET_ARN,
      // IAM and SCRAM on MSK are only offered on the TLS listeners.
      ssl: e.KAFKA_SSL || saslMechanism !== 'none',
      compression: e.KAFKA_COMPRESSION,
      producerBatchSize: e.KAFKA_PRODUCER_BATCH_SIZE,
    },
    topics: {
      tweets: e.TWEETS_TOPIC,
      iss: e.ISS_TOPIC,
      deadLetter: e.DLQ_TOPIC ?? deadLetterTopicOf(e.TWEETS_TOPIC),
    },
    consumerGroupId: e.CONSUMER_GROUP_ID,
    redis: {
      url: e.REDIS_URL,
      authSecretArn: e.REDIS_AUTH_SECRET_ARN,
      cluster: e.REDIS_CLUSTER,
      keyPrefix: e.REDIS_KEY_PREFIX,
      httpCommandTimeoutMs: e.HTTP_REDIS_TIMEOUT_MS,
    },
    windows: {
      windowSeconds: e.WINDOW_SECONDS,
      slideSeconds: e.SLIDE_SECONDS,
      allowedLatenessSeconds: e.ALLOWED_LATENESS_SECONDS,
      retentionSeconds: e.RETENTION_SECONDS,
      maxFutureSkewSeconds: e.MAX_FUTURE_SKEW_SECONDS,
    },
    iss: {
      apiUrl: e.ISS_API_URL,
      fallbackApiUrl: e.ISS_FALLBACK_API_URL,
      tleUrl: e.ISS_TLE_URL,
      pollIntervalSeconds: e.ISS_POLL_INTERVAL,
      requestTimeoutSeconds: e.ISS_REQUEST_TIMEOUT,
      trackLength: e.ISS_TRACK_LENGTH,
      positionTtlSeconds: e.ISS_POSITION_TTL,
      pollDurationSeconds: e.ISS_POLL_DURATION ?? (e.IS_LOCAL ? 0 : 56),
      sgp4Fallback: e.ISS_SGP4_FALLBACK,
    },
    generator: {
      tweetsPerInvocation: e.TWEETS_PER_INVOCATION,
      tweetsPerSecond: e.TWEETS_PER_SECOND,
      seed: e.GENERATOR_SEED,
    },
    invokeLocal: e.IS_LOCAL,
    localFailureSwitchKey: e.STAGE === 'local' ? e.LOCAL_FAILURE_SWITCH_KEY : undefined,
  });
}

type EnvShape = typeof envSchema.shape;

/** One variable parsed on its own: its value, or undefined when it is invalid (reported elsewhere). */
function field<K extends keyof EnvShape>(
  env: Readonly<Record<string, string | undefined>>,
  name: K,
): z.output<EnvShape[K]> | undefined {
  const result = envSchema.shape[name].safeParse(env[name]);
  return result.success ? (result.data as z.output<EnvShape[K]>) : undefined;
}

/** Rules between variables, each checked when the variables it needs are valid. */
function crossFieldProblems(env: Readonly<Record<string, string | undefined>>): string[] {
  const problems: string[] = [];
  const window = field(env, 'WINDOW_SECONDS');
  const slide = field(env, 'SLIDE_SECONDS');
  if (window !== undefined && slide !== undefined && (slide > window || window % slide !== 0)) {
    problems.push(`SLIDE_SECONDS: must divide WINDOW_SECONDS (got ${slide} and ${window})`);
  }
  const redisUrl = field(env, 'REDIS_URL');
  if (field(env, 'REDIS_CLUSTER') && redisUrl !== undefined && !['', '0'].includes(urlDatabase(redisUrl))) {
    problems.push(`REDIS_URL: Redis Cluster has only database 0 (got ${JSON.stringify(redisUrl)})`);
  }
  if (field(env, 'KAFKA_SASL_MECHANISM')?.startsWith('scram') && !field(env, 'KAFKA_SASL_SECRET_ARN')) {
    problems.push('KAFKA_SASL_SECRET_ARN: required when KAFKA_SASL_MECHANISM is scram-sha-256/512');
  }
  return problems;
}

/** The database number in a redis:// URL's path ('' when none). */
function urlDatabase(url: string): string {
  try {
    return new URL(url).pathname.replace(/^\//, '');
  } catch {
    return '';
  }
}

function deepFreeze<T extends object>(value: T): T {
  for (const child of Object.values(value)) {
    if (child !== null && typeof child === 'object' && !Object.isFrozen(child)) deepFreeze(child);
  }
  return Object.freeze(value);
}
