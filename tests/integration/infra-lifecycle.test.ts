/**
 * infra:up / infra:down on a second, private pair of services (other ports, other state folder),
 * so that the shared services of the rest of the suite are never touched. The tests run in order
 * on one pair: started, reused, restarted with its data, wiped, stopped.
 */
import net from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';
import {
  InfraError,
  type InfraSettings,
  infraDown,
  infraStatus,
  infraUp,
  kafkaAnswers,
  livePids,
  portOpen,
  redisAnswers,
  wipeLocalData,
} from '../../tooling/infra/infra.ts';
import { privateInfraSettings, removePrivateInfra } from '../support/private-infra.ts';

const quiet = () => undefined;

async function withRedis<T>(s: InfraSettings, use: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ host: s.host, port: s.redisPort, maxRetriesPerRequest: 1 });
  try {
    return await use(redis);
  } finally {
    redis.disconnect();
  }
}

describe('infra:up and infra:down on private ports', () => {
  let settings: InfraSettings;

  beforeAll(async () => {
    settings = await privateInfraSettings('infra-lifecycle-');
  });

  afterAll(() => removePrivateInfra(settings));

  it('starts both services once, and a second up reuses them as started by us', async () => {
    const first = await infraUp(settings, quiet);
    const pidsAfterFirst = (await livePids(settings)).sort();
    const second = await infraUp(settings, quiet);
    const pidsAfterSecond = (await livePids(settings)).sort();

    expect([...first.started].sort()).toEqual(['kafka', 'redis']);
    expect(first.reusedOurs).toEqual([]);
    expect(second.started).toEqual([]);
    expect([...second.reused].sort()).toEqual(['kafka', 'redis']);
    expect([...second.reusedOurs].sort()).toEqual(['kafka', 'redis']);
    expect(pidsAfterFirst).toHaveLength(2);
    expect(pidsAfterSecond).toEqual(pidsAfterFirst);
    expect(await kafkaAnswers(settings.host, settings.kafkaPort)).toBe(true);
    expect(await redisAnswers(settings.host, settings.redisPort)).toBe(true);
  }, 120_000);

  it('says where each service keeps its data', async () => {
    const { services } = await infraStatus(settings);

    expect(services.map((s) => [s.name, s.ours !== undefined, s.data])).toEqual([
      ['Kafka', true, path.join(settings.stateDir, 'kafka', 'data')],
      ['Redis', true, `${path.join(settings.stateDir, 'redis')} (append-only file, fsync every second)`],
    ]);
  });

  it('keeps what Redis holds across a restart, and forgets it only when wiped', async () => {
    await withRedis(settings, (redis) => redis.set('lifecycle:count', '42'));

    await infraDown(settings, quiet, ['redis']);
    const restarted = await infraUp(settings, quiet);
    const afterRestart = await withRedis(settings, (redis) => redis.get('lifecycle:count'));
    await infraDown(settings, quiet, ['redis']);
    await wipeLocalData(settings, quiet, ['redis']);
    await infraUp(settings, quiet);
    const afterWipe = await withRedis(settings, (redis) => redis.get('lifecycle:count'));

    expect(restarted.started).toEqual(['redis']);
    expect(restarted.reusedOurs).toEqual(['kafka']);
    expect(afterRestart).toBe('42');
    expect(afterWipe).toBeNull();
  }, 60_000);

  it('refuses to wipe the data of a service that still runs on it', async () => {
    await expect(wipeLocalData(settings, quiet)).rejects.toThrow(/still runs on its data.*infra:down/);
  });

  it('refuses a Redis port taken by another program and says how to free it', async () => {
    const squatter = net.createServer((socket) => {
      socket.on('error', () => undefined);
      // Read (and drop) what the probe sends, so its close is seen and this socket ends too.
      socket.resume();
      socket.end('not redis\r\n');
    });
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const { port } = squatter.address() as net.AddressInfo;
    const taken = { ...settings, redisPort: port };

    try {
      const failure = infraUp(taken, quiet);
      await expect(failure).rejects.toThrow(InfraError);
      await expect(failure).rejects.toThrow(new RegExp(`Port ${port} is taken.*REDIS_PORT`));
    } finally {
      await new Promise((resolve) => squatter.close(resolve));
    }
  }, 120_000);

  it('stops both on down and leaves no process behind', async () => {
    await infraDown(settings, quiet);

    expect(await livePids(settings)).toEqual([]);
    expect(await portOpen(settings.host, settings.kafkaPort)).toBe(false);
    expect(await portOpen(settings.host, settings.redisPort)).toBe(false);
  }, 60_000);
});

describe('an infra:up that fails part-way', () => {
  let settings: InfraSettings;

  beforeAll(async () => {
    // The JVM refuses this heap size: the broker exits at once, after Redis has started.
    settings = await privateInfraSettings('infra-rollback-', { KAFKA_HEAP: 'lots' });
  });

  afterAll(() => removePrivateInfra(settings));

  it('stops the Redis it started when Kafka fails, and says in one line what failed', async () => {
    const error: unknown = await infraUp(settings, quiet).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(InfraError);
    const message = (error as InfraError).message;
    expect(message).toMatch(
      new RegExp(
        `^Kafka on 127\\.0\\.0\\.1:${settings.kafkaPort} exited with code 1: Invalid initial heap size: -Xmslots`,
      ),
    );
    expect(message).toContain(`See ${path.join(settings.stateDir, 'kafka.log')}`);
    expect(message).toMatch(/\(Stopped what this run had started: Redis\.\)$/);
    expect(message).not.toContain('\n');
    expect(await livePids(settings)).toEqual([]);
    expect(await portOpen(settings.host, settings.redisPort)).toBe(false);
  }, 60_000);
});
