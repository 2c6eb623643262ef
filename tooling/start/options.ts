/**
 * `npm start`'s options: the command line (node:util parseArgs) and the environment.
 *
 * Every scalar parameter of serverless.yml (`params.default`) can be set from the environment
 * under its SCREAMING_SNAKE_CASE name (`counterBatchSize` ← COUNTER_BATCH_SIZE, `redisKeyPrefix` ←
 * REDIS_KEY_PREFIX): serverless.yml stays the one list of parameters and their defaults, and the
 * functions' variables of the same names (TWEETS_TOPIC, ...) mean the same thing here. `kafkaBrokers`
 * and `redisUrl` come from what the local services report instead.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseDocument } from 'yaml';
import { InfraError } from '../infra/infra.ts';

/** Set from the local services (tooling/infra), not from the environment. */
const FROM_INFRA = new Set(['kafkaBrokers', 'redisUrl']);

export interface StartOptions {
  readonly httpPort: number;
  readonly lambdaPort: number;
  readonly schedules: boolean;
  /** `name=value` pairs for serverless.yml's params. */
  readonly params: readonly string[];
  /** LOG_LEVEL=DEBUG: every line live in the terminal, not only in the log file. */
  readonly verbose: boolean;
}

export const USAGE =
  'usage: npm start -- [--no-schedules] [--param name=value]... [--httpPort n] [--lambdaPort n]';

/** `counterBatchSize` → `COUNTER_BATCH_SIZE`. */
export function envName(param: string): string {
  return param.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toUpperCase();
}

/** The scalar parameters of `params.default` in serverless.yml's text. */
export function scalarParams(serverlessYml: string): string[] {
  // serverless.yml holds CloudFormation tags (!Ref ...): tolerated, never evaluated.
  const doc = parseDocument(serverlessYml, { customTags: [], logLevel: 'error' });
  const defaults = doc.toJS({ maxAliasCount: -1 })?.params?.default as Record<string, unknown> | undefined;
  return Object.entries(defaults ?? {})
    .filter(([, value]) => value === null || typeof value !== 'object')
    .map(([name]) => name);
}

/** `name=value` for each parameter whose variable is set and not empty. */
export function paramsFromEnv(params: readonly string[], env: NodeJS.ProcessEnv): string[] {
  return params
    .filter((p) => !FROM_INFRA.has(p))
    .flatMap((p) => {
      const value = env[envName(p)];
      return value === undefined || value === '' ? [] : [`${p}=${value}`];
    });
}

function port(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new InfraError(`${name} must be a port between 1 and 65535 (got ${JSON.stringify(value)})`);
  }
  return n;
}

/** Options from argv and the environment; a bad one throws an InfraError that says what to type. */
export function startOptions(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  serverlessYmlPath: string,
): StartOptions {
  let values: { 'no-schedules'?: boolean; param?: string[]; httpPort?: string; lambdaPort?: string };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        'no-schedules': { type: 'boolean' },
        param: { type: 'string', multiple: true },
        httpPort: { type: 'string' },
        lambdaPort: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new InfraError(`${(error as Error).message}; ${USAGE}`);
  }
  const params = [
    ...paramsFromEnv(scalarParams(readFileSync(serverlessYmlPath, 'utf8')), env),
    ...(values.param ?? []),
  ];
  for (const p of values.param ?? []) {
    if (!/^[A-Za-z]\w*=/.test(p)) throw new InfraError(`--param wants name=value (got ${JSON.stringify(p)})`);
  }
  return {
    httpPort: port(values.httpPort, '--httpPort', port(env.OFFLINE_HTTP_PORT, 'OFFLINE_HTTP_PORT', 3000)),
    lambdaPort: port(
      values.lambdaPort,
      '--lambdaPort',
      port(env.OFFLINE_LAMBDA_PORT, 'OFFLINE_LAMBDA_PORT', 3002),
    ),
    schedules: !values['no-schedules'] && (env.OFFLINE_SCHEDULES ?? '').toLowerCase() !== 'off',
    params,
    verbose: (env.LOG_LEVEL ?? '').toUpperCase() === 'DEBUG',
  };
}
