/**
 * HTTP responses of the API: JSON bodies, RFC 9457 problem details for errors, the dashboard's
 * HTML, and conditional requests (a strong ETag over the body, 304 on a matching If-None-Match).
 */
import { createHash } from 'node:crypto';
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

/** A strong validator over the exact bytes of the body. */
export function entityTag(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url').slice(0, 32)}"`;
}

/**
 * True when an If-None-Match header matches `etag` (weak comparison, as RFC 9110 §13.1.2 asks of
 * If-None-Match: `W/"x"` matches `"x"`; `*` matches any current representation).
 */
export function ifNoneMatchMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const opaque = etag.replace(/^W\//, '');
  return header.split(',').some((candidate) => candidate.trim().replace(/^W\//, '') === opaque);
}

/**
 * Adds an ETag to a 200 and turns it into a 304 (no body, same validators and caching headers)
 * when the caller already holds that representation.
 */
export function conditional(response: HttpResponse, ifNoneMatch: string | undefined): HttpResponse {
  if (response.statusCode !== 200) return response;
  const etag = entityTag(response.body);
  const headers: Record<string, string> = { ...response.headers, etag };
  if (!ifNoneMatchMatches(ifNoneMatch, etag)) return { ...response, headers };
  // A 304 carries the validators and caching headers of the 200 it stands for, and no body.
  delete headers['content-type'];
  delete headers['content-security-policy'];
  return { statusCode: 304, headers, body: '' };
}
