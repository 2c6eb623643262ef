/**
 * Node module hooks for tsx (benches): `*.browser.js` and `*.css` load as a module whose default
 * export is the file's text, as esbuild's `text` loader bundles them. Registered by
 * text-import-register.mjs: `npx tsx --import ./tooling/build/text-import-register.mjs bench/<name>.ts`.
 * https://nodejs.org/api/module.html#customization-hooks
 */
import { readFile } from 'node:fs/promises';

const TEXT = /\.(browser\.js|css)$/;

/** @type {import('node:module').LoadHook} */
export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !TEXT.test(new URL(url).pathname)) return nextLoad(url, context);
  const text = await readFile(new URL(url), 'utf8');
  return { format: 'module', source: `export default ${JSON.stringify(text)};`, shortCircuit: true };
}
