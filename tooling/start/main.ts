/**
 * `npm start`: the whole pipeline on this machine.
 *
 * 1. Kafka and Redis through tooling/infra (running ones are reused), topics created.
 * 2. `serverless offline start --stage local` as a child (serverless-offline.ts): HTTP functions,
 *    schedules (tooling/serverless-plugins/offline-schedules.cjs), the Lambda Invoke API and the
 *    Kafka event-source emulator (tooling/offline-kafka), whose status line gets the app's top 3
 *    from status-hook.ts.
 * 3. Its output: all of it to the run's log file (run-log.ts); to the terminal only what asks for a
 *    person's attention (output.ts), or everything with LOG_LEVEL=DEBUG.
 * 4. Ctrl-C (SIGINT) or SIGTERM stops serverless offline, then whatever of Kafka/Redis this command
 *    started. If npm start dies any other way (kill -9), serverless offline stops by itself
 *    (parent-watch.mjs). A start that fails stops what it started and says why in one line.
 *
 * Settings: options.ts (serverless.yml's parameters from the environment). See docs/local.md.
 */
import path from 'node:path';
import pWaitFor, { TimeoutError } from 'p-wait-for';
import { InfraError, infraDown, infraSettings, infraUp, portOpen, type UpResult } from '../infra/infra.ts';
import { bannerLines, stoppedLine } from './banner.ts';
import { type StartOptions, startOptions } from './options.ts';
import { jsonRecord, terminalText } from './output.ts';
import { openRunLog, type RunLog } from './run-log.ts';
import { exitReason, type OfflineExit, spawnServerlessOffline } from './serverless-offline.ts';

const repoRoot = path.resolve(import.meta.dirname, '..', '..');
const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 180_000;

let runLog: RunLog | undefined;

/** npm start's own lines: the terminal and the log file. */
function say(line: string): void {
  console.log(`[start] ${line}`);
  runLog?.write(`[start] ${line}`);
}

async function refuseTakenPorts(options: StartOptions): Promise<void> {
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
}

async function main(): Promise<number> {
  const options = startOptions(process.argv.slice(2), process.env, path.join(repoRoot, 'serverless.yml'));
  await refuseTakenPorts(options);
  runLog = openRunLog(path.join(repoRoot, '.cache', 'logs'));
  const log = runLog;
  say(`log file: ${log.file}`);

  const settings = infraSettings();
  const infra: UpResult = await infraUp(settings, say);

  const recentText: string[] = [];
  let consuming = false;
  say(`serverless offline start --stage local (HTTP ${options.httpPort}, Invoke API ${options.lambdaPort})`);
  const offline = spawnServerlessOffline({
    repoRoot,
    args: [
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
    ],
    env: {
      ...process.env,
      OFFLINE_SCHEDULES: options.schedules ? 'on' : 'off',
      OFFLINE_LOG_FORMAT: 'json',
      OFFLINE_KAFKA_STATUS_HOOK: 'tooling/start/status-hook.ts',
    },
    onLine(line) {
      log.write(line);
      const text = terminalText(line, options.verbose);
      if (text !== undefined) console.log(text);
      const record = jsonRecord(line);
      if (record?.event === 'ready' && record.service === 'offline-kafka') consuming = true;
      if (!record) {
        recentText.push(line);
        if (recentText.length > 40) recentText.shift();
      }
    },
    onSpawnError: (error) => say(`could not run serverless offline: ${error.message}`),
  });
  let exit: OfflineExit | undefined;
  void offline.exited.then((e) => {
    exit = e;
  });

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    say(`${signal}: stopping serverless offline and the Kafka event source`);
    offline.stop();
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));

  let failure: string | undefined;
  try {
    await pWaitFor(
      async () =>
        exit !== undefined ||
        stopping ||
        (consuming && (await portOpen(HOST, options.httpPort)) && (await portOpen(HOST, options.lambdaPort))),
      { interval: 250, timeout: READY_TIMEOUT_MS },
    );
    if (exit && !stopping) failure = exitReason(exit, recentText);
  } catch (error) {
    if (!(error instanceof TimeoutError)) throw error;
    failure = `serverless offline was not ready after ${READY_TIMEOUT_MS / 1000} s`;
    offline.stop(10_000);
  }
  if (!failure && !stopping) {
    for (const line of bannerLines({ host: HOST, ...options, logFile: log.file, infra })) say(line);
  }

  const ended = await offline.exited;
  if (!failure && !stopping)
    failure = exitReason(ended, recentText).replace(' before it was ready', ' unexpectedly');
  if (infra.started.length > 0) {
    say(`stopping what npm start started: ${infra.started.join(', ')}`);
    await infraDown(settings, say, infra.started);
  }
  if (failure) {
    // One line with what failed and where to read the rest.
    say(`${failure}. Its whole output: ${log.file}. Fix that and run npm start again.`);
  } else say(stoppedLine(infra));
  await log.close();
  return failure ? 1 : 0;
}

main()
  .then((code) => {
    process.exitCode = code;
  })
  .catch(async (error: unknown) => {
    console.error(error instanceof InfraError ? `[start] ${error.message}` : error);
    await runLog?.close();
    process.exitCode = 1;
  });
