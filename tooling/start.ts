/**
 * `npm start`: the whole pipeline on this machine.
 *
 * 1. Kafka and Redis through tooling/infra/infra.ts (running ones are reused), topics created.
 * 2. `serverless offline start --stage local`: HTTP functions, schedules, the Lambda Invoke API,
 *    and (tooling/offline-kafka) the Kafka event-source emulator that feeds the counter and
 *    runs each scheduled function once right at start.
 * 3. Ctrl-C (SIGINT) or SIGTERM stops serverless offline, then whatever of Kafka/Redis this command
 *    started; services it found running are left running.
 *
 * Settings come from the environment variables the functions themselves read (TWEETS_TOPIC,
 * REDIS_KEY_PREFIX, CONSUMER_GROUP_ID, ...), handed to serverless.yml as `--param`s, so that
 * serverless.yml stays the one place that wires them. See docs/local.md.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InfraError, infraDown, infraSettings, infraUp, portOpen, type UpResult } from './infra/infra.ts';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const serverlessBin = path.join(repoRoot, 'node_modules', 'osls', 'bin', 'serverless.js');
const HOST = '127.0.0.1';

/** Environment variable → serverless.yml parameter it sets (when the variable is set). */
const PARAM_FROM_ENV: Readonly<Record<string, string>> = {
  LOG_LEVEL: 'logLevel',
  TWEETS_TOPIC: 'tweetsTopic',
  ISS_TOPIC: 'issTopic',
  CONSUMER_GROUP_ID: 'consumerGroupId',
  REDIS_KEY_PREFIX: 'redisKeyPrefix',
  TWEETS_PER_INVOCATION: 'tweetsPerInvocation',
  COUNTER_BATCH_SIZE: 'counterBatchSize',
  COUNTER_BATCHING_WINDOW: 'counterBatchingWindow',
  COUNTER_STARTING_POSITION: 'counterStartingPosition',
  LOCAL_FAILURE_SWITCH_KEY: 'localFailureSwitchKey',
};

interface StartOptions {
  readonly httpPort: number;
  readonly lambdaPort: number;
  readonly schedules: boolean;
  /** `name=value` pairs for serverless.yml's params. */
  readonly params: readonly string[];
}

function port(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535) {
    throw new InfraError(`${name} must be a port between 1 and 65535 (got ${JSON.stringify(value)})`);
  }
  return n;
}

/** Options from argv (`--no-schedules`, `--param name=value`, `--httpPort n`, `--lambdaPort n`) and env. */
function startOptions(argv: readonly string[], env: NodeJS.ProcessEnv): StartOptions {
  const params = Object.entries(PARAM_FROM_ENV)
    .filter(([variable]) => env[variable] !== undefined && env[variable] !== '')
    .map(([variable, param]) => `${param}=${env[variable]}`);
  let httpPort = port(env.OFFLINE_HTTP_PORT, 'OFFLINE_HTTP_PORT', 3000);
  let lambdaPort = port(env.OFFLINE_LAMBDA_PORT, 'OFFLINE_LAMBDA_PORT', 3002);
  let schedules = (env.OFFLINE_SCHEDULES ?? '').toLowerCase() !== 'off';
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    const [flag, inline] = arg.includes('=') && arg.startsWith('--') ? splitOnce(arg) : [arg, undefined];
    const value = () => inline ?? argv[++i];
    if (flag === '--no-schedules') schedules = false;
    else if (flag === '--param') params.push(value() ?? '');
    else if (flag === '--httpPort') httpPort = port(value(), '--httpPort', httpPort);
    else if (flag === '--lambdaPort') lambdaPort = port(value(), '--lambdaPort', lambdaPort);
    else
      throw new InfraError(
        `unknown option ${JSON.stringify(arg)}; usage: npm start -- [--no-schedules] [--param name=value]... [--httpPort n] [--lambdaPort n]`,
      );
  }
  for (const p of params) {
    if (!/^[A-Za-z][\w]*=/.test(p))
      throw new InfraError(`--param wants name=value (got ${JSON.stringify(p)})`);
  }
  return { httpPort, lambdaPort, schedules, params };
}

function splitOnce(arg: string): [string, string] {
  const at = arg.indexOf('=');
  return [arg.slice(0, at), arg.slice(at + 1)];
}

