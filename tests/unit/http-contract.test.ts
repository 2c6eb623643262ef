/**
 * openapi/openapi.yaml states the bounds the API enforces, and every example it gives is a request
 * the API accepts (Schemathesis sends them as they are). Pure: the spec against the query parsers.
 */
import { loadConfig } from '#lib/config.ts';
import {
  DEFAULT_HISTORY_WINDOWS,
  DEFAULT_LIMIT,
  MAX_LIMIT,
  maxHistoryWindows,
  parseHistoryQuery,
  parseTopHashtagsQuery,
  rawQuery,
} from '../../functions/top-hashtags/query.ts';
import { loadSpec } from '../support/openapi.ts';

interface Parameter {
  name: string;
  in: string;
  schema?: { minimum?: number; maximum?: number; default?: unknown };
  example?: unknown;
  examples?: Record<string, { value: unknown }>;
}

const spec = loadSpec() as {
  paths: Record<string, { get: { parameters: Array<Parameter | { $ref: string }> } }>;
};
const queryParameters = (route: string): Parameter[] =>
  spec.paths[route]?.get.parameters.filter((p): p is Parameter => 'in' in p && p.in === 'query') ?? [];
const parameter = (route: string, name: string) => queryParameters(route).find((p) => p.name === name);

const { windows } = loadConfig({});
const bounds = {
  nowMs: Date.now(),
  retentionSeconds: windows.retentionSeconds,
  windowSeconds: windows.windowSeconds,
};

describe('the API contract', () => {
  it('states the bounds and defaults of `limit` that the API enforces', () => {
    expect(parameter('/top-hashtags', 'limit')?.schema).toMatchObject({
      minimum: 1,
      maximum: MAX_LIMIT,
      default: DEFAULT_LIMIT,
    });
  });

  it('states the most history windows the API allows with the default configuration', () => {
    const max = maxHistoryWindows(bounds);
    expect(parameter('/top-hashtags/history', 'windows')?.schema).toMatchObject({
      minimum: 1,
      maximum: max,
      default: Math.min(DEFAULT_HISTORY_WINDOWS, max),
    });
    expect(parseHistoryQuery(rawQuery(`windows=${max}`, undefined), bounds).ok).toBe(true);
    expect(parseHistoryQuery(rawQuery(`windows=${max + 1}`, undefined), bounds).ok).toBe(false);
  });

  it('gives only examples that the API accepts', () => {
    const parsers: Record<string, (qs: string) => { ok: boolean }> = {
      '/top-hashtags': (qs) => parseTopHashtagsQuery(rawQuery(qs, undefined), bounds),
      '/top-hashtags/history': (qs) => parseHistoryQuery(rawQuery(qs, undefined), bounds),
    };
    const examples = Object.entries(parsers).flatMap(([route, parse]) =>
      queryParameters(route).flatMap((p) =>
        [p.example, ...Object.values(p.examples ?? {}).map((e) => e.value)]
          .filter((value) => value !== undefined)
          .map((value) => ({
            route,
            query: new URLSearchParams({ [p.name]: String(value) }).toString(),
            parse,
          })),
      ),
    );

    expect(
      examples.filter(({ query, parse }) => !parse(query).ok).map(({ route, query }) => `${route}?${query}`),
    ).toEqual([]);
  });
});
