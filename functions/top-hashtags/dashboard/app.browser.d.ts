/** app.browser.js is imported as its source text (esbuild `text` loader; see text-imports.d.ts). */
declare const source: string;
export default source;
