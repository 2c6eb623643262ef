/**
 * Builds layers/runtime/nodejs/node_modules, the shared Lambda layer: the runtime dependencies of
 * package.json ("dependencies") and what they need, copied from the installed node_modules at the
 * exact versions of package-lock.json (no network, no second install), minus what Lambda does not
 * need at run time:
 *  - @aws-sdk/*: the Lambda Node.js runtime ships the AWS SDK v3, and a partial copy in a layer
 *    would shadow it; packages reached only through @aws-sdk (@smithy/*, ...) go with it;
 *  - @types/* and what only they pull in: type declarations;
 *  - *.d.ts, *.ts sources, *.map and *.md files inside packages (LICENSE files stay).
 * Usage: node tooling/build/build-layer.mjs [outDir]   (default layers/runtime/nodejs)
 */
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', '..');
const out = path.resolve(process.argv[2] ?? path.join(root, 'layers/runtime/nodejs'));

const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const lock = JSON.parse(readFileSync(path.join(root, 'package-lock.json'), 'utf8'));
const packages = lock.packages ?? {};

/** Provided by the Lambda runtime, or types only: never copied, never followed. */
const leftOut = (name) => name.startsWith('@aws-sdk/') || name.startsWith('@types/');

/** Node's lookup, on lock-file keys: `<from>/node_modules/<name>`, then each ancestor's. */
function resolve(from, name) {
  let base = from;
  for (;;) {
    const key = base ? `${base}/node_modules/${name}` : `node_modules/${name}`;
    if (packages[key]) return key;
    if (!base) return undefined;
    const cut = base.lastIndexOf('/node_modules/');
    base = cut === -1 ? '' : base.slice(0, cut);
  }
}

const needed = new Set();
const queue = Object.keys(pkg.dependencies ?? {}).map((name) => ['', name, false]);
while (queue.length > 0) {
  const [from, name, optional] = queue.shift();
  if (leftOut(name)) continue;
  const key = resolve(from, name);
  if (!key) {
    if (optional) continue;
    throw new Error(`build-layer: ${name} (needed by ${from || 'package.json'}) is not in package-lock.json`);
  }
  if (needed.has(key)) continue;
  needed.add(key);
  const entry = packages[key];
  for (const dep of Object.keys(entry.dependencies ?? {})) queue.push([key, dep, false]);
  for (const dep of Object.keys(entry.optionalDependencies ?? {})) queue.push([key, dep, true]);
  // A required peer is used when installed (npm 7+ installs it); an optional one is the user's choice.
  for (const dep of Object.keys(entry.peerDependencies ?? {})) {
    if (!entry.peerDependenciesMeta?.[dep]?.optional) queue.push([key, dep, true]);
  }
}

const droppedFile = (file) =>
  /\.(d\.[cm]?ts|[cm]?ts|map)$/.test(file) || (/\.md$/i.test(file) && !/^licen[cs]e/i.test(file));

rmSync(path.join(out, 'node_modules'), { recursive: true, force: true });
mkdirSync(out, { recursive: true });
let files = 0;
let bytes = 0;
for (const key of [...needed].sort()) {
  const from = path.join(root, key);
  if (!existsSync(from))
    throw new Error(`build-layer: ${key} is in package-lock.json but not installed: run npm ci`);
  cpSync(from, path.join(out, key), {
    recursive: true,
    dereference: true,
    filter: (source) => {
      const rel = path.relative(from, source);
      // Nested node_modules are copied as packages of their own, only when needed.
      if (rel.split(path.sep)[0] === 'node_modules') return false;
      if (droppedFile(path.basename(source))) return false;
      if (statSync(source).isFile()) {
        files += 1;
        bytes += statSync(source).size;
      }
      return true;
    },
  });
}
writeFileSync(
  path.join(out, 'node_modules', '.layer-manifest.json'),
  `${JSON.stringify({ packages: [...needed].sort().map((k) => `${k.replace(/^node_modules\//, '')}@${packages[k].version}`) }, null, 2)}\n`,
);
const mb = (bytes / 1024 / 1024).toFixed(1);
console.log(
  `runtime-layer: ${needed.size} packages, ${files} files, ${mb} MB into ${path.relative(root, out) || out}`,
);
