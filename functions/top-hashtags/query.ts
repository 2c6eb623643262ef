/**
 * Query-string validation for the JSON routes (zod). Every problem is collected, so one 400 names
 * every bad parameter at once. Parameters a route does not know are rejected too: a typo such as
 * `limt=50` would otherwise be ignored silently and the caller would read ten rows as if all were asked.
 */
import { z } from 'zod';
import { baselineSpansFor, SPAN_SECONDS, type SpanName, TRENDING_DEFAULTS } from '#state/windows/index.ts';

/** One thing wrong with the query string, as it appears in a 400 body. */
export interface ParameterProblem {
  /** The parameter's name as the caller spelled it. */
  readonly parameter: string;
  /** What the caller sent (absent when the problem is that something is missing). */
  readonly value?: string;
  /** Why it was refused, phrased to follow the parameter's name. */
  readonly problem: string;
}

export type QueryResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly problems: readonly ParameterProblem[] };

/** The query string as name → values, in the order sent (repeated names keep every value). */
export type RawQuery = ReadonlyMap<string, readonly string[]>;

/**
 * Reads the query string of an API Gateway v2 event. `rawQueryString` keeps repeated names apart
 * (`queryStringParameters` joins them with commas, which would turn `limit=1&limit=2` into "1,2").
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */
export function rawQuery(
  rawQueryString: string | undefined,
  queryStringParameters: Readonly<Record<string, string | undefined>> | undefined,
): RawQuery {
  const query = new Map<string, string[]>();
  if (rawQueryString !== undefined) {
    for (const [name, value] of new URLSearchParams(rawQueryString)) {
      query.set(name, [...(query.get(name) ?? []), value]);
    }
    return query;
  }
  for (const [name, value] of Object.entries(queryStringParameters ?? {})) {
    if (value !== undefined) query.set(name, [value]);
  }
  return query;
}

export const MAX_LIMIT = 100;
export const DEFAULT_LIMIT = 10;
export const DEFAULT_HISTORY_WINDOWS = 15;

const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, `must be a whole number from ${min} to ${max}`)
        .max(max, `must be a whole number from ${min} to ${max}`),
    );

const EPOCH_SECONDS = /^\d{1,15}(\.\d+)?$/;
const isoDateTime = z.iso.datetime({ offset: true });

/** `at` as epoch milliseconds: ISO 8601 with a zone, or epoch seconds (fractions allowed). */
const instant = z.string().transform((text, ctx) => {
  if (EPOCH_SECONDS.test(text)) return Math.round(Number(text) * 1000);
  if (isoDateTime.safeParse(text).success) return Date.parse(text);
  ctx.addIssue({
    code: 'custom',
    message:
      'must be an ISO 8601 date-time with seconds and a zone (2026-01-17T10:30:00Z) or epoch seconds (1768645800)',
  });
  return z.NEVER;
});

export const VIEWS = ['tumbling', 'sliding', 'trending'] as const;
export type View = (typeof VIEWS)[number];
export const SPANS = Object.keys(SPAN_SECONDS) as SpanName[];

/** `"a", "b" or "c"`, for messages. */
const oneOf = (values: readonly string[]) =>
  `${values
    .slice(0, -1)
    .map((v) => `"${v}"`)
    .join(', ')} or "${values.at(-1)}"`;

/** What `GET /top-hashtags` accepts, after validation. */
export interface TopHashtagsQuery {
  readonly limit: number;
  readonly view: View;
  /** Epoch ms of the instant whose window is wanted; absent for "now". */
  readonly at: number | undefined;
  /** Length of the view in seconds; absent for one window. */
  readonly spanSeconds: number | undefined;
}

/** What `GET /top-hashtags/history` accepts, after validation. */
export interface HistoryQuery {
  /** How many tumbling windows, ending with the current one. */
  readonly windows: number;
}

/** The clock and retention that bound `at` and `windows`. */
export interface QueryBounds {
  readonly nowMs: number;
  readonly retentionSeconds: number;
  readonly windowSeconds: number;
}

/** The most windows `history` can ask for: what retention keeps, plus the current one. */
export function maxHistoryWindows(bounds: Pick<QueryBounds, 'retentionSeconds' | 'windowSeconds'>): number {
  return Math.max(1, Math.floor(bounds.retentionSeconds / bounds.windowSeconds) + 1);
}

