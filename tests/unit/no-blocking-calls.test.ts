/**
 * Nothing on a path where something else waits may block the event loop: a synchronous child
 * process in infra held Redis's readiness checks back for the minute Maven took, and the deadline
 * passed without one check (issue 10). This keeps tooling/ and tests/support free of them. The
 * files are parsed, so a mention in a comment or a string does not count.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');
const FOLDERS = ['tooling', 'tests/support'];
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;
const BLOCKING = new Set(['spawnSync', 'execSync', 'execFileSync']);

function sourceFiles(folder: string): string[] {
  return readdirSync(path.join(ROOT, folder), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && SOURCE.test(entry.name))
    .map((entry) => path.relative(ROOT, path.join(entry.parentPath, entry.name)));
}

/** `file:line name` for every use of a blocking call: an identifier, or `Atomics.wait` (a sync sleep). */
function blockingCalls(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const at = (node: ts.Node, name: string) =>
    found.push(`${file}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1} ${name}`);
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && BLOCKING.has(node.text)) at(node, node.text);
    if (
      ts.isPropertyAccessExpression(node) &&
      node.expression.getText(source) === 'Atomics' &&
      node.name.text === 'wait'
    )
      at(node, 'Atomics.wait');
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('event-loop blocking calls', () => {
  it('finds none in tooling/ and tests/support', () => {
    const files = FOLDERS.flatMap(sourceFiles);

    const found = files.flatMap((file) => blockingCalls(file, readFileSync(path.join(ROOT, file), 'utf8')));

    expect(files.length).toBeGreaterThan(20);
    expect(found).toEqual([]);
  });

  it('recognises a synchronous call but not the same name in a comment or a string', () => {
    const text = [
      "import { execFileSync } from 'node:child_process';",
      '// spawnSync would block here',
      "const note = 'execSync is not used';",
      "execFileSync('mvn', []);",
      'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);',
    ].join('\n');

    expect(blockingCalls('x.ts', text)).toEqual([
      'x.ts:1 execFileSync',
      'x.ts:4 execFileSync',
      'x.ts:5 Atomics.wait',
    ]);
  });
});
