/**
 * Conditional requests as middy middleware: a strong ETag over the body of every 200, a body-less
 * 304 when If-None-Match names it (RFC 9110 §13.1.2), and HEAD answered as GET without the body.
 * middy has no ETag middleware of its own; this one is the whole of it.
 */
import { createHash } from 'node:crypto';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

type Result = APIGatewayProxyStructuredResultV2;

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
 * when the caller already holds that representation. Anything but a 200 passes unchanged.
 */
export function conditional(response: Result, ifNoneMatch: string | undefined): Result {
  if (response.statusCode !== 200) return response;
  const etag = entityTag(response.body ?? '');
  const headers: Record<string, string | number | boolean> = { ...response.headers, etag };
  if (!ifNoneMatchMatches(ifNoneMatch, etag)) return { ...response, headers };
  // A 304 carries the validators and caching headers of the 200 it stands for, and no body.
  delete headers['content-type'];
  delete headers['content-security-policy'];
  return { statusCode: 304, headers, body: '' };
}

/** Header lookup: API Gateway v2 lowercases names, other sources may not. */
export function requestHeader(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const headers = event.headers ?? {};
  return headers[name] ?? Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
}

/** ETag, 304 and HEAD for every response the handler returns. */
export function conditionalRequests(): MiddlewareObj<APIGatewayProxyEventV2, Result> {
  return {
    after: (request) => {
      if (!request.response) return;
      const answered = conditional(request.response, requestHeader(request.event, 'if-none-match'));
      request.response =
        request.event.requestContext?.http?.method === 'HEAD' ? { ...answered, body: '' } : answered;
    },
  };
}
