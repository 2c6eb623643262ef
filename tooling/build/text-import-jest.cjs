/**
 * Jest transform: a file the dashboard imports as text (`*.browser.js`, `*.css`) becomes a module
 * whose default export is its source, as esbuild's `text` loader bundles it (jest.config.js).
 */
module.exports = {
  process(source) {
    return { code: `module.exports = { __esModule: true, default: ${JSON.stringify(source)} };` };
  },
};
