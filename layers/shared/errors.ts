/**
 * Errors that cross module boundaries. A dependency that cannot be reached is reported with
 * the service's name, where it was looked for, and how to start it, never as a bare ECONNREFUSED.
 */

export type ServiceName = 'Kafka' | 'Redis';

const HOW_TO_START: Record<ServiceName, string> = {
  Kafka:
    'start the local broker with `npm run infra:up` (or `docker compose up -d kafka`), or set KAFKA_BROKERS',
  Redis: 'start the local server with `npm run infra:up` (or `docker compose up -d redis`), or set REDIS_URL',
};

/** A backing service did not answer. HTTP maps it to 503; stream handlers rethrow it so Lambda retries. */
export class ServiceUnavailableError extends Error {
  constructor(
    readonly service: ServiceName,
    readonly location: string,
    cause?: unknown,
  ) {
    const reason = cause instanceof Error ? `: ${cause.message.replace(/\.+$/, '')}` : '';
    super(`${service} is unreachable at ${location}${reason}. To fix: ${HOW_TO_START[service]}.`, { cause });
    this.name = 'ServiceUnavailableError';
  }
}

/** Narrow an unknown thrown value to a message without losing non-Error throws. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
