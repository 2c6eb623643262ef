'use strict';
/**
 * `serverless offline start` and the `schedule` events, for local runs:
 *
 * - OFFLINE_SCHEDULES=off leaves the `schedule` events out (the functions run only when invoked;
 *   the e2e tests count only what they produce).
 * - Otherwise each function with an enabled `schedule` event is invoked once right at start
 *   (asynchronously, with EventBridge's scheduled-event shape or the event's `input`): EventBridge
 *   only fires after the first period, and nobody wants to wait a minute for the first data.
 *
 * The start-up runs happen in `before:offline:start:ready`: after every plugin's `offline:start:init`,
 * so the Invoke API is up and the Kafka event-source emulator's consumer groups have joined (what
 * the producers write at start is then read by groups that exist, whatever their starting
 * position), and before serverless-offline's `ready`, which waits for Ctrl-C.
 * OFFLINE_LOG_FORMAT=json writes what it reports as JSON lines (see tooling/offline-kafka/log.ts).
 */
const { randomUUID } = require('node:crypto');

// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html (scheduled event shape)
function scheduledEvent(region) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [],
    detail: {},
  };
}

/** Functions with an enabled `schedule` event: key, deployed name, the input EventBridge would send. */
function scheduledFunctions(service, stage) {
  const found = [];
  for (const key of service.getAllFunctions()) {
    const name = service.getFunction(key).name ?? `${service.service}-${stage}-${key}`;
    for (const event of service.getAllEventsInFunction(key)) {
      const schedule = event.schedule;
      if (schedule === undefined) continue;
      if (typeof schedule === 'object' && schedule.enabled === false) continue;
      found.push({ key, name, input: typeof schedule === 'object' ? schedule.input : undefined });
      break;
    }
  }
  return found;
}

class OfflineSchedulesPlugin {
  constructor(serverless, options, utils = {}) {
    this.serverless = serverless;
    this.options = options;
    const log = utils.log;
    const json = process.env.OFFLINE_LOG_FORMAT === 'json';
    const line = (level, message, fields) =>
      process.stdout.write(
        `${JSON.stringify({ level, message, service: 'offline-schedules', timestamp: new Date().toISOString(), ...fields })}\n`,
      );
    this.log = {
      notice: (m, fields) => (json ? line('INFO', m, { attention: 'notice', ...fields }) : log?.notice(m)),
      error: (m, fields) => (json ? line('ERROR', m, { attention: 'notice', ...fields }) : log?.error(m)),
    };
    this.hooks = {
      'before:offline:start:init': () => this.applyScheduleSwitch(),
      'before:offline:start:ready': () => this.runOnceAtStart(),
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
    this.log.notice('Schedules are off (OFFLINE_SCHEDULES=off): scheduled functions run only when invoked', {
      event: 'schedules-off',
    });
  }

  runOnceAtStart() {
    if (this.schedulesOff()) return;
    const provider = this.serverless.getProvider('aws');
    const custom = this.serverless.service.custom?.['serverless-offline'] ?? {};
    const host = this.options.host ?? custom.host ?? '127.0.0.1';
    const lambdaPort = this.options.lambdaPort ?? custom.lambdaPort ?? 3002;
    for (const fn of scheduledFunctions(this.serverless.service, provider.getStage())) {
      // serverless-offline's Invoke API, asynchronously (InvocationType Event), as EventBridge invokes.
      // https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
      fetch(`http://${host}:${lambdaPort}/2015-03-31/functions/${encodeURIComponent(fn.name)}/invocations`, {
        method: 'POST',
        headers: { 'X-Amz-Invocation-Type': 'Event', 'content-type': 'application/json' },
        body: JSON.stringify(fn.input ?? scheduledEvent(provider.getRegion())),
      })
        .then((response) => {
          if (!response.ok) throw new Error(`Invoke API answered ${response.status}`);
          this.log.notice(`Scheduled function ${fn.key}: invoked once at start (then on its schedule)`, {
            event: 'scheduled-run',
            functionKey: fn.key,
          });
        })
        .catch((error) =>
          this.log.error(`Scheduled function ${fn.key}: start-up invocation failed: ${error.message}`, {
            event: 'scheduled-run-failed',
            functionKey: fn.key,
          }),
        );
    }
  }
}

module.exports = OfflineSchedulesPlugin;
module.exports.scheduledFunctions = scheduledFunctions;
