/**
 * The deployed artifact, not the source: the counter's zip holds its bundle and nothing else of
 * ours, and the bundled handler, run from the unpacked zip as Lambda runs it (task root = the
 * unzipped folder, dependencies from the layer), counts a batch into Redis: the Lua scripts
 * travel inside the bundle.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { readCounterStats } from '#state/windows/index.ts';
import { REDIS_URL } from '../fixtures/msk/harness.ts';
import { deleteKeysWithPrefix, loadKafkaFixture } from '../fixtures/msk/kafka-events.ts';
import { packageStage, zipEntries } from '../support/deploy-package.ts';

const run = promisify(execFile);

const prefix = `test-${randomUUID()}`;
const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });

afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
});

describe('the packaged hashtag-counter', () => {
  it('counts a batch when run from the unpacked artifact, with no file beside the bundle', async () => {
    const service = await packageStage('local');
    const taskRoot = mkdtempSync(path.join(tmpdir(), 'counter-task-'));
    try {
      const zip = path.join(service.artifactsDir, 'hashtag-counter.zip');
      const files = await zipEntries(zip);
      expect(files.sort()).toEqual([
        'functions/hashtag-counter/handler.mjs',
        'functions/hashtag-counter/handler.mjs.map',
      ]);

      await run('unzip', ['-q', zip, '-d', taskRoot]);
      // The layer's node_modules, as /opt/nodejs/node_modules is on Lambda.
      symlinkSync(path.resolve('node_modules'), path.join(taskRoot, 'node_modules'), 'dir');
      writeFileSync(
        path.join(taskRoot, 'event.json'),
        JSON.stringify(loadKafkaFixture('msk', 'typical-batch')),
      );
      const script = [
        "import { readFileSync } from 'node:fs';",
        "const { handler } = await import('./functions/hashtag-counter/handler.mjs');",
        "await handler(JSON.parse(readFileSync('event.json', 'utf8')), { awsRequestId: 'package-test', getRemainingTimeInMillis: () => 30000 });",
        'process.exit(0);',
      ].join('\n');
      await run(process.execPath, ['--input-type=module', '-e', script], {
        cwd: taskRoot,
        env: {
          ...process.env,
          LAMBDA_TASK_ROOT: taskRoot,
          STAGE: 'local',
          REDIS_URL,
          REDIS_KEY_PREFIX: prefix,
          LOG_LEVEL: 'WARN',
          POWERTOOLS_METRICS_DISABLED: 'true',
        },
        timeout: 30_000,
      });

      expect(
        await readCounterStats(
          redis,
          {
            keyPrefix: prefix,
            windowSeconds: 60,
            slideSeconds: 10,
            allowedLatenessSeconds: 60,
            retentionSeconds: 3600,
          },
          'mytopic',
        ),
      ).toEqual({ accepted: 100, late: 0, duplicate: 0, rejected: 0 });
    } finally {
      rmSync(taskRoot, { recursive: true, force: true });
    }
  }, 240_000);
});
