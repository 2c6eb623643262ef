/**
 * Files the dashboard imports as their text, to inline them into the page: `*.css` here, and
 * `app.browser.js` through the declaration beside it (a relative `.js` import resolves to that file,
 * so a wildcard module cannot describe it). Bundles: esbuild's `text` loader (serverless.yml
 * `custom.esbuild.loader`); Jest: tooling/build/text-import-jest.cjs; tsx: tooling/build/text-import-hook.mjs.
 */
declare module '*.css' {
  const source: string;
  export default source;
}
