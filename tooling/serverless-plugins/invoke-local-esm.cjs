'use strict';
/**
 * `serverless invoke local` in osls loads handlers with require(), trying `<handler>` and then
 * `<handler>.cjs`, so it cannot load the ESM bundles (`.mjs`) that serverless-esbuild writes for
 * Lambda. After esbuild has bundled the function, this writes a one-line CommonJS shim next to
 * the bundle that imports it, so `invoke local` runs the very bundle that is deployed.
 * It must be listed after serverless-esbuild in serverless.yml (hooks run in plugin order).
 */
const { existsSync, writeFileSync } = require('node:fs');
const path = require('node:path');

class InvokeLocalEsmPlugin {
  constructor(serverless, options) {
    this.serverless = serverless;
    this.options = options;
    this.hooks = { 'before:invoke:local:invoke': () => this.writeShim() };
  }

  writeShim() {
    const fn = this.serverless.service.getFunction(this.options.function);
    const lastDot = fn.handler.lastIndexOf('.');
    const file = fn.handler.slice(0, lastDot);
    const exportName = fn.handler.slice(lastDot + 1);
    const root = this.serverless.config.servicePath || this.serverless.serviceDir;
    const bundle = path.join(root, `${file}.mjs`);
    if (!existsSync(bundle)) return;
    const shim = `${path.join(root, file)}.cjs`;
    writeFileSync(
      shim,
      `'use strict';\n// Written by tooling/serverless-plugins/invoke-local-esm.cjs for \`serverless invoke local\` only.\n` +
        `exports.${exportName} = (...args) => import(${JSON.stringify(`./${path.basename(bundle)}`)}).then((m) => m.${exportName}(...args));\n`,
    );
  }
}

module.exports = InvokeLocalEsmPlugin;
