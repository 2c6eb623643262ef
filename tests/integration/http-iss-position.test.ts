/** GET /iss/position and GET / (the page itself) through the real handler and the real Redis. */
import { saveIssPosition } from '#state/iss/index.ts';
import { call, createTestApi, testSettings } from '../support/http-api.ts';
import { openApiValidator } from '../support/openapi.ts';
import { useTestRedis } from '../support/redis-clients.ts';

const matchesSpec = openApiValidator();
const settings = testSettings();
const redis = useTestRedis(() => [settings.keyPrefix]);

describe('GET /iss/position', () => {
  it('answers with no position and an empty track before any poller has reported', async () => {
    const answer = await call(createTestApi(redis(), testSettings()), '/iss/position');

    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({ latest: null, track: [] });
    expect(matchesSpec('/iss/position', answer)).toEqual([]);
  });

  it('gives the latest position and the recent track, oldest first, with ISO 8601 times', async () => {
    const api = createTestApi(redis(), settings, { issPollSeconds: 5 });
    const t = 1_768_612_200;
    const saved = [
      { latitude: -7.9763, longitude: 20.0481, timestamp: t, source: 'open-notify' as const },
      { latitude: -5.5, longitude: 22.25, timestamp: t + 5, source: 'wheretheiss' as const },
      { latitude: -3.01, longitude: 24.5, timestamp: t + 10, source: 'sgp4' as const },
    ];
    for (const position of saved) {
      await saveIssPosition(redis(), settings.keyPrefix, position, { trackLength: 120, ttlSeconds: 600 });
    }

    const answer = await call(api, '/iss/position');

    expect(answer.status).toBe(200);
    expect(matchesSpec('/iss/position', answer)).toEqual([]);
    expect(answer.headers['cache-control']).toBe('public, max-age=5');
    expect(answer.json).toEqual({
      latest: { latitude: -3.01, longitude: 24.5, timestamp: '2026-01-17T01:10:10.000Z', source: 'sgp4' },
      track: saved.map((p) => ({ ...p, timestamp: new Date(p.timestamp * 1000).toISOString() })),
    });
  });
});

describe('GET / (the dashboard page)', () => {
  it('serves one self-contained HTML page with a CSP that allows nothing but itself', async () => {
    const answer = await call(createTestApi(redis(), settings), '/');
    const csp = answer.headers['content-security-policy'] ?? '';

    expect(answer.status).toBe(200);
    expect(matchesSpec('/', answer)).toEqual([]);
    expect(answer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(answer.body).toMatch(/^<!doctype html>/);
    // No script, style, image or font from anywhere else.
    expect(answer.body).not.toMatch(/<(script|link|img)[^>]+(src|href)="(https?:)?\/\//i);
    expect(answer.body).not.toMatch(/@import|url\(\s*['"]?https?:/i);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).toMatch(/script-src 'sha256-[A-Za-z0-9+/=]+'/);
  });

  it('answers 304 to the page’s own ETag', async () => {
    const api = createTestApi(redis(), settings);
    const first = await call(api, '/');

    const again = await call(api, '/', { headers: { 'if-none-match': first.headers.etag ?? '' } });

    expect(again.status).toBe(304);
    expect(again.body).toBe('');
    expect(again.headers['content-security-policy']).toBeUndefined();
  });
});