/** Validates the query of `GET /top-hashtags`. Never throws. */
export function parseTopHashtagsQuery(query: RawQuery, bounds: QueryBounds): QueryResult<TopHashtagsQuery> {
  const fields = {
    limit: wholeNumber(1, MAX_LIMIT).default(DEFAULT_LIMIT),
    view: z.enum(VIEWS, { error: `must be ${oneOf(VIEWS)}` }).default('tumbling'),
    at: instant.optional(),
    span: z.enum(SPANS, { error: `must be ${oneOf(SPANS)}` }).optional(),
  };
  const parsed = parseFields(query, fields);
  if (!parsed.ok) return parsed;
  const { limit, view, at, span } = parsed.value;
  const spanSeconds = span === undefined ? undefined : SPAN_SECONDS[span];
  const spanProblem = checkSpan(view, spanSeconds ?? bounds.windowSeconds, bounds);
  if (spanProblem !== undefined) return failure({ parameter: 'span', value: span, problem: spanProblem });
  if (at !== undefined) {
    const raw = single(query, 'at');
    if (at > bounds.nowMs) {
      // 13-digit values are almost always milliseconds sent where seconds are expected.
      const hint =
        raw !== undefined && /^\d{13}$/.test(raw) ? ' (epoch seconds are expected, not milliseconds)' : '';
      return failure({ parameter: 'at', value: raw, problem: `must not be in the future${hint}` });
    }
    if (at < bounds.nowMs - bounds.retentionSeconds * 1000) {
      return failure({
        parameter: 'at',
        value: raw,
        problem: `must be within the retention of the last ${bounds.retentionSeconds} s`,
      });
    }
    // The whole span before `at` must still be kept (trending's baseline may be partly expired:
    // the spans left are used, and the answer says how many).
    if (spanSeconds !== undefined && at < bounds.nowMs - (bounds.retentionSeconds - spanSeconds) * 1000) {
      return failure({
        parameter: 'at',
        value: raw,
        problem: `with span=${span} must be within the last ${bounds.retentionSeconds - spanSeconds} s (the retention of ${bounds.retentionSeconds} s less the span)`,
      });
    }
  }
  return { ok: true, value: { limit, view, at, spanSeconds } };
}

const minutes = (seconds: number) => `${seconds / 60} min`;

/** Why `span` cannot be served with `view` under these settings, or undefined when it can. */
function checkSpan(view: View, spanSeconds: number, bounds: QueryBounds): string | undefined {
  const retention = `the retention keeps ${minutes(bounds.retentionSeconds)} (RETENTION_SECONDS=${bounds.retentionSeconds})`;
  if (spanSeconds % bounds.windowSeconds !== 0) {
    return `must be a whole number of ${bounds.windowSeconds} s windows (WINDOW_SECONDS=${bounds.windowSeconds})`;
  }
  if (view !== 'trending') {
    return spanSeconds > bounds.retentionSeconds
      ? `needs ${minutes(spanSeconds)} of history; ${retention}`
      : undefined;
  }
  if (baselineSpansFor(bounds, spanSeconds) > 0) return undefined;
  const needed = (TRENDING_DEFAULTS.minBaselineSpans + 1) * spanSeconds;
  return `with view=trending needs ${minutes(needed)} of history (the span and ${TRENDING_DEFAULTS.minBaselineSpans} baseline spans before it); ${retention}`;
}

/** Validates the query of `GET /top-hashtags/history`. Never throws. */
export function parseHistoryQuery(query: RawQuery, bounds: QueryBounds): QueryResult<HistoryQuery> {
  const max = maxHistoryWindows(bounds);
  const parsed = parseFields(query, {
    windows: wholeNumber(1, max).default(Math.min(DEFAULT_HISTORY_WINDOWS, max)),
  });
  if (!parsed.ok) return parsed;
  return { ok: true, value: { windows: parsed.value.windows } };
}

/** Validates a route that takes no parameters. Never throws. */
export function parseNoQuery(query: RawQuery): QueryResult<Record<string, never>> {
  const parsed = parseFields(query, {});
  return parsed.ok ? { ok: true, value: {} } : parsed;
}

type Fields = Record<string, z.ZodType>;

function parseFields<F extends Fields>(
  query: RawQuery,
  fields: F,
): QueryResult<{ [K in keyof F]: z.output<F[K]> }> {
  const problems: ParameterProblem[] = [];
  const known = Object.keys(fields);
  const values: Record<string, string | undefined> = {};
  for (const [name, sent] of query) {
    if (!Object.hasOwn(fields, name)) {
      problems.push({
        parameter: name,
        value: sent.join(','),
        problem: known.length
          ? `is not a parameter of this route (known: ${known.join(', ')})`
          : 'is not a parameter of this route (it takes none)',
      });
    } else if (sent.length > 1) {
      problems.push({ parameter: name, value: sent.join(','), problem: 'must be given at most once' });
    } else {
      values[name] = sent[0];
    }
  }
  const output: Record<string, unknown> = {};
  for (const [name, schema] of Object.entries(fields)) {
    if (problems.some((p) => p.parameter === name)) continue;
    const result = schema.safeParse(values[name]);
    if (result.success) {
      output[name] = result.data;
    } else {
      const value = values[name];
      const problem = result.error.issues[0]?.message ?? 'is not valid';
      problems.push(value === undefined ? { parameter: name, problem } : { parameter: name, value, problem });
    }
  }
  if (problems.length > 0) return { ok: false, problems };
  return { ok: true, value: output as { [K in keyof F]: z.output<F[K]> } };
}

function single(query: RawQuery, name: string): string | undefined {
  return query.get(name)?.[0];
}

function failure(problem: { parameter: string; value: string | undefined; problem: string }): {
  ok: false;
  problems: ParameterProblem[];
} {
  const { value, ...rest } = problem;
  return { ok: false, problems: [value === undefined ? rest : { ...rest, value }] };
}
