/**
 * The local Redis of `infra:up`: reused when one answers, else redis-server started detached with
 * its append-only file in the state folder, so the counts survive a restart.
 */
import { mkdir } from 'node:fs/promises';
import { InfraError } from './infra-error.ts';
import { ensurePrerequisite, REDIS } from './prerequisites.ts';
import { portOpen, redisAnswers } from './probes.ts';
import { ourProcess, type StartContext, type StartOutcome, writePid } from './processes.ts';
import { launchRedisServer } from './redis-server.ts';
import { type InfraSettings, serviceFiles } from './settings.ts';

const READY_TIMEOUT_MS = 15_000;

export async function startRedis(s: InfraSettings, ctx: StartContext): Promise<StartOutcome> {
  const { host, redisPort: port } = s;
  if (await redisAnswers(host, port)) {
    const ours = await ourProcess(s, 'redis', port);
    ctx.log(
      `Redis: reusing the server on ${host}:${port}${ours ? ` (pid ${ours.pid}, started by an earlier infra:up or npm start)` : ' (not started by us; infra:down leaves it)'}`,
    );
    return ours ? 'reused-ours' : 'reused';
  }
  if (await portOpen(host, port)) {
    throw new InfraError(
      `Port ${port} is taken by a program that is not Redis. Find it with \`ss -ltnp 'sport = :${port}'\` and stop it, or set REDIS_PORT to a free port.`,
    );
  }
  await ensurePrerequisite(REDIS, s.env, ctx.log);
  ctx.signal.throwIfAborted();
  const { dataDir, logFile } = serviceFiles(s, 'redis');
  await mkdir(dataDir, { recursive: true });
  const server = await launchRedisServer({
    host,
    port,
    dataDir,
    logFile,
    persistence: 'aof',
    detached: true,
    env: s.env,
  });
  await writePid(s, 'redis', { pid: server.pid, marker: server.marker, port, logFile });
  ctx.spawned('redis');
  const started = Date.now();
  await server.ready({
    timeoutMs: READY_TIMEOUT_MS,
    signal: ctx.signal,
    hint: `See ${logFile}; if it cannot read its data, \`npm run infra:down -- --wipe\` starts it empty.`,
  });
  ctx.timings.redis = Date.now() - started;
  ctx.log(
    `Redis: started on ${host}:${port} (pid ${server.pid}, data ${dataDir} (append-only file), log ${logFile})`,
  );
  return 'started';
}
