/**
 * infra:up / infra:down on a second, private pair of services (other ports, other state folder),
 * so that the shared services of the rest of the suite are never touched.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  InfraError,
  infraDown,
  infraSettings,
  infraUp,
  kafkaAnswers,
  livePids,
  portOpen,
  redisAnswers,
} from '../../tooling/infra/infra.ts';
import { freePort } from '../support/ports.ts';

describe('infra:up and infra:down on private ports', () => {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'infra-lifecycle-'));
  let settings: ReturnType<typeof infraSettings>;

  beforeAll(async () => {
    settings = infraSettings({
      ...process.env,
      KAFKA_PORT: String(await freePort()),
      KAFKA_CONTROLLER_PORT: String(await freePort()),
      REDIS_PORT: String(await freePort()),
      INFRA_STATE_DIR: stateDir,
    });
  });

  afterAll(async () => {
    await infraDown(settings, () => undefined);
    rmSync(stateDir, { recursive: true, force: true });
  });

  it('starts both services once, reuses them on a second up, and down leaves no process behind', async () => {
    const first = await infraUp(settings, () => undefined);
    const pidsAfterFirst = livePids(settings).sort();
    const second = await infraUp(settings, () => undefined);
    const pidsAfterSecond = livePids(settings).sort();

    expect([...first.started].sort()).toEqual(['kafka', 'redis']);
    expect(second.started).toEqual([]);
    expect(pidsAfterFirst).toHaveLength(2);
    expect(pidsAfterSecond).toEqual(pidsAfterFirst);
    expect(await kafkaAnswers(settings.host, settings.kafkaPort)).toBe(true);
    expect(await redisAnswers(settings.host, settings.redisPort)).toBe(true);

    await infraDown(settings, () => undefined);

    expect(livePids(settings)).toEqual([]);
    expect(await portOpen(settings.host, settings.kafkaPort)).toBe(false);
    expect(await portOpen(settings.host, settings.redisPort)).toBe(false);
  }, 120_000);

  it('refuses a Redis port taken by another program and says how to free it', async () => {
    const squatter = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.end('not redis\r\n');
    });
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    const { port } = squatter.address() as net.AddressInfo;
    const taken = { ...settings, redisPort: port };

    try {
      await expect(infraUp(taken, () => undefined)).rejects.toThrow(InfraError);
      await expect(infraUp(taken, () => undefined)).rejects.toThrow(
        new RegExp(`Port ${port} is taken.*REDIS_PORT`),
      );
    } finally {
      squatter.close();
      await infraDown(settings, () => undefined);
    }
  }, 120_000);
});
