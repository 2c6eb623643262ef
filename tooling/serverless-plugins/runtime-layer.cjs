'use strict';
/**
 * 1. Builds the shared runtime layer (layers/runtime/nodejs/node_modules) before packaging
 *    (tooling/build/build-layer.sh -> build-layer.mjs): the root package.json "dependencies" and what they
 *    need, copied from the installed node_modules at the versions of package-lock.json, so the layer
 *    holds exactly what the tests ran with. @aws-sdk/* is left out (the Lambda runtime has it), and
 *    so are type declarations, TypeScript sources and source maps. Local runs (serverless offline,
 *    invoke local, tests) resolve the same packages from the root node_modules and never need it.
 * 2. Lets `serverless package` run with no AWS account and no network. osls compares each layer
 *    with the deployed stack's (CloudFormation DescribeStacks) only to skip re-uploading an
 *    unchanged layer; without credentials or network that comparison is skipped, not fatal.
 */
const { spawn } = require('node:child_process');
const path = require('node:path');

const OFFLINE_CODES = new Set([
  'AWS_CREDENTIALS_NOT_FOUND',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'ENETUNREACH',
]);

class RuntimeLayerPlugin {
  constructor(serverless, _options, { log } = {}) {
    this.serverless = serverless;
    this.log = log ?? { info: (m) => serverless.cli.log(m), notice: (m) => serverless.cli.log(m) };
    const build = () => this.build();
    this.hooks = {
      initialize: () => this.allowOfflinePackaging(),
      'before:package:createDeploymentArtifacts': build,
      'before:deploy:function:packageFunction': build,
    };
  }

  build() {
    const root = this.serverless.serviceDir;
    // A child the event loop does not wait on (the hook's promise does).
    return new Promise((resolve, reject) => {
      const child = spawn('bash', [path.join(root, 'tooling', 'build', 'build-layer.sh')], {
        cwd: root,
        stdio: 'inherit',
      });
      child.once('error', reject);
      child.once('close', (code, signal) =>
        code === 0 ? resolve() : reject(new Error(`build-layer.sh failed (${signal ?? `exit ${code}`})`)),
      );
    });
  }

  allowOfflinePackaging() {
    const compiler = this.serverless.pluginManager.plugins.find(
      (p) => p.constructor.name === 'AwsCompileLayers',
    );
    if (!compiler || typeof compiler.compareWithLastLayer !== 'function') return;
    const compare = compiler.compareWithLastLayer.bind(compiler);
    compiler.compareWithLastLayer = async (layerName) => {
      try {
        return await compare(layerName);
      } catch (error) {
        const code = error && (error.code || error.cause?.code);
        if (!OFFLINE_CODES.has(code)) throw error;
        this.log.info(
          `runtime-layer: no AWS credentials or network (${code}); not comparing layer "${layerName}" with the deployed stack`,
        );
        return undefined;
      }
    };
  }
}

module.exports = RuntimeLayerPlugin;
