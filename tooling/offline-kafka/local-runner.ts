/**
 * What the plugin runs next to `serverless offline start`: the Kafka event-source emulator for
 * every `kafka`/`msk` event, one run of each scheduled function right at start (EventBridge would
 * only fire after the first period), and a status line every few seconds.
 */
import { KafkaEventSourceEmulator } from './emulator.ts';
import { lambdaInvoker } from './invoker.ts';
import { errorText } from './partition-worker.ts';
import { type EventSourceMapping, eventSourceMappings, type ServiceView } from './sources.ts';
import { fetchTop, formatStatus } from './status.ts';

export interface RunnerLog {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface RunnerOptions {
  readonly service: ServiceView;
  readonly serviceName: string;
  readonly stage: string;
  readonly region: string;
  /** serverless-offline's Lambda Invoke API, e.g. http://127.0.0.1:3002 */
  readonly lambdaEndpoint: string;
  /** serverless-offline's HTTP API, e.g. http://127.0.0.1:3000 */
  readonly apiBaseUrl: string;
  readonly statusIntervalMs: number;
  /** Invoke each scheduled function once at start. */
  readonly runSchedulesAtStart: boolean;
  /** Brokers for `msk` events (locally there is no cluster ARN to resolve). */
  readonly localBrokers: readonly string[];
  readonly providerTimeoutSeconds?: number;
  readonly log: RunnerLog;
}

export interface RunningEventSources {
  readonly mappings: readonly EventSourceMapping[];
  /** serverless offline reloaded the functions (a source file changed): retry what was in flight. */
  functionsReloaded(): void;
  stop(): Promise<void>;
}

/** Functions with an enabled `schedule` event, by deployed name, with the input EventBridge would send. */
function scheduledFunctions(options: RunnerOptions): Array<{ key: string; name: string; input: unknown }> {
  const found: Array<{ key: string; name: string; input: unknown }> = [];
  for (const key of options.service.getAllFunctions()) {
    const name = options.service.getFunction(key).name ?? `${options.serviceName}-${options.stage}-${key}`;
    for (const event of options.service.getAllEventsInFunction(key)) {
      const schedule = event.schedule as { enabled?: boolean; input?: unknown } | string | undefined;
      if (schedule === undefined) continue;
      if (typeof schedule === 'object' && schedule.enabled === false) continue;
      const input = typeof schedule === 'object' ? schedule.input : undefined;
      found.push({ key, name, input });
      break;
    }
  }
  return found;
}

// https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-run-lambda-schedule.html (scheduled event shape)
function scheduledEvent(region: string): Record<string, unknown> {
  return {
    version: '0',
    id: crypto.randomUUID(),
    'detail-type': 'Scheduled Event',
    source: 'aws.events',
    account: '000000000000',
    time: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region,
    resources: [],
    detail: {},
  };
}

export async function startLocalEventSources(options: RunnerOptions): Promise<RunningEventSources> {
  const { log } = options;
  const mappings = eventSourceMappings(options.service, options.serviceName, options.stage, {
    localBrokers: options.localBrokers,
    providerTimeoutSeconds: options.providerTimeoutSeconds,
  });
  const invoker = lambdaInvoker(options.lambdaEndpoint, options.region);
  const emulator = new KafkaEventSourceEmulator({
    mappings,
    invoke: (name, event, signal) => invoker.invoke(name, event, signal),
    log,
  });

  for (const m of mappings) {
    log.info(
      `Kafka event source: ${m.functionKey} <- topic ${m.topic} on ${m.bootstrapServers.join(',')} (group ${m.consumerGroupId}, batch ${m.batchSize}, window ${m.batchingWindowMs} ms, ${m.startingPosition})`,
    );
  }
  await emulator.start();

  if (options.runSchedulesAtStart) {
    for (const fn of scheduledFunctions(options)) {
      invoker
        .invokeAsync(fn.name, fn.input ?? scheduledEvent(options.region))
        .then(() => log.info(`Scheduled function ${fn.key}: invoked once at start (then on its schedule)`))
        .catch((error) =>
          log.error(`Scheduled function ${fn.key}: start-up invocation failed: ${errorText(error)}`),
        );
    }
  }

  const previous = new Map<number, number>();
  let reporting = false;
  const timer = setInterval(async () => {
    if (reporting) return;
    reporting = true;
    try {
      const [lags, top] = await Promise.all([emulator.lag(), fetchTop(options.apiBaseUrl)]);
      emulator.stats().forEach((stats, i) => {
        log.info(formatStatus(stats, lags[i], previous.get(i) ?? 0, options.statusIntervalMs, top));
        previous.set(i, stats.records);
      });
    } finally {
      reporting = false;
    }
  }, options.statusIntervalMs);
  timer.unref();

  return {
    mappings,
    functionsReloaded() {
      // serverless offline terminates its Lambda workers on a rebuild, in-flight invocations
      // included: without this they would hang until the function's timeout.
      emulator.abandonInFlight('serverless offline reloaded the functions during the invocation');
    },
    async stop() {
      clearInterval(timer);
      await emulator.stop();
      invoker.destroy();
      log.info('Kafka event source: stopped (offsets of delivered batches committed)');
    },
  };
}
