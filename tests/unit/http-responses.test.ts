/** Responses of the HTTP API: conditional requests, problem bodies, cache lifetimes, route names. Pure. */
import { createHash } from 'node:crypto';
import { liveCacheControl, topHashtagsBody } from '../../functions/top-hashtags/bodies.ts';
import { conditional, entityTag, ifNoneMatchMatches } from '../../functions/top-hashtags/conditional.ts';
import { DASHBOARD_CSP, DASHBOARD_HTML } from '../../functions/top-hashtags/dashboard/page.ts';
import { badRequest, jsonResponse } from '../../functions/top-hashtags/responses.ts';
import { routeOf } from '../../functions/top-hashtags/routes.ts';

describe('conditional requests', () => {
  const ok = jsonResponse(200, { hashtags: ['#Spark'] }, 'public, max-age=10');
  const etag = entityTag(ok.body);

  it('gives the same body the same strong ETag and a different body another', () => {
    expect(entityTag(ok.body)).toBe(etag);
    expect(etag).toMatch(/^"[\w-]{32}"$/);
    expect(entityTag(`${ok.body} `)).not.toBe(etag);
  });

  it('matches If-None-Match lists, weak forms and *, as RFC 9110 asks', () => {
    expect(ifNoneMatchMatches(etag, etag)).toBe(true);
    expect(ifNoneMatchMatches(`"a", ${etag}`, etag)).toBe(true);
    expect(ifNoneMatchMatches(`W/${etag}`, etag)).toBe(true);
    expect(ifNoneMatchMatches('*', etag)).toBe(true);
    expect(ifNoneMatchMatches('"other"', etag)).toBe(false);
    expect(ifNoneMatchMatches(undefined, etag)).toBe(false);
    expect(ifNoneMatchMatches('', etag)).toBe(false);
  });

  it('turns a 200 into a body-less 304 that keeps the validator and the caching headers', () => {
    const answer = conditional(ok, etag);
    expect(answer).toEqual({
      statusCode: 304,
      headers: { 'x-content-type-options': 'nosniff', 'cache-control': 'public, max-age=10', etag },
      body: '',
    });
  });

  it('adds the ETag to a 200 that is not matched, and leaves errors alone', () => {
    expect(conditional(ok, '"stale"').headers?.etag).toBe(etag);
    const error = badRequest([
      { parameter: 'limit', value: '0', problem: 'must be a whole number from 1 to 100' },
    ]);
    expect(conditional(error, '*')).toBe(error);
  });
});

describe('badRequest', () => {
  it('is an RFC 9457 problem whose detail reads one sentence per parameter', () => {
    const answer = badRequest([
      { parameter: 'limit', value: '0', problem: 'must be a whole number from 1 to 100' },
      { parameter: 'windows', problem: 'is missing' },
    ]);
    expect(answer.statusCode).toBe(400);
    expect(answer.headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(JSON.parse(answer.body)).toEqual({
      type: 'about:blank',
      title: 'Invalid query parameter',
      status: 400,
      detail: 'limit must be a whole number from 1 to 100 (got "0"). windows is missing.',
      errors: [
        { parameter: 'limit', value: '0', problem: 'must be a whole number from 1 to 100' },
        { parameter: 'windows', problem: 'is missing' },
      ],
    });
  });
});

describe('liveCacheControl', () => {
  it('lets a cache keep an answer until the next slide boundary, at least 1 s', () => {
    const boundary = Date.parse('2026-01-17T10:30:00Z');
    expect(liveCacheControl(boundary, 10)).toBe('public, max-age=10');
    expect(liveCacheControl(boundary + 2_500, 10)).toBe('public, max-age=8');
    expect(liveCacheControl(boundary + 9_999, 10)).toBe('public, max-age=1');
  });
});

describe('topHashtagsBody', () => {
  it('writes instants as ISO 8601 and a missing watermark as null', () => {
    const body = topHashtagsBody(
      'tweets_topic',
      {
        view: 'sliding',
        spanSeconds: 60,
        windowStart: Date.parse('2026-01-17T10:29:10Z'),
        windowEnd: Date.parse('2026-01-17T10:30:10Z'),
        complete: false,
        watermark: null,
        hashtags: [{ rank: 1, hashtag: '#Spark', count: 3 }],
        totals: { hashtags: 1, count: 3 },
      },
      { accepted: 3, late: 0, duplicate: 1, rejected: 0 },
    );
    expect(body).toEqual({
      topic: 'tweets_topic',
      view: 'sliding',
      spanSeconds: 60,
      windowStart: '2026-01-17T10:29:10.000Z',
      windowEnd: '2026-01-17T10:30:10.000Z',
      complete: false,
      watermark: null,
      hashtags: [{ rank: 1, hashtag: '#Spark', count: 3 }],
      totals: { hashtags: 1, count: 3 },
      stats: { accepted: 3, late: 0, duplicate: 1, rejected: 0 },
    });
  });
});

describe('routeOf', () => {
  it('names each route as the router matches it, trailing slashes ignored, and nothing else', () => {
    expect(routeOf('/')).toBe('dashboard');
    expect(routeOf('/top-hashtags/')).toBe('top-hashtags');
    expect(routeOf('/top-hashtags//')).toBe('top-hashtags');
    expect(routeOf('/top-hashtags/history')).toBe('history');
    expect(routeOf('/iss/position')).toBe('iss-position');
    expect(routeOf('/TOP-HASHTAGS')).toBe('unknown');
    expect(routeOf('//')).toBe('unknown');
  });
});

describe('the dashboard page', () => {
  it('allows by hash exactly the inline script and style it carries', () => {
    const script = /<script>([\s\S]*)<\/script>/.exec(DASHBOARD_HTML)?.[1] ?? '';
    const style = /<style>([\s\S]*?)<\/style>/.exec(DASHBOARD_HTML)?.[1] ?? '';
    const hash = (text: string) => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;
    expect(DASHBOARD_CSP).toContain(`script-src ${hash(script)}`);
    expect(DASHBOARD_CSP).toContain(`style-src ${hash(style)}`);
    expect(DASHBOARD_HTML.match(/<script/g)).toHaveLength(1);
  });
});
