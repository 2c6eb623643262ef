'use strict';
/**
 * Serverless plugin: runs the Kafka event sources of serverless.yml (`kafka` and `msk` events)
 * next to `serverless offline start`, as AWS's event source mapping would, and invokes the
 * functions through serverless-offline's Lambda Invoke API. See docs/local.md.
 *
 * List it after serverless-offline: its `offline:start:init` then runs once the Invoke API is up,
 * and it stops in `before:offline:start:end`, since serverless-offline exits in `offline:start:end`.
 *
 * Environment (set by `npm start`, see tooling/start.ts):
 *   OFFLINE_SCHEDULES=off   leaves out the `schedule` events (no generator; used by the e2e tests)
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
    this.log = {
      info: (m) => (log ? log.notice(m) : serverless.cli.log(m)),
      warn: (m) => (log ? log.warning(m) : serverless.cli.log(m)),
      error: (m) => (log ? log.error(m) : serverless.cli.log(m)),
    };
    this.running = undefined;
    this.hooks = {
      'before:offline:start:init': () => this.applyScheduleSwitch(),
      'offline:start:init': () => this.start(),
      'before:offline:start:end': () => this.stop(),
      'offline:start:end': () => this.stop(),
      // serverless-esbuild rebuilds on a source change and serverless-offline then ends its workers.
      'after:offline:functionsUpdated:cleanup': () => this.running?.functionsReloaded(),
    };
  }

  schedulesOff() {
    return (process.env.OFFLINE_SCHEDULES || '').toLowerCase() === 'off';
  }

  applyScheduleSwitch() {
    if (!this.schedulesOff()) return;
    const service = this.serverless.service;
    for (const key of service.getAllFunctions()) {
      const fn = service.getFunction(key);
      fn.events = (fn.events || []).filter((event) => !('schedule' in event));
    }
    this.log.info('Schedules are off (OFFLINE_SCHEDULES=off): scheduled functions run only when invoked');
  }

  offlineOption(name, fallback) {
    const custom = this.serverless.service.custom?.['serverless-offline'] ?? {};
    return this.options[name] ?? custom[name] ?? fallback;
  }

  async start() {
    // tsx's ESM API (its CommonJS build of tsImport fails to register its loader on Node 20).
    const { tsImport } = await import('tsx/esm/api');
    const runner = await tsImport(path.join(__dirname, 'local-runner.ts'), __filename);
    const service = this.serverless.service;
    const host = this.offlineOption('host', '127.0.0.1');
    const own = service.custom?.kafkaEventSource ?? {};
    const env = { ...(service.provider.environment ?? {}) };
    this.running = await runner.startLocalEventSources({
      service,
      serviceName: service.service,
      stage: this.serverless.getProvider('aws').getStage(),
      region: this.serverless.getProvider('aws').getRegion(),
      lambdaEndpoint: `http://${host}:${this.offlineOption('lambdaPort', 3002)}`,
      apiBaseUrl: `http://${host}:${this.offlineOption('httpPort', 3000)}`,
      statusIntervalMs: Number(own.statusIntervalSeconds ?? 5) * 1000,
      runSchedulesAtStart: !this.schedulesOff() && own.runSchedulesAtStart !== false,
      providerTimeoutSeconds:
        service.provider.timeout === undefined ? undefined : Number(service.provider.timeout),
      localBrokers: String(own.bootstrapServers ?? env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','),
      log: this.log,
    });
  }

  async stop() {
    const running = this.running;
    this.running = undefined;
    if (running) await running.stop();
  }
}

module.exports = KafkaEventSourcePlugin;
