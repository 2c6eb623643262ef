/**
 * A private pair of local services for tests of infra itself: free ports and a state folder of
 * their own, so the shared Kafka and Redis the rest of the suite uses are never touched.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type InfraSettings, infraDown, infraSettings } from '../../tooling/infra/infra.ts';
import { freePorts } from './ports.ts';

/** Settings on three free loopback ports with a fresh state folder; `env` overrides the rest. */
export async function privateInfraSettings(
  prefix: string,
  env: NodeJS.ProcessEnv = {},
): Promise<InfraSettings> {
  const [kafka, controller, redis] = await freePorts(3);
  return infraSettings({
    ...process.env,
    KAFKA_PORT: String(kafka),
    KAFKA_CONTROLLER_PORT: String(controller),
    REDIS_PORT: String(redis),
    INFRA_STATE_DIR: mkdtempSync(path.join(tmpdir(), prefix)),
    ...env,
  });
}

/** Stops whatever of `settings` still runs and removes its state folder. */
export async function removePrivateInfra(settings: InfraSettings | undefined): Promise<void> {
  if (!settings) return;
  await infraDown(settings, () => undefined);
  rmSync(settings.stateDir, { recursive: true, force: true });
}
