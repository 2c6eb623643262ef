'use strict';
/**
 * Serverless plugin: runs the Kafka event sources of serverless.yml (`kafka` and `msk` events)
 * next to `serverless offline start`, as AWS's event source mapping would, and runs the functions
 * in serverless offline's Lambda runtime (invoker.ts). It knows serverless.yml and Kafka, nothing
 * of the app it feeds. See docs/local.md.
 *
 * List it after serverless-offline (and serverless-esbuild): its `offline:start:init` then runs
 * once the bundles are built and the build folder is set, and it stops in
 * `before:offline:start:end`, since serverless-offline exits in `offline:start:end`.
 *
 * Settings (`custom.offlineKafka` in serverless.yml, or the environment, which wins):
 *   statusIntervalSeconds        the status line's period (5)
 *   bootstrapServers             brokers for `msk` events (default: provider KAFKA_BROKERS, else 127.0.0.1:9092)
 *   statusHook                   OFFLINE_KAFKA_STATUS_HOOK: a module whose statusSuffix() adds the app's part
 *                                to the status line (hooks.ts)
 *   logFormat                    OFFLINE_LOG_FORMAT: `text` (serverless's log) or `json` (JSON lines on
 *                                stdout with `attention` fields, for a program such as `npm start`; log.ts)
 *
 * The logic is TypeScript in this folder, loaded through tsx (a dev dependency: this plugin only
 * serves local runs).
 */
const path = require('node:path');

class KafkaEventSourcePlugin {
  constructor(serverless, options, utils = {}) {
    this.serverless = serverless;
    this.options = options;
    const log = utils.log;
    this.serverlessLog = {
      info: (m) => (log ? log.notice(m) : serverless.cli.log(m)),
      warn: (m) => (log ? log.warning(m) : serverless.cli.log(m)),
      error: (m) => (log ? log.error(m) : serverless.cli.log(m)),
    };
    this.running = undefined;
    this.hooks = {
      'offline:start:init': () => this.start(),
      'before:offline:start:end': () => this.stop(),
      'offline:start:end': () => this.stop(),
      // serverless-esbuild rebuilds on a source change; serverless-offline then ends its workers, and this plugin its own.
      'after:offline:functionsUpdated:cleanup': () => this.running?.functionsReloaded(),
    };
  }

  offlineOption(name, fallback) {
    const custom = this.serverless.service.custom?.['serverless-offline'] ?? {};
    return this.options[name] ?? custom[name] ?? fallback;
  }

  async start() {
    // tsx's ESM API (its CommonJS build of tsImport fails to register its loader on Node 20).
    const { tsImport } = await import('tsx/esm/api');
    const load = (file) => tsImport(path.join(__dirname, file), __filename);
    const [runner, logs, hooks, invokers] = await Promise.all([
      load('local-runner.ts'),
      load('log.ts'),
      load('hooks.ts'),
      load('invoker.ts'),
    ]);
    const service = this.serverless.service;
    const own = service.custom?.offlineKafka ?? {};
    const format = process.env.OFFLINE_LOG_FORMAT || own.logFormat || 'text';
    const log = format === 'json' ? logs.jsonLinesLog() : logs.textLog(this.serverlessLog);
    const hookModule = process.env.OFFLINE_KAFKA_STATUS_HOOK || own.statusHook;
    let statusHook;
    if (hookModule) {
      const file = path.resolve(this.serverless.serviceDir, hookModule);
      statusHook = hooks.statusHookFrom(await tsImport(file, __filename), file);
    }
    const host = this.offlineOption('host', '127.0.0.1');
    const env = { ...(service.provider.environment ?? {}) };

    this.running = await runner.startLocalEventSources({
      service,
      serviceName: service.service,
      stage: this.serverless.getProvider('aws').getStage(),
      region: this.serverless.getProvider('aws').getRegion(),
      createInvoker: (functionKeys) =>
        invokers.offlineLambdaInvoker(this.serverless, this.options, functionKeys),
      httpBaseUrl: `http://${host}:${this.offlineOption('httpPort', 3000)}`,
      statusIntervalMs: Number(own.statusIntervalSeconds ?? 5) * 1000,
      providerTimeoutSeconds:
        service.provider.timeout === undefined ? undefined : Number(service.provider.timeout),
      localBrokers: String(own.bootstrapServers ?? env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
      statusHook,
      log,
    });
  }

  async stop() {
    const running = this.running;
    this.running = undefined;
    if (running) await running.stop();
  }
}

module.exports = KafkaEventSourcePlugin;
