/**
 * Errors that cross module boundaries. A dependency that cannot be reached is reported with
 * the service's name, where it was looked for, and how to start it, never as a bare ECONNREFUSED.
 */

export type ServiceName = 'Kafka' | 'Redis';

const HOW_TO_START_LOCALLY: Record<ServiceName, string> = {
  Kafka:
    'start the local broker with `npm run infra:up` (or `docker compose up -d kafka`), or set KAFKA_BROKERS',
  Redis: 'start the local server with `npm run infra:up` (or `docker compose up -d redis`), or set REDIS_URL',
};

const HOW_TO_REACH_ON_AWS: Record<ServiceName, string> = {
  Kafka:
    "check that the function's VPC subnets and security groups (param vpc) reach the brokers, and the stage's mskClusterArn or kafkaBootstrapServers",
  Redis:
    "check that the function's VPC subnets and security groups (param vpc) reach ElastiCache, and the stage's redisUrl and redisAuthSecretArn",
};

/** In a Lambda on AWS (not serverless offline or invoke local, which set IS_OFFLINE / IS_LOCAL). */
function onAws(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.AWS_LAMBDA_FUNCTION_NAME) && !env.IS_OFFLINE && !env.IS_LOCAL;
}

/** What to do when `service` cannot be reached, for where this code runs. */
export function howToReach(service: ServiceName, env: NodeJS.ProcessEnv = process.env): string {
  return onAws(env) ? HOW_TO_REACH_ON_AWS[service] : HOW_TO_START_LOCALLY[service];
}

/** A backing service did not answer. HTTP maps it to 503; stream handlers rethrow it so Lambda retries. */
export class ServiceUnavailableError extends Error {
  constructor(
    readonly service: ServiceName,
    readonly location: string,
    cause?: unknown,
  ) {
    const reason = cause instanceof Error ? `: ${cause.message.replace(/\.+$/, '')}` : '';
    super(`${service} is unreachable at ${location}${reason}. To fix: ${howToReach(service)}.`, { cause });
    this.name = 'ServiceUnavailableError';
  }
}

/** Narrow an unknown thrown value to a message without losing non-Error throws. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
