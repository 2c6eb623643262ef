#!/usr/bin/env node
/**
 * `npm run audit`: `npm audit --omit=dev --audit-level=high` on what is deployed (the runtime
 * dependencies that go into the layer). Fails on a high or critical advisory. A registry that
 * does not serve the advisory endpoint (some mirrors answer 405) is not a pass: it is said
 * plainly and exits 3, so CI can tell "not checked" from "checked and clean".
 */
import { execFile } from 'node:child_process';

// npm audit exits non-zero when it finds something: the report is read either way.
const run = await new Promise((resolve) => {
  execFile(
    'npm',
    ['audit', '--omit=dev', '--audit-level=high', '--json'],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, env: { ...process.env, npm_config_audit: 'true' } },
    (error, stdout, stderr) => resolve({ status: error ? error.code : 0, stdout, stderr }),
  );
});
let report;
try {
  report = JSON.parse(run.stdout);
} catch {
  console.error(`audit: npm audit printed no report (exit ${run.status}):\n${run.stderr}`);
  process.exit(1);
}
if (typeof report.statusCode === 'number' && report.metadata === undefined) {
  console.error(
    `audit: NOT CHECKED. The registry did not answer the advisory request (${report.statusCode}: ${report.message}).\n` +
      'Run `npm run audit:deployed` where registry.npmjs.org is reachable.',
  );
  process.exit(3);
}
const counts = report.metadata?.vulnerabilities ?? {};
const serious = (counts.high ?? 0) + (counts.critical ?? 0);
console.log(
  `audit: runtime dependencies: ${counts.critical ?? 0} critical, ${counts.high ?? 0} high, ` +
    `${counts.moderate ?? 0} moderate, ${counts.low ?? 0} low`,
);
if (serious > 0) {
  for (const [name, v] of Object.entries(report.vulnerabilities ?? {})) {
    if (v.severity === 'high' || v.severity === 'critical')
      console.error(`  ${v.severity}: ${name} ${v.range}`);
  }
  process.exit(1);
}
