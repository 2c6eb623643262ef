/** npm run doctor: what works and what does not, with how to fix it. Exits 1 when a check fails. */
import { loadConfig } from '#lib/config.ts';
import { runDoctor } from './doctor.ts';

const checks = await runDoctor(loadConfig());
for (const check of checks)
  console.log(`${check.ok ? 'ok  ' : 'FAIL'}  ${check.name.padEnd(22)} ${check.detail}`);
const failed = checks.filter((c) => !c.ok).length;
console.log(failed === 0 ? 'All checks passed.' : `${failed} check(s) failed.`);
process.exitCode = failed === 0 ? 0 : 1;