const log = (line: string) => console.log(`[start] ${line}`);

async function main(): Promise<number> {
  const options = startOptions(process.argv.slice(2), process.env);
  for (const [p, what, variable] of [
    [options.httpPort, 'HTTP API', 'OFFLINE_HTTP_PORT'],
    [options.lambdaPort, 'Lambda Invoke API', 'OFFLINE_LAMBDA_PORT'],
  ] as const) {
    if (await portOpen(HOST, p)) {
      throw new InfraError(
        `Port ${p} (${what}) is already in use: is the pipeline already running? Stop that program (\`ss -ltnp 'sport = :${p}'\` shows it) or pick another port: ${variable}=<port> npm start`,
      );
    }
  }

  const settings = infraSettings();
  const infra: UpResult = await infraUp(settings, (line) => log(line));
  const owned = infra.started;

  const args = [
    serverlessBin,
    'offline',
    'start',
    '--stage',
    'local',
    '--httpPort',
    String(options.httpPort),
    '--lambdaPort',
    String(options.lambdaPort),
    '--noSponsor',
    `--param=kafkaBrokers=${infra.kafkaBrokers}`,
    `--param=redisUrl=${infra.redisUrl}`,
    ...options.params.map((p) => `--param=${p}`),
  ];
  log(`serverless offline start --stage local (HTTP ${options.httpPort}, Invoke API ${options.lambdaPort})`);
  // Its own process group: on shutdown the whole group (esbuild's service included) is ours to end.
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    stdio: 'inherit',
    detached: true,
    env: { ...process.env, OFFLINE_SCHEDULES: options.schedules ? 'on' : 'off' },
  });
  const exited = new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
    child.once('error', (error) => {
      console.error(`[start] could not run serverless: ${error.message}`);
      resolve(1);
    });
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping serverless offline and the Kafka event source`);
    child.kill('SIGINT');
    // serverless offline gives its servers 5 s; past 30 s the group is ended by force.
    setTimeout(() => killGroup(child, 'SIGKILL'), 30_000).unref();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  void announceWhenReady(options, infra, exited);
  const code = await exited;
  killGroup(child, 'SIGKILL');
  if (owned.length > 0) {
    log(`stopping what npm start started: ${owned.join(', ')}`);
    await infraDown(settings, log, owned);
  }
  const kept =
    infra.reused.length > 0 ? ` (left running: ${infra.reused.join(', ')}, not started by npm start)` : '';
  log(`stopped${kept}`);
  return stopping ? 0 : code;
}

/** Ends whatever is left in the child's process group (nothing, normally). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // ESRCH: the group is already empty
  }
}

async function announceWhenReady(
  options: StartOptions,
  infra: UpResult,
  exited: Promise<number>,
): Promise<void> {
  let done = false;
  void exited.then(() => {
    done = true;
  });
  const deadline = Date.now() + 180_000;
  while (!done && Date.now() < deadline) {
    if ((await portOpen(HOST, options.httpPort)) && (await portOpen(HOST, options.lambdaPort))) break;
    await new Promise((r) => setTimeout(r, 500));
  }
  if (done) return;
  const api = `http://${HOST}:${options.httpPort}`;
  const ours = (key: 'kafka' | 'redis') =>
    infra.started.includes(key) ? 'started by npm start' : 'already running';
  log('');
  log('The pipeline is running:');
  log(`  Dashboard          ${api}/`);
  log(`  Top hashtags API   ${api}/top-hashtags?limit=10`);
  log(`  ISS position API   ${api}/iss/position`);
  log(
    `  Lambda Invoke API  http://${HOST}:${options.lambdaPort} (serverless offline; functions trending-hashtags-local-*)`,
  );
  log(`  Kafka              ${infra.kafkaBrokers} (${ours('kafka')})`);
  log(`  Redis              ${infra.redisUrl} (${ours('redis')})`);
  log(
    `  Producers          ${options.schedules ? 'iss-poller and tweet-generator: once now, then every minute' : 'off (--no-schedules)'}`,
  );
  log('  Counter            hashtag-counter, fed by the Kafka event-source emulator (status line every 5 s)');
  log('Ctrl-C stops everything npm start started.');
  log('');
}

main()
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error: unknown) => {
    console.error(error instanceof InfraError ? `[start] ${error.message}` : error);
    process.exitCode = 1;
  });
