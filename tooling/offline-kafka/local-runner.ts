/**
 * What the plugin runs next to `serverless offline start`: the Kafka event-source emulator for
 * every `kafka`/`msk` event, and a status line every few seconds (with the app's part from its
 * status hook, if it gave one). Problems a person must see are reported once when they start and
 * once when they end (log.ts): a partition whose records have waited too long for a delivered
 * batch, a broker that does not answer.
 */
import { errorMessage } from '#lib/errors.ts';
import { KafkaEventSourceEmulator } from './emulator.ts';
import type { StatusHook } from './hooks.ts';
import type { LambdaInvoker } from './invoker.ts';
import { type EmulatorLog, OpenProblems } from './log.ts';
import { type EventSourceMapping, eventSourceMappings, type ServiceView } from './sources.ts';
import { formatStatus } from './status.ts';

export interface RunnerOptions {
  readonly service: ServiceView;
  readonly serviceName: string;
  readonly stage: string;
  readonly region: string;
  /** What runs the mapped functions (serverless offline's Lambda runtime; invoker.ts); destroyed by stop(). */
  createInvoker(functionKeys: readonly string[]): Promise<LambdaInvoker>;
  /** serverless-offline's HTTP API, e.g. http://127.0.0.1:3000 (handed to the status hook). */
  readonly httpBaseUrl: string;
  readonly statusIntervalMs: number;
  /** A partition whose records waited this long without a delivered batch is reported as stuck. */
  readonly stuckAfterMs?: number;
  /** Brokers for `msk` events (locally there is no cluster ARN to resolve). */
  readonly localBrokers: readonly string[];
  readonly providerTimeoutSeconds?: number;
  readonly statusHook?: StatusHook;
  readonly log: EmulatorLog;
}

export interface RunningEventSources {
  readonly mappings: readonly EventSourceMapping[];
  /** serverless offline rebuilt the functions (a source file changed): new workers, and retry what was in flight. */
  functionsReloaded(): Promise<void>;
  stop(): Promise<void>;
}

/** Longer than a normal batch ever waits (batching window + invocation), shorter than a person's patience. */
const DEFAULT_STUCK_AFTER_MS = 30_000;
/** How long the status line waits for the app's hook. */
const HOOK_TIMEOUT_MS = 1_500;

export async function startLocalEventSources(options: RunnerOptions): Promise<RunningEventSources> {
  const { log } = options;
  const mappings = eventSourceMappings(options.service, options.serviceName, options.stage, {
    localBrokers: options.localBrokers,
    providerTimeoutSeconds: options.providerTimeoutSeconds,
  });
  const invoker = await options.createInvoker([...new Set(mappings.map((m) => m.functionKey))]);
  const emulator = new KafkaEventSourceEmulator({
    mappings,
    invoke: (name, event, signal) => invoker.invoke(name, event, signal),
    region: options.region,
    log,
  });

  for (const m of mappings) {
    log.info(
      `Kafka event source: ${m.functionKey} <- topic ${m.topic} on ${m.bootstrapServers.join(',')} (group ${m.consumerGroupId}, batch ${m.batchSize}, window ${m.batchingWindowMs} ms, ${m.startingPosition})`,
      { event: 'mapping', ...m },
    );
  }
  try {
    await emulator.start();
  } catch (error) {
    await emulator.stop().catch(() => undefined);
    await invoker.destroy();
    throw error;
  }
  log.debug('Kafka event source: every mapping consumes', { event: 'ready', mappings: mappings.length });

  const problems = new OpenProblems(log);
  const stuckAfterMs = options.stuckAfterMs ?? DEFAULT_STUCK_AFTER_MS;
  const previous = new Map<number, number>();
  let reporting = false;
  const report = async () => {
    const [lags, suffix] = await Promise.all([
      emulator.lag(),
      // The line comes on time even when the app is slow to answer its hook.
      options.statusHook
        ? Promise.race([
            options.statusHook
              .statusSuffix({ httpBaseUrl: options.httpBaseUrl })
              .catch((error: unknown) => `status hook failed: ${errorMessage(error)}`),
            new Promise<string>((resolve) =>
              setTimeout(() => resolve('(status hook: no answer in time)'), HOOK_TIMEOUT_MS).unref(),
            ),
          ])
        : undefined,
    ]);
    emulator.stats().forEach((stats, i) => {
      const lag = lags[i];
      const where = `${stats.functionKey} <- ${stats.topic}`;
      const brokers = mappings[i]?.bootstrapServers.join(',') ?? '?';
      problems.check(
        `unreachable:${i}`,
        lag === undefined,
        {
          opened: () =>
            `${where}: Kafka at ${brokers} does not answer; records move again once it is back (npm run infra:status)`,
          resolved: (ms) => `${where}: Kafka at ${brokers} answers again (after ${Math.round(ms / 1000)} s)`,
        },
        { event: 'broker-unreachable', topic: stats.topic },
      );
      for (const partition of stats.assignedPartitions) {
        const waited = stats.waitingMs.get(partition) ?? 0;
        problems.check(
          `stuck:${i}:${partition}`,
          waited >= stuckAfterMs,
          {
            opened: () =>
              `${where}-${partition}: no batch delivered for ${Math.round(waited / 1000)} s although records are waiting`,
            resolved: (ms) =>
              `${where}-${partition}: batches are delivered again (stuck for ${Math.round(ms / 1000)} s)`,
          },
          { event: 'partition-stuck', topic: stats.topic, partition },
        );
      }
      log.info(formatStatus(stats, lag, previous.get(i) ?? 0, options.statusIntervalMs, suffix), {
        event: 'status',
        attention: 'status',
        functionKey: stats.functionKey,
        topic: stats.topic,
        records: stats.records,
        batches: stats.batches,
        failedInvocations: stats.failedInvocations,
        lag,
      });
      previous.set(i, stats.records);
    });
  };
  const timer = setInterval(() => {
    if (reporting) return;
    reporting = true;
    report()
      .catch((error: unknown) => log.warn(`status line failed: ${errorMessage(error)}`, { event: 'status' }))
      .finally(() => {
        reporting = false;
      });
  }, options.statusIntervalMs);
  timer.unref();

  return {
    mappings,
    async functionsReloaded() {
      // The workers still run the old code: end them (an invocation in flight would then never
      // answer, so it is given up on and retried, by a worker with the new code).
      emulator.abandonInFlight('the functions were rebuilt during the invocation');
      await invoker.reload();
    },
    async stop() {
      clearInterval(timer);
      await emulator.stop();
      await invoker.destroy();
      log.info('Kafka event source: stopped (offsets of delivered batches committed)', {
        event: 'stopped',
        attention: 'notice',
      });
    },
  };
}
