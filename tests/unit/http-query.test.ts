/** Query validation of the HTTP API: pure functions, no services. */
import fc from 'fast-check';
import {
  maxHistoryWindows,
  parseHistoryQuery,
  parseNoQuery,
  parseTopHashtagsQuery,
  rawQuery,
} from '../../functions/top-hashtags/query.ts';

const NOW = Date.parse('2026-01-17T10:30:00Z');
const bounds = { nowMs: NOW, retentionSeconds: 3600, windowSeconds: 60 };
const query = (qs: string) => rawQuery(qs, undefined);

describe('rawQuery', () => {
  it('keeps repeated names apart, which queryStringParameters joins with commas', () => {
    const parsed = rawQuery('limit=1&limit=2&view=sliding', { limit: '1,2', view: 'sliding' });
    expect([...parsed]).toEqual([
      ['limit', ['1', '2']],
      ['view', ['sliding']],
    ]);
  });

  it('decodes percent-escapes and plus signs', () => {
    expect(query('at=2026-01-17T11%3A30%3A00%2B01%3A00').get('at')).toEqual(['2026-01-17T11:30:00+01:00']);
    expect(query('at=2026-01-17T11:30:00+01:00').get('at')).toEqual(['2026-01-17T11:30:00 01:00']);
  });

  it('falls back to queryStringParameters when there is no raw query string', () => {
    expect([...rawQuery(undefined, { limit: '5' })]).toEqual([['limit', ['5']]]);
    expect([...rawQuery(undefined, undefined)]).toEqual([]);
  });
});

describe('parseTopHashtagsQuery', () => {
  it('defaults to the top 10 of the current tumbling window', () => {
    expect(parseTopHashtagsQuery(query(''), bounds)).toEqual({
      ok: true,
      value: { limit: 10, view: 'tumbling', at: undefined, spanSeconds: undefined },
    });
  });

  it('reads an ISO 8601 instant with a zone and epoch seconds with a fraction as the same instant', () => {
    const iso = parseTopHashtagsQuery(query('at=2026-01-17T11%3A00%3A00.250%2B01%3A00'), bounds);
    const seconds = parseTopHashtagsQuery(query('at=1768644000.25'), bounds);
    expect(iso).toEqual({
      ok: true,
      value: {
        limit: 10,
        view: 'tumbling',
        at: Date.parse('2026-01-17T10:00:00.250Z'),
        spanSeconds: undefined,
      },
    });
    expect(seconds).toEqual(iso);
  });

  it('accepts the bounds themselves: limit 1 and 100, `at` now and exactly one retention ago', () => {
    for (const qs of ['limit=1', 'limit=100', `at=${NOW / 1000}`, `at=${NOW / 1000 - 3600}`]) {
      expect(parseTopHashtagsQuery(query(qs), bounds).ok).toBe(true);
    }
  });

  it('rejects a plus sign that was not escaped, which arrives as a space', () => {
    const result = parseTopHashtagsQuery(query('at=2026-01-17T11:30:00+01:00'), bounds);
    expect(result.ok).toBe(false);
  });

  it('names each bad parameter once, in the order of the schema, after unknown ones', () => {
    const result = parseTopHashtagsQuery(query('view=x&limit=0&at=soon&foo=1'), bounds);
    expect(result.ok ? [] : result.problems.map((p) => p.parameter)).toEqual(['foo', 'limit', 'view', 'at']);
  });

  it('never throws, and refuses exactly what it cannot read', () => {
    const name = fc.constantFrom('limit', 'view', 'at', 'lim it', 'x', '');
    fc.assert(
      fc.property(fc.array(fc.tuple(name, fc.string()), { maxLength: 5 }), (pairs) => {
        const qs = new URLSearchParams(pairs).toString();
        const result = parseTopHashtagsQuery(query(qs), bounds);
        if (result.ok) {
          expect(result.value.limit).toBeGreaterThanOrEqual(1);
          expect(result.value.limit).toBeLessThanOrEqual(100);
          if (result.value.at !== undefined) expect(result.value.at).toBeLessThanOrEqual(NOW);
        } else {
          const sent = new Set<string>(pairs.map(([n]) => n));
          for (const problem of result.problems) expect(sent.has(problem.parameter)).toBe(true);
        }
      }),
    );
  });

  it('accepts every whole number from 1 to 100 as the limit and nothing else', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1000, max: 1000 }), (n) => {
        const result = parseTopHashtagsQuery(query(`limit=${n}`), bounds);
        expect(result.ok).toBe(n >= 1 && n <= 100);
      }),
    );
  });
});

describe('span', () => {
  it('reads each offered span as seconds, for every view the retention can serve', () => {
    for (const [span, seconds] of [
      ['1m', 60],
      ['5m', 300],
      ['15m', 900],
      ['60m', 3600],
    ] as const) {
      for (const view of ['tumbling', 'sliding'] as const) {
        const result = parseTopHashtagsQuery(query(`view=${view}&span=${span}`), bounds);
        expect(result.ok && result.value.spanSeconds).toBe(seconds);
      }
    }
    expect(parseTopHashtagsQuery(query('view=trending&span=15m'), bounds).ok).toBe(true);
  });

  it('refuses a trending span that leaves no room for a baseline, and one longer than the retention', () => {
    const trending = parseTopHashtagsQuery(query('view=trending&span=60m'), bounds);
    expect(trending.ok ? [] : trending.problems.map((p) => p.parameter)).toEqual(['span']);
    const short = { ...bounds, retentionSeconds: 600 };
    const long = parseTopHashtagsQuery(query('span=15m'), short);
    expect(long.ok ? '' : long.problems[0]?.problem).toMatch(
      /needs 15 min of history; the retention keeps 10 min/,
    );
  });

  it('refuses a span that is not a whole number of windows', () => {
    const result = parseTopHashtagsQuery(query('span=1m'), { ...bounds, windowSeconds: 120 });
    expect(result.ok ? '' : result.problems[0]?.problem).toMatch(/whole number of 120 s windows/);
  });

  it('refuses an `at` whose span reaches past the retention', () => {
    const at = NOW / 1000 - 3600 + 600;
    expect(parseTopHashtagsQuery(query(`at=${at}&span=5m`), bounds).ok).toBe(true);
    expect(parseTopHashtagsQuery(query(`at=${at}&span=15m`), bounds).ok).toBe(false);
  });
});

describe('parseHistoryQuery', () => {
  it('allows as many windows as the retention keeps, plus the current one', () => {
    expect(maxHistoryWindows(bounds)).toBe(61);
    expect(parseHistoryQuery(query('windows=61'), bounds)).toEqual({ ok: true, value: { windows: 61 } });
    expect(parseHistoryQuery(query('windows=62'), bounds).ok).toBe(false);
  });

  it('defaults to 15 windows, or fewer when the retention keeps fewer', () => {
    expect(parseHistoryQuery(query(''), bounds)).toEqual({ ok: true, value: { windows: 15 } });
    expect(parseHistoryQuery(query(''), { ...bounds, retentionSeconds: 300 })).toEqual({
      ok: true,
      value: { windows: 6 },
    });
  });
});

describe('parseNoQuery', () => {
  it('accepts an empty query and names any parameter sent', () => {
    expect(parseNoQuery(query(''))).toEqual({ ok: true, value: {} });
    expect(parseNoQuery(query('a=1&b'))).toEqual({
      ok: false,
      problems: [
        { parameter: 'a', value: '1', problem: 'is not a parameter of this route (it takes none)' },
        { parameter: 'b', value: '', problem: 'is not a parameter of this route (it takes none)' },
      ],
    });
  });
});
