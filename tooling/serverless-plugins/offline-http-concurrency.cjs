'use strict';
/**
 * Local stage: at most `custom.offlineHttpConcurrency` HTTP requests at a time reach serverless
 * offline's handlers; the rest wait their turn in arrival order (as API Gateway in front of a
 * function with reserved concurrency would throttle them, but queued, not refused).
 *
 * Why: serverless offline's function pool (LambdaFunctionPool.get) starts a new worker thread, with
 * the whole bundle and its own Redis connection, for every request that finds no idle one, without
 * bound. 50 concurrent clients start 50 workers on a 2-core machine, and the Kafka-triggered
 * counter, in the same process, waits behind them (bench/api-under-load.ts; docs/faults.md).
 * serverless offline has no option for it, and its pool cannot be capped from outside (get() is
 * synchronous and an instance keeps the event outside the call), so the cap sits in front of its
 * HTTP server: `request` events of the server listening on the offline HTTP port are held back
 * until a slot is free, and a slot is freed when the response finishes or the connection closes.
 * The Lambda (invoke) port, which the Kafka event-source emulator and the schedules use, is not capped.
 */
const http = require('node:http');

class OfflineHttpConcurrencyPlugin {
  constructor(serverless, options) {
    this.serverless = serverless;
    this.options = options;
    this.hooks = { 'before:offline:start:init': () => this.install() };
  }

  install() {
    const service = this.serverless.service;
    const limit = Number(service.custom?.offlineHttpConcurrency ?? 0);
    if (!Number.isInteger(limit) || limit <= 0) return;
    const port = Number(this.options.httpPort ?? service.custom?.['serverless-offline']?.httpPort ?? 3000);
    const emit = http.Server.prototype.emit;
    const waiting = [];
    let active = 0;
    const release = () => {
      active -= 1;
      const next = waiting.shift();
      if (next) next();
    };
    http.Server.prototype.emit = function emitWithinLimit(event, request, response, ...rest) {
      if (event !== 'request' || this.address()?.port !== port) {
        return emit.call(this, event, request, response, ...rest);
      }
      const run = () => {
        active += 1;
        let released = false;
        const done = () => {
          if (released) return;
          released = true;
          release();
        };
        response.once('finish', done);
        response.once('close', done);
        emit.call(this, event, request, response, ...rest);
      };
      if (active < limit) run();
      else waiting.push(run);
      return true;
    };
  }
}

module.exports = OfflineHttpConcurrencyPlugin;
