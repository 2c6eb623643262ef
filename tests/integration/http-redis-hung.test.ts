/**
 * A hung Redis: connections are accepted, commands never answered (`CLIENT PAUSE`). The API must
 * answer 503 with Retry-After within about its command timeout (`HTTP_REDIS_TIMEOUT_MS`, 1 s by
 * default), not hang until the Lambda or serverless offline times out. The pause would stall every
 * other test on the shared Redis, so this one starts a private redis-server on a free port.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pWaitFor from 'p-wait-for';
import { loadConfig } from '#lib/config.ts';
import { createRedis, type RedisClient } from '#lib/redis.ts';
import { call, countRecords, createTestApi, testSettings } from '../support/http-api.ts';
import { openApiValidator } from '../support/openapi.ts';
import { freePort } from '../support/ports.ts';

/** How long the test pauses Redis: well past the command timeout, short enough to wait out. */
const PAUSE_MS = 4_000;

const matchesSpec = openApiValidator();
let dir: string;
let server: ChildProcess;
let url: string;
const clients: RedisClient[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'redis-hung-'));
  const port = await freePort();
  url = `redis://127.0.0.1:${port}`;
  server = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let log = '';
  server.stdout?.on('data', (chunk: Buffer) => {
    log += chunk.toString();
  });
  await pWaitFor(
    () => {
      if (server.exitCode !== null) throw new Error(`redis-server exited: ${log}`);
      return /Ready to accept connections/.test(log);
    },
    { interval: 50, timeout: { milliseconds: 10_000, message: `redis-server did not start: ${log}` } },
  );
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.quit().catch(() => c.disconnect())));
  if (server && server.exitCode === null) {
    const exited = new Promise((resolve) => server.once('exit', resolve));
    server.kill('SIGKILL');
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A client as the HTTP function builds it: the configured command timeout, the default unless set. */
function apiClient(): RedisClient {
  const config = loadConfig({ REDIS_URL: url });
  const client = createRedis(config, { commandTimeoutMs: config.redis.httpCommandTimeoutMs });
  clients.push(client);
  return client;
}

describe('a hung Redis', () => {
  it('answers 503 with Retry-After within about a second while Redis is paused, and 200 once it answers again', async () => {
    const redis = apiClient();
    const admin = createRedis(loadConfig({ REDIS_URL: url }));
    clients.push(admin);
    const api = createTestApi(redis, testSettings());
    await countRecords(admin, api.settings, api.topic, [['#Paused', Date.now() - 1_000, 3]]);
    expect((await call(api, '/top-hashtags')).status).toBe(200);

    await admin.call('CLIENT', 'PAUSE', String(PAUSE_MS));
    const pausedAt = performance.now();
    const answers = await Promise.all(
      ['/top-hashtags', '/top-hashtags/history', '/iss/position'].map(async (route) => {
        // One handler per concurrent request, as one Lambda container serves one at a time.
        const own = createTestApi(redis, api.settings);
        const started = performance.now();
        const answer = await call(own, route);
        return { route, answer, seconds: (performance.now() - started) / 1000 };
      }),
    );

    for (const { route, answer, seconds } of answers) {
      expect(answer.status).toBe(503);
      expect(answer.headers['retry-after']).toBe('5');
      expect(matchesSpec(route, answer)).toEqual([]);
      expect(seconds).toBeLessThan(2);
    }
    // Wait out the pause (it cannot be lifted early: CLIENT UNPAUSE waits behind it), then read again.
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, PAUSE_MS - (performance.now() - pausedAt))),
    );
    await pWaitFor(async () => (await call(api, '/top-hashtags')).status === 200, {
      interval: 100,
      timeout: 5_000,
    });
    const after = await call(api, '/top-hashtags');
    expect((after.json as { hashtags: unknown[] }).hashtags).toEqual([
      { rank: 1, hashtag: '#Paused', count: 3 },
    ]);
  }, 30_000);
});
