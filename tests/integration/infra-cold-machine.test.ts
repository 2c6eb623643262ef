/**
 * Issue 10's cold machine, without the network: the Kafka jars are not cached and Maven is slow
 * (a `mvn` first on PATH waits 30 s, then runs the real one, which resolves from the local Maven
 * repository the global setup warmed, honouring MAVEN_OPTS). A synchronous Maven call once held
 * the event loop for that long, so Redis's readiness deadline passed without a single check.
 */
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { commandPath } from '../../tooling/infra/commands.ts';
import { type InfraSettings, infraUp, kafkaAnswers, redisAnswers } from '../../tooling/infra/infra.ts';
import { privateInfraSettings, removePrivateInfra } from '../support/private-infra.ts';

const MAVEN_DELAY_S = 30;

describe('infra:up on a cold machine with a slow Maven', () => {
  const scratch = mkdtempSync(path.join(tmpdir(), 'infra-cold-'));
  let settings: InfraSettings | undefined;

  afterAll(async () => {
    await removePrivateInfra(settings);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('has Redis ready while Maven resolves the Kafka jars, then starts the broker', async () => {
    const realMvn = await commandPath('mvn', process.env);
    if (!realMvn)
      throw new Error('this test needs mvn on PATH (the global setup resolved the Kafka jars with it)');
    const bin = path.join(scratch, 'bin');
    const jars = path.join(scratch, 'jars');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'mvn'), `#!/bin/sh\nsleep ${MAVEN_DELAY_S}\nexec '${realMvn}' "$@"\n`);
    chmodSync(path.join(bin, 'mvn'), 0o755);
    settings = await privateInfraSettings('infra-cold-state-', {
      PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
      KAFKA_JARS_DIR: jars,
    });
    const lines: Array<{ at: number; line: string }> = [];

    const began = Date.now();
    const result = await infraUp(settings, (line) => lines.push({ at: Date.now() - began, line }));

    const redisReadyAt = lines.find((l) => l.line.startsWith('Redis: started'))?.at;
    expect([...result.started].sort()).toEqual(['kafka', 'redis']);
    expect(result.timingsMs.jars).toBeGreaterThanOrEqual(MAVEN_DELAY_S * 1000);
    expect(redisReadyAt).toBeLessThan(MAVEN_DELAY_S * 1000);
    expect(readdirSync(jars).filter((f) => f.startsWith('kafka_2.13-'))).toHaveLength(1);
    expect(await redisAnswers(settings.host, settings.redisPort)).toBe(true);
    expect(await kafkaAnswers(settings.host, settings.kafkaPort)).toBe(true);
  }, 180_000);
});
