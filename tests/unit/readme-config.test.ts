/**
 * The README's configuration table is what users read: it must name every variable the functions
 * read (the schema in lib/config.ts) and nothing the schema does not know.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { envSchema } from '#lib/config.ts';

const readme = readFileSync(path.resolve(__dirname, '..', '..', 'README.md'), 'utf8');

/** Variable names in the first column of the table under "### Functions" of "## Configuration". */
function documentedVariables(): string[] {
  const section = readme.split(/^## Configuration$/m)[1]?.split(/^## /m)[0] ?? '';
  const functionsTable = section.split(/^### /m).find((part) => /^Functions/.test(part)) ?? section;
  return [...functionsTable.matchAll(/^\| `([A-Z][A-Z0-9_]+)`/gm)].map((m) => m[1] as string);
}

describe('README configuration table', () => {
  it('lists every variable of the config schema, once, and no other', () => {
    const documented = documentedVariables();

    expect(documented.length).toBeGreaterThan(20);
    expect(new Set(documented).size).toBe(documented.length);
    expect([...documented].sort()).toEqual(Object.keys(envSchema.shape).sort());
  });
});
