/**
 * Checks real HTTP responses against `openapi/openapi.yaml` (OpenAPI 3.1, JSON Schema 2020-12)
 * with Ajv: the body against the schema of the documented response, and every documented header
 * that has a schema against it.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parse } from 'yaml';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const SPEC_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../openapi/openapi.yaml');
const SPEC_ID = 'https://trending-hashtags.local/openapi.json';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** The parsed description, for tests that read it. */
export function loadSpec(): JsonObject {
  return parse(readFileSync(SPEC_FILE, 'utf8')) as JsonObject;
}

/** A validator of answers against the description. */
export function openApiValidator(): (route: string, answer: HttpAnswer) => string[] {
  const spec = loadSpec();
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats.default(ajv);
  // Component schemas become $defs of one schema document, so that their $refs resolve in Ajv.
  const components = spec.components as JsonObject;
  ajv.addSchema(rewriteRefs({ $id: SPEC_ID, $defs: components.schemas as Json }) as object);

  return (route, answer) => {
    const operation = ((spec.paths as JsonObject)[route] as JsonObject | undefined)?.get as
      | JsonObject
      | undefined;
    if (!operation) return [`${route}: not described`];
    let response = (operation.responses as JsonObject)[String(answer.status)] as JsonObject | undefined;
    if (!response) return [`${route}: status ${answer.status} is not described`];
    response = resolve(spec, response);
    const problems: string[] = [];

    const headers = (response.headers ?? {}) as JsonObject;
    for (const [name, declared] of Object.entries(headers)) {
      const header = resolve(spec, declared as JsonObject);
      const value = answer.headers[name.toLowerCase()];
      if (value === undefined) {
        problems.push(`header ${name} is missing`);
        continue;
      }
      if (header.schema) problems.push(...check(ajv, header.schema as JsonObject, value, `header ${name}`));
    }

    const content = response.content as JsonObject | undefined;
    if (!content) {
      if (answer.body !== '')
        problems.push(`status ${answer.status} has no body, got ${answer.body.length} bytes`);
      return problems;
    }
    const contentType = (answer.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
    const media = content[contentType] as JsonObject | undefined;
    if (!media) return [...problems, `content type ${contentType} is not described for ${answer.status}`];
    const body: unknown = contentType.endsWith('json') ? JSON.parse(answer.body) : answer.body;
    problems.push(...check(ajv, media.schema as JsonObject, body, 'body'));
    return problems;
  };
}

/** The Problem schema, for answers no path describes (404, 405). */
export function problemValidator(): (body: unknown) => string[] {
  const spec = loadSpec();
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  addFormats.default(ajv);
  const schemas = (spec.components as JsonObject).schemas as JsonObject;
  ajv.addSchema(rewriteRefs({ $id: SPEC_ID, $defs: schemas }) as object);
  return (body) => check(ajv, { $ref: '#/components/schemas/Problem' }, body, 'body');
}

function check(ajv: Ajv2020, schema: JsonObject, value: unknown, what: string): string[] {
  const validate = ajv.compile(rewriteRefs(schema) as object);
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${what}${e.instancePath} ${e.message ?? 'is invalid'}`);
}

function resolve(spec: JsonObject, node: JsonObject): JsonObject {
  const ref = node.$ref;
  if (typeof ref !== 'string') return node;
  let target: Json = spec;
  for (const part of ref.replace(/^#\//, '').split('/')) target = (target as JsonObject)[part] as Json;
  return resolve(spec, target as JsonObject);
}

function rewriteRefs(node: Json): Json {
  if (Array.isArray(node)) return node.map(rewriteRefs);
  if (node === null || typeof node !== 'object') return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] =
      key === '$ref' && typeof value === 'string'
        ? value.replace('#/components/schemas/', `${SPEC_ID}#/$defs/`)
        : rewriteRefs(value);
  }
  return out;
}
