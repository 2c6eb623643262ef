/**
 * The deployed artifacts load as Lambda loads them: each function zip unpacked as the task root,
 * the layer zip unpacked as /opt (its nodejs/node_modules is where Lambda resolves packages), and
 * the AWS SDK v3 available only as the runtime provides it (on NODE_PATH, not in the layer).
 * Every handler module must import without a missing package and export `handler`.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { type PackagedService, packageStage } from '../support/deploy-package.ts';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const FUNCTIONS = ['iss-poller', 'tweet-generator', 'hashtag-counter', 'top-hashtags'];

let packaged: PackagedService;
let lambda: string;

beforeAll(async () => {
  packaged = await packageStage('dev');
  lambda = mkdtempSync(path.join(tmpdir(), 'lambda-fs-'));
  const opt = path.join(lambda, 'opt');
  await run('unzip', ['-q', path.join(packaged.artifactsDir, 'runtime.zip'), '-d', opt]);
  // The runtime's AWS SDK: only @aws-sdk itself is offered, as /var/runtime/node_modules offers it.
  const runtimeSdk = path.join(lambda, 'var-runtime', 'node_modules');
  mkdirSync(runtimeSdk, { recursive: true });
  symlinkSync(path.join(ROOT, 'node_modules', '@aws-sdk'), path.join(runtimeSdk, '@aws-sdk'), 'dir');
  for (const name of FUNCTIONS) {
    const task = path.join(lambda, 'task', name);
    mkdirSync(task, { recursive: true });
    await run('unzip', ['-q', path.join(packaged.artifactsDir, `${name}.zip`), '-d', task]);
    // Lambda resolves a function's ES module imports from the layer's nodejs/node_modules.
    symlinkSync(path.join(opt, 'nodejs', 'node_modules'), path.join(task, 'node_modules'), 'dir');
  }
}, 300_000);

afterAll(() => {
  if (lambda) rmSync(lambda, { recursive: true, force: true });
});

describe('the packaged functions with the packaged layer', () => {
  it.each(FUNCTIONS)('%s imports from its zip and the layer alone and exports a handler', async (name) => {
    const task = path.join(lambda, 'task', name);
    const script = `import(${JSON.stringify(path.join(task, 'functions', name, 'handler.mjs'))})
      .then((m) => { console.log(typeof m.handler); process.exit(0); })
      .catch((e) => { console.error(e); process.exit(1); });`;

    const { stdout } = await run(
      process.execPath,
      ['--enable-source-maps', '--input-type=module', '-e', script],
      {
        cwd: task,
        timeout: 30_000,
        env: {
          PATH: process.env.PATH,
          NODE_PATH: path.join(lambda, 'var-runtime', 'node_modules'),
          LAMBDA_TASK_ROOT: task,
          STAGE: 'local',
          LOG_LEVEL: 'SILENT',
          POWERTOOLS_METRICS_NAMESPACE: 'DeployArtifactsTest',
          POWERTOOLS_SERVICE_NAME: name,
          // Nothing listens here: importing must not need Kafka or Redis.
          KAFKA_BROKERS: '127.0.0.1:1',
          REDIS_URL: 'redis://127.0.0.1:1',
        },
      },
    );

    expect(stdout.trim()).toBe('function');
  });
});
