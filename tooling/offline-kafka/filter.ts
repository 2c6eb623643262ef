/**
 * Event filtering as Lambda applies it to Kafka event source mappings (`FilterCriteria`, or the
 * `filterPatterns` of a `kafka`/`msk` event): a record reaches the function when any pattern
 * matches it; the others are committed and never delivered. Kafka mappings filter on `value` only.
 * Patterns are compiled once at start: an operator or key Lambda does not document fails there,
 * with its name. Pure.
 *
 * No npm package implements Lambda's flavour of these patterns (EventBridge's has more operators,
 * and the value decoding rules below are Kafka's own), so this module is ours.
 */
// https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html (syntax, operators)
// https://docs.aws.amazon.com/lambda/latest/dg/kafka-filtering.html (the `value` key, plain strings, UTF-8)

export class FilterPatternError extends Error {
  override name = 'FilterPatternError';
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** One condition on a field: a literal (equals) or an operator object. */
type Condition =
  | { readonly kind: 'equals'; readonly value: null | boolean | number | string }
  | { readonly kind: 'prefix'; readonly value: string }
  | { readonly kind: 'suffix'; readonly value: string }
  | { readonly kind: 'equals-ignore-case'; readonly value: string }
  | { readonly kind: 'anything-but'; readonly values: ReadonlyArray<string | number> }
  | { readonly kind: 'numeric'; readonly tests: ReadonlyArray<readonly [string, number]> }
  | { readonly kind: 'exists'; readonly value: boolean };

/** A pattern node: field name -> conditions (OR) or nested pattern; `$or` -> alternatives. */
interface PatternNode {
  readonly fields: ReadonlyMap<string, readonly Condition[] | PatternNode>;
  readonly or: readonly PatternNode[];
}

export interface CompiledFilter {
  /** The value part: a JSON pattern (object), a plain-string pattern (array), or none. */
  readonly value: { readonly json: PatternNode } | { readonly text: readonly Condition[] } | undefined;
  /** As written, for logs. */
  readonly source: string;
}

const NUMERIC_OPS = new Set(['=', '<', '<=', '>', '>=']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function compileCondition(raw: unknown, where: string): Condition {
  if (raw === null || typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean') {
    return { kind: 'equals', value: raw };
  }
  if (!isObject(raw)) throw new FilterPatternError(`${where}: a condition is a value or an operator object`);
  const keys = Object.keys(raw);
  const [op] = keys;
  if (keys.length !== 1 || op === undefined) {
    throw new FilterPatternError(
      `${where}: an operator object has exactly one operator (got ${keys.join(', ')})`,
    );
  }
  const arg = raw[op];
  switch (op) {
    case 'prefix':
    case 'suffix':
    case 'equals-ignore-case':
      if (typeof arg !== 'string') throw new FilterPatternError(`${where}: "${op}" takes a string`);
      return { kind: op, value: arg };
    case 'exists':
      if (typeof arg !== 'boolean') throw new FilterPatternError(`${where}: "exists" takes true or false`);
      return { kind: 'exists', value: arg };
    case 'anything-but': {
      const values = Array.isArray(arg) ? arg : [arg];
      if (!values.every((v) => typeof v === 'string' || typeof v === 'number')) {
        throw new FilterPatternError(`${where}: "anything-but" takes strings or numbers`);
      }
      return { kind: 'anything-but', values: values as Array<string | number> };
    }
    case 'numeric': {
      if (!Array.isArray(arg) || arg.length === 0 || arg.length % 2 !== 0 || arg.length > 4) {
        throw new FilterPatternError(`${where}: "numeric" takes [op, n] or [op, n, op, n]`);
      }
      const tests: Array<readonly [string, number]> = [];
      for (let i = 0; i < arg.length; i += 2) {
        const o = arg[i];
        const n = arg[i + 1];
        if (typeof o !== 'string' || !NUMERIC_OPS.has(o) || typeof n !== 'number') {
          throw new FilterPatternError(`${where}: "numeric" operators are = < <= > >= followed by a number`);
        }
        tests.push([o, n]);
      }
      return { kind: 'numeric', tests };
    }
    default:
      throw new FilterPatternError(`${where}: operator "${op}" is not one Lambda's event filtering supports`);
  }
}

function compileConditions(raw: unknown, where: string): Condition[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw new FilterPatternError(`${where}: the conditions of a field are a non-empty array`);
  }
  return raw.map((c, i) => compileCondition(c, `${where}[${i}]`));
}

function compileNode(raw: Record<string, unknown>, where: string): PatternNode {
  const fields = new Map<string, readonly Condition[] | PatternNode>();
  const or: PatternNode[] = [];
  for (const [key, value] of Object.entries(raw)) {
    if (key === '$or') {
      if (!Array.isArray(value) || value.length < 2 || !value.every(isObject)) {
        throw new FilterPatternError(`${where}.$or: takes an array of at least two patterns`);
      }
      value.forEach((alt, i) => {
        or.push(compileNode(alt, `${where}.$or[${i}]`));
      });
    } else if (isObject(value)) {
      fields.set(key, compileNode(value, `${where}.${key}`));
    } else {
      fields.set(key, compileConditions(value, `${where}.${key}`));
    }
  }
  return { fields, or };
}

/** Compiles one pattern (an object, or its JSON text as `FilterCriteria.Filters[].Pattern` holds it). */
export function compileFilter(pattern: unknown, where = 'pattern'): CompiledFilter {
  let raw = pattern;
  if (typeof pattern === 'string') {
    try {
      raw = JSON.parse(pattern);
    } catch {
      throw new FilterPatternError(`${where}: not JSON: ${pattern.slice(0, 100)}`);
    }
  }
  if (!isObject(raw)) throw new FilterPatternError(`${where}: a pattern is a JSON object`);
  for (const key of Object.keys(raw)) {
    if (key !== 'value') {
      throw new FilterPatternError(
        `${where}: key "${key}" cannot be filtered on; Kafka event source mappings filter on "value" only`,
      );
    }
  }
  const source = JSON.stringify(raw);
  const value = raw.value;
  if (value === undefined) return { value: undefined, source };
  if (isObject(value)) return { value: { json: compileNode(value, `${where}.value`) }, source };
  return { value: { text: compileConditions(value, `${where}.value`) }, source };
}

function conditionMatches(c: Condition, present: boolean, v: Json | undefined): boolean {
  if (c.kind === 'exists') return c.value === present;
  if (!present) return false;
  switch (c.kind) {
    case 'equals':
      return v === c.value;
    case 'prefix':
      return typeof v === 'string' && v.startsWith(c.value);
    case 'suffix':
      return typeof v === 'string' && v.endsWith(c.value);
    case 'equals-ignore-case':
      return typeof v === 'string' && v.toLowerCase() === c.value.toLowerCase();
    case 'anything-but':
      return (typeof v === 'string' || typeof v === 'number') && !c.values.includes(v);
    case 'numeric':
      return typeof v === 'number' && c.tests.every(([op, n]) => compare(op, v, n));
  }
}

function compare(op: string, v: number, n: number): boolean {
  switch (op) {
    case '=':
      return v === n;
    case '<':
      return v < n;
    case '<=':
      return v <= n;
    case '>':
      return v > n;
    default:
      return v >= n;
  }
}

/** A field holding an array matches when any of its elements does. */
function fieldMatches(conditions: readonly Condition[], present: boolean, v: Json | undefined): boolean {
  if (Array.isArray(v)) {
    return conditions.some((c) =>
      c.kind === 'exists' ? c.value === present : v.some((e) => conditionMatches(c, true, e)),
    );
  }
  // `[null]` matches a field that is present and null; an absent field only matches `exists: false`.
  return conditions.some((c) => conditionMatches(c, present, v));
}

function nodeMatches(node: PatternNode, data: Json | undefined): boolean {
  const obj = isObject(data) ? (data as Record<string, Json>) : undefined;
  for (const [key, expected] of node.fields) {
    const present = obj !== undefined && Object.hasOwn(obj, key);
    const v = present ? obj[key] : undefined;
    if (Array.isArray(expected)) {
      if (!fieldMatches(expected, present, v)) return false;
    } else if (!nodeMatches(expected as PatternNode, v)) return false;
  }
  return node.or.length === 0 || node.or.some((alt) => nodeMatches(alt, data));
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** What Lambda sees of a record value: JSON (an object), a plain string, or nothing usable. */
export type FilterableValue = { readonly json: Json } | { readonly text: string } | undefined;

/** Decodes a record value the way Lambda does before filtering: UTF-8, then JSON if it parses. */
export function filterableValue(value: Buffer | null): FilterableValue {
  if (value === null) return undefined;
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    return undefined;
  }
  try {
    const json = JSON.parse(text) as Json;
    if (isObject(json)) return { json };
  } catch {
    // a plain string
  }
  return { text };
}

/**
 * Whether one pattern lets the record through. Where the record's format does not match the
 * pattern's (a JSON pattern on a plain string, a string pattern on JSON, a value that is not
 * UTF-8), Lambda applies the metadata filters only: the value part is then not a condition.
 */
export function filterMatches(filter: CompiledFilter, value: FilterableValue): boolean {
  const pattern = filter.value;
  if (pattern === undefined || value === undefined) return true;
  if ('json' in pattern) return 'json' in value ? nodeMatches(pattern.json, value.json) : true;
  return 'text' in value ? fieldMatches(pattern.text, true, value.text) : true;
}

/** A record passes when there are no filters or any filter matches it. */
export function passesFilters(filters: readonly CompiledFilter[], value: Buffer | null): boolean {
  if (filters.length === 0) return true;
  const decoded = filterableValue(value);
  return filters.some((f) => filterMatches(f, decoded));
}
