/**
 * Invokes a function the way AWS's event source mapping does: synchronously, one batch per
 * invocation, a thrown error (or a timeout) failing the batch so that it is retried.
 *
 * Locally the function runs in serverless offline's own Lambda runtime: a pool of worker threads
 * per function, built from the same serverless.yml, bundles and environment as its HTTP and
 * Invoke APIs (`serverless-offline/lambda`, the entry point serverless offline exports for event
 * plugins such as serverless-offline-sqs). The emulator keeps a pool of its own and hands each batch
 * to a worker directly: going through the Invoke API instead cost a JSON.stringify, an AWS SDK
 * request with its SigV4 hash of the payload, an HTTP round trip and a JSON.parse per batch, all on
 * the one thread that also fetches from Kafka (docs/latency.md).
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type Lambda from 'serverless-offline/lambda';

/** The function threw (or timed out): its error as the runtime reported it. */
export class FunctionInvocationError extends Error {
  override name = 'FunctionInvocationError';
  constructor(
    readonly functionName: string,
    /** What AWS puts in X-Amz-Function-Error: `Unhandled` for a thrown error or a timeout. */
    readonly functionError: string,
    readonly detail: string,
  ) {
    super(`${functionName} failed (${functionError}): ${detail}`);
  }
}

export interface LambdaInvoker {
  /** Resolves when the function returned; rejects when it threw, timed out, or `signal` aborted. */
  invoke(functionName: string, event: unknown, signal?: AbortSignal): Promise<void>;
  /** The functions' code was rebuilt: end the workers, so that the next invocations load the new code. */
  reload(): Promise<void>;
  /** Ends every worker. */
  destroy(): Promise<void>;
}

/** What the invoker needs of the serverless instance. */
export interface ServerlessForInvoker {
  readonly service: {
    readonly custom?: Record<string, unknown>;
    getFunction(functionKey: string): unknown;
  };
}

/**
 * serverless offline's options as its own `start` merges them: its defaults, then
 * `custom.serverless-offline` (where serverless-esbuild puts `location`, the build folder), then the
 * command line. The defaults are read from its own file, so that there is no second copy here.
 */
async function offlineOptions(
  serverless: ServerlessForInvoker,
  cliOptions: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const require = createRequire(import.meta.url);
  // The package exports only `.` and `./lambda` (src/lambda/index.js); its defaults sit beside them.
  const lambdaEntry = require.resolve('serverless-offline/lambda');
  const { default: defaults } = (await import(
    pathToFileURL(path.join(path.dirname(lambdaEntry), '..', 'config', 'defaultOptions.js')).href
  )) as { default: Record<string, unknown> };
  const custom = (serverless.service.custom?.['serverless-offline'] ?? {}) as Record<string, unknown>;
  return { ...defaults, ...custom, ...cliOptions };
}

/**
 * An invoker for `functionKeys` (the Kafka-triggered functions) in serverless offline's Lambda
 * runtime. Each concurrent invocation gets a worker of its own (one per partition in flight), as
 * AWS runs one batch per partition at a time.
 */
export async function offlineLambdaInvoker(
  serverless: ServerlessForInvoker,
  cliOptions: Record<string, unknown>,
  functionKeys: readonly string[],
): Promise<LambdaInvoker> {
  const { default: Lambda } = await import('serverless-offline/lambda');
  const options = await offlineOptions(serverless, cliOptions);
  const newPool = () => {
    const lambda = new Lambda(serverless, options);
    lambda.create(
      functionKeys.map((functionKey) => ({
        functionKey,
        functionDefinition: serverless.service.getFunction(functionKey),
      })),
    );
    return lambda;
  };
  return poolInvoker(newPool, { reloadHandler: options.reloadHandler === true });
}

/** What the invoker uses of serverless offline's `Lambda` (its pool of functions). */
export type OfflinePool = Pick<Lambda, 'getByFunctionName' | 'listFunctionNames' | 'cleanup'>;

/**
 * The invoker over a pool from `newPool` (a fresh one after every rebuild of the code).
 * @param reloadHandler serverless offline's `--reloadHandler`: every invocation gets a new worker,
 *   which is ended when it returns (serverless offline's own pool leaves that to an idle cleaner,
 *   which only runs behind its HTTP server).
 */
export function poolInvoker(
  newPool: () => OfflinePool,
  { reloadHandler }: { readonly reloadHandler: boolean },
): LambdaInvoker {
  let pool = newPool();
  const known = new Set(pool.listFunctionNames());
  return {
    invoke(functionName, event, signal) {
      if (!known.has(functionName)) {
        return Promise.reject(new Error(`no function named ${functionName} in serverless.yml`));
      }
      if (signal?.aborted) return Promise.reject(signal.reason);
      // get, setEvent and runHandler in one synchronous step: runHandler marks the worker busy
      // before anything else can be handed the same one.
      const fn = pool.getByFunctionName(functionName);
      fn.setClientContext(undefined);
      fn.setEvent(event);
      const run = fn.runHandler().then(
        () => undefined,
        (error: unknown) => {
          throw new FunctionInvocationError(
            functionName,
            'Unhandled',
            error instanceof Error ? `${error.name}: ${error.message}` : String(error),
          );
        },
      );
      const settled = reloadHandler ? run.finally(() => fn.cleanup()) : run;
      if (!signal) return settled;
      return new Promise<void>((resolve, reject) => {
        const onAbort = () => {
          // Given up on (the function's timeout, a stop, a rebuild of the code): end its worker, as
          // AWS stops an invocation it gave up on, so that the retry (or the partition's next
          // owner) is the only batch of that partition running.
          fn.cleanup().catch(() => undefined);
          reject(signal.reason);
        };
        signal.addEventListener('abort', onAbort, { once: true });
        settled.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
      });
    },
    async reload() {
      // A new pool at once: batches handed over while the old one's workers end must not land in
      // a worker of the old code, nor in one that the old pool no longer knows (and never ends).
      const old = pool;
      pool = newPool();
      await old.cleanup();
    },
    destroy: () => pool.cleanup(),
  };
}
