/**
 * Starts the real Kafka and Redis for integration and e2e tests (reusing running ones) and
 * remembers what it started, so that the teardown stops exactly that.
 */
import { infraUp } from '../../tooling/infra/infra.ts';

declare global {
  // Shared between globalSetup and globalTeardown, which run in the same parent process.
  var __infraStartedByTests: Array<'kafka' | 'redis'> | undefined;
  var __infraUsers: number | undefined;
}

export default async function globalSetup(): Promise<void> {
  globalThis.__infraUsers = (globalThis.__infraUsers ?? 0) + 1;
  const result = await infraUp(undefined, (line) => process.stderr.write(`[infra] ${line}\n`));
  globalThis.__infraStartedByTests = [...(globalThis.__infraStartedByTests ?? []), ...result.started];
}
