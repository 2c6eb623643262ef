/**
 * `npm start`'s options: the command line (node:util parseArgs) and the environment.
 *
 * Every scalar parameter of serverless.yml (`params.default`) can be set from the environment
 * under its SCREAMING_SNAKE_CASE name (`counterBatchSize` ← COUNTER_BATCH_SIZE, `redisKeyPrefix` ←
 * REDIS_KEY_PREFIX): serverless.yml stays the one list of parameters and their defaults, and the
 * functions' variables of the same names (TWEETS_TOPIC, ...) mean the same thing here. `kafkaBrokers`
 * and `redisUrl` come from what the local services report instead.
 *
 * `--stage-like <stage>` (or STAGE_LIKE) runs the local stage with that stage's event source mapping
 * settings: its `*BatchSize`, `*BatchingWindow` and `*StartingPosition` params (its own or the
 * defaults, never the local stage's overrides) and, through the
 * `mappingStage` param, its CloudFormation extras (retries, bisect, on-failure destination, filters;
 * custom.eventSourceMappings). Brokers, Redis and everything else stay local.
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
  /** The stage whose mapping settings the local run takes (--stage-like), if any. */
  readonly stageLike: string | undefined;
}

export const USAGE =
  'usage: npm start -- [--no-schedules] [--stage-like dev|prod] [--param name=value]... [--httpPort n] [--lambdaPort n]';

/** The params of a stage that are event source mapping settings of the events themselves. */
const MAPPING_PARAM = /(BatchSize|BatchingWindow|StartingPosition)$/;

/** `name=value` for the mapping settings of `stage` in serverless.yml's text (see the module comment). */
export function stageLikeParams(serverlessYml: string, stage: string): string[] {
  const doc = parseDocument(serverlessYml, { customTags: [], logLevel: 'error' });
  const params = doc.toJS({ maxAliasCount: -1 })?.params as
    | Record<string, Record<string, unknown>>
    | undefined;
  const own = params?.[stage];
  const stages = Object.keys(params ?? {}).filter((s) => s !== 'default' && s !== 'local');
  if (stage === 'default' || stage === 'local' || own === undefined || own === null) {
    throw new InfraError(
      `--stage-like wants a stage of serverless.yml's params other than local (${stages.join(', ')}); got ${JSON.stringify(stage)}`,
    );
  }
  // The stage's effective value: its own, else the default (the local stage's overrides do not apply).
  const effective = { ...(params?.default ?? {}), ...own };
  return [
    `mappingStage=${stage}`,
    ...Object.entries(effective)
      .filter(([name, value]) => MAPPING_PARAM.test(name) && (value === null || typeof value !== 'object'))
      .map(([name, value]) => `${name}=${String(value)}`),
  ];
}

/** The last value of each `name=value` wins, first position kept (serverless takes one per name). */
function lastWins(params: readonly string[]): string[] {
  const byName = new Map<string, string>();
  for (const p of params) byName.set(p.slice(0, p.indexOf('=')), p);
  return [...byName.values()];
}

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
  let values: {
    'no-schedules'?: boolean;
    'stage-like'?: string;
    param?: string[];
    httpPort?: string;
    lambdaPort?: string;
  };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        'no-schedules': { type: 'boolean' },
        'stage-like': { type: 'string' },
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
  for (const p of values.param ?? []) {
    if (!/^[A-Za-z]\w*=/.test(p)) throw new InfraError(`--param wants name=value (got ${JSON.stringify(p)})`);
  }
  const yml = readFileSync(serverlessYmlPath, 'utf8');
  const stageLike = values['stage-like'] ?? (env.STAGE_LIKE || undefined);
  // Explicit settings win over the stage's: the environment, then --param.
  const params = lastWins([
    ...(stageLike === undefined ? [] : stageLikeParams(yml, stageLike)),
    ...paramsFromEnv(scalarParams(yml), env),
    ...(values.param ?? []),
  ]);
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
    stageLike,
  };
}
