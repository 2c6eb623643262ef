/**
 * The local Redis keeps its data across a restart (issue 12, "Local persistence"): redis-server
 * appends every write to a file in its data folder, fsynced once a second, both as `infra:up`
 * launches it and as docker-compose.yml runs it. Test servers stay memory-only.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { infraSettings, serviceFiles } from '../../tooling/infra/infra.ts';
import { redisServerArgs } from '../../tooling/infra/redis-server.ts';

/** `--name value` pairs of a redis-server command line. */
function options(args: readonly string[]): Record<string, string> {
  const pairs: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 2) pairs[String(args[i]).replace(/^--/, '')] = String(args[i + 1]);
  return pairs;
}

describe('redis-server persistence', () => {
  it("appends to a file in infra's Redis data folder, fsynced every second, and no RDB snapshots", () => {
    const { dataDir, logFile } = serviceFiles(infraSettings({ INFRA_STATE_DIR: '/state' }), 'redis');

    const args = options(redisServerArgs({ port: 6379, dataDir, logFile, persistence: 'aof' }));

    expect(dataDir).toBe('/state/redis');
    expect(args).toMatchObject({ dir: '/state/redis', appendonly: 'yes', appendfsync: 'everysec', save: '' });
  });

  it('keeps throwaway test servers in memory only', () => {
    const args = options(
      redisServerArgs({ port: 1, dataDir: '/tmp/x', logFile: '/tmp/x.log', persistence: 'none' }),
    );

    expect(args).toMatchObject({ appendonly: 'no', save: '' });
  });

  it("runs docker-compose.yml's Redis the same way, its data in a named volume", () => {
    const compose = parse(readFileSync(path.resolve(__dirname, '../../docker-compose.yml'), 'utf8')) as {
      services: { redis: { command: string[]; volumes: string[] } };
      volumes: Record<string, unknown>;
    };
    const { command, volumes } = compose.services.redis;

    expect(command[0]).toBe('redis-server');
    expect(options(command.slice(1))).toMatchObject({
      dir: '/data',
      appendonly: 'yes',
      appendfsync: 'everysec',
    });
    expect(volumes).toEqual(['redis-data:/data']);
    expect(compose.volumes).toHaveProperty('redis-data');
  });
});
