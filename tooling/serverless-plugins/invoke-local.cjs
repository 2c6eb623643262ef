'use strict';
/**
 * `serverless invoke local`, made to run what Lambda runs, with an event that fits:
 * - The event check. osls hands a function whatever event it is given, or none: a Kafka-triggered
 *   function then fails deep inside with a stack trace, and an HTTP one answers an empty event as if
 *   it were a request for `/`. This checks the event against the function's trigger in
 *   serverless.yml before the function runs and, when it does not fit, stops with one line that
 *   names the event file to pass (`custom.invokeLocalEvents.<function>`). It knows serverless.yml's
 *   event kinds, not the app.
 * - The ESM shim. osls loads handlers with require(), trying `<handler>` and then `<handler>.cjs`,
 *   so it cannot load the ESM bundles (`.mjs`) that serverless-esbuild writes for Lambda. After
 *   esbuild has bundled the function, this writes a one-line CommonJS shim next to the bundle that
 *   imports it, so `invoke local` runs the very bundle that is deployed.
 * It must be listed after serverless-esbuild in serverless.yml (hooks run in plugin order).
 */
const { existsSync, writeFileSync } = require('node:fs');
const path = require('node:path');

/** The event kinds a function is triggered by, from its serverless.yml events. */
function triggerKinds(fn) {
  const kinds = new Set();
  for (const event of fn.events || []) {
    if (event.kafka || event.msk) kinds.add('kafka');
    else if (event.httpApi || event.http) kinds.add('http');
    else if (event.schedule || event.eventBridge) kinds.add('schedule');
  }
  return kinds;
}

const isObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What an event of each kind looks like (AWS's documented shapes), and what to call it. */
const SHAPES = {
  // https://docs.aws.amazon.com/lambda/latest/dg/with-msk.html, .../with-kafka.html
  kafka: {
    what: 'a Kafka event (Amazon MSK or self-managed)',
    fits: (e) =>
      isObject(e) && ['aws:kafka', 'SelfManagedKafka'].includes(e.eventSource) && isObject(e.records),
  },
  // https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
  http: {
    what: 'an API Gateway HTTP API event (payload format 2.0)',
    fits: (e) => isObject(e) && e.version === '2.0' && typeof e.rawPath === 'string',
  },
  // A scheduled function reads nothing of its event: none at all is fine too.
  // https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html
  schedule: {
    what: 'an EventBridge scheduled event, or none',
    fits: (e) =>
      e === undefined ||
      e === '' ||
      (isObject(e) && (Object.keys(e).length === 0 || e.source === 'aws.events')),
  },
};

class InvokeLocalPlugin {
  constructor(serverless, options) {
    this.serverless = serverless;
    this.options = options;
    this.hooks = {
      // After loadEnvVars osls has read the event (-p, -d or stdin) into options.data, and nothing has
      // been bundled yet: serverless-esbuild builds at before:invoke:local:invoke and, on an error
      // thrown after that, never stops its service, so osls would not exit.
      'after:invoke:local:loadEnvVars': () => this.check(),
      'before:invoke:local:invoke': () => this.writeShim(),
    };
  }

  check() {
    const name = this.options.function;
    const kinds = [...triggerKinds(this.serverless.service.getFunction(name))];
    if (kinds.length === 0) return;
    const event = this.options.data;
    if (kinds.some((kind) => SHAPES[kind].fits(event))) return;
    const file = this.serverless.service.custom?.invokeLocalEvents?.[name];
    const wanted = kinds.map((kind) => SHAPES[kind].what).join(' or ');
    const given = event === undefined || event === '' ? 'no event' : 'an event of another shape';
    const pass = file
      ? ` Pass one: npx serverless invoke local --function ${name} --stage ${this.options.stage || 'local'} --path ${file}`
      : '';
    throw new this.serverless.classes.Error(`${name} takes ${wanted}, and was given ${given}.${pass}`);
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
      `'use strict';\n// Written by tooling/serverless-plugins/invoke-local.cjs for \`serverless invoke local\` only.\n` +
        `exports.${exportName} = (...args) => import(${JSON.stringify(`./${path.basename(bundle)}`)}).then((m) => m.${exportName}(...args));\n`,
    );
  }
}

module.exports = InvokeLocalPlugin;
