/**
 * The API's responses: JSON bodies, the dashboard's HTML, RFC 9457 problem details for errors, and
 * the error → problem mapping (Redis unreachable or too slow is a 503, anything else a 500).
 */
import { errorMessage } from '#lib/errors.ts';
import type { Logger } from '#lib/logger.ts';
import { isRedisConnectionError } from '#lib/redis.ts';
import type { ParameterProblem } from './query.ts';

/** The structured result an API Gateway HTTP API (payload 2.0) Lambda integration returns. */
export interface HttpResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const PROBLEM_TYPE = 'application/problem+json; charset=utf-8';

/** Base headers of every response: a browser must not guess another content type. */
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
} as const;

/** Seconds a client should wait before retrying while Redis is down or hung. */
export const RETRY_AFTER_SECONDS = 5;

export function jsonResponse(statusCode: number, body: unknown, cacheControl: string): HttpResponse {
  return {
    statusCode,
    headers: { ...SECURITY_HEADERS, 'content-type': JSON_TYPE, 'cache-control': cacheControl },
    body: JSON.stringify(body),
  };
}

export function htmlResponse(
  html: string,
  cacheControl: string,
  contentSecurityPolicy: string,
): HttpResponse {
  return {
    statusCode: 200,
    headers: {
      ...SECURITY_HEADERS,
      'content-type': 'text/html; charset=utf-8',
      'cache-control': cacheControl,
      // The page loads nothing from elsewhere: say so, so that a browser enforces it.
      'content-security-policy': contentSecurityPolicy,
      'referrer-policy': 'no-referrer',
    },
    body: html,
  };
}

/** An RFC 9457 problem detail (https://www.rfc-editor.org/rfc/rfc9457). Errors are never cached. */
export interface ProblemBody {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly errors?: readonly ParameterProblem[];
}

export function problemResponse(
  statusCode: number,
  title: string,
  detail: string,
  extra: { errors?: readonly ParameterProblem[]; headers?: Record<string, string> } = {},
): HttpResponse {
  const body: ProblemBody = {
    type: 'about:blank',
    title,
    status: statusCode,
    detail,
    ...(extra.errors ? { errors: extra.errors } : {}),
  };
  return {
    statusCode,
    headers: {
      ...SECURITY_HEADERS,
      'content-type': PROBLEM_TYPE,
      'cache-control': 'no-store',
      ...extra.headers,
    },
    body: JSON.stringify(body),
  };
}

/** 400 naming every bad parameter; `detail` reads as one sentence per problem. */
export function badRequest(problems: readonly ParameterProblem[]): HttpResponse {
  const detail = problems
    .map(
      (p) =>
        `${p.parameter} ${p.problem}${p.value === undefined ? '' : ` (got ${JSON.stringify(p.value)})`}.`,
    )
    .join(' ');
  return problemResponse(400, 'Invalid query parameter', detail, { errors: problems });
}

/**
 * The answer to an error a route threw. Redis unreachable, or not answering within the command
 * timeout, is a 503 with Retry-After; anything else a 500 whose stack goes to the log, never to
 * the caller. One log line per failure: the access log itself stays at DEBUG.
 */
export function failureResponse(error: unknown, logger: Logger): HttpResponse {
  if (isRedisConnectionError(error)) {
    logger.warn('Redis is unreachable or too slow; answering 503', { error: errorMessage(error) });
    return problemResponse(
      503,
      'Service Unavailable',
      `The hashtag counts are stored in Redis, which cannot be reached right now. Try again in ${RETRY_AFTER_SECONDS} seconds.`,
      { headers: { 'retry-after': String(RETRY_AFTER_SECONDS) } },
    );
  }
  logger.error('Unexpected error while answering a request', error instanceof Error ? error : String(error));
  return problemResponse(
    500,
    'Internal Server Error',
    'The request could not be answered; it has been logged.',
  );
}
