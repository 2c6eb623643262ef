/** Stops what the global setup started, once the last project that needed it is done. */
import { infraDown } from '../../tooling/infra/infra.ts';

export default async function globalTeardown(): Promise<void> {
  globalThis.__infraUsers = (globalThis.__infraUsers ?? 1) - 1;
  const started = globalThis.__infraStartedByTests ?? [];
  if (globalThis.__infraUsers > 0 || started.length === 0) return;
  await infraDown(undefined, (line) => process.stderr.write(`[infra] ${line}\n`), started);
  globalThis.__infraStartedByTests = [];
}
