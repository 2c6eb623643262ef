import { describe, expect, it } from '@jest/globals';
import {
  FunctionInvocationError,
  type OfflinePool,
  poolInvoker,
} from '../../tooling/offline-kafka/invoker.ts';

/**
 * A stand-in for serverless offline's pool of functions (its `Lambda`): each function's
 * runHandler is settled by the test; cleanup() is what ends a worker thread.
 */
function fakePool(name = 'svc-local-counter') {
  const runs: Array<{ event: unknown; settle: (error?: Error) => void; cleanedUp: boolean }> = [];
  let poolCleanups = 0;
  const pool: OfflinePool = {
    listFunctionNames: () => [name],
    getByFunctionName() {
      let event: unknown;
      const run: { event: unknown; settle: (error?: Error) => void; cleanedUp: boolean } = {
        event: undefined,
        settle: () => undefined,
        cleanedUp: false,
      };
      return {
        setClientContext: () => undefined,
        setEvent: (e: unknown) => {
          event = e;
        },
        runHandler: () =>
          new Promise<unknown>((resolve, reject) => {
            run.event = event;
            run.settle = (error) => (error ? reject(error) : resolve(null));
            runs.push(run);
          }),
        cleanup: async () => {
          run.cleanedUp = true;
        },
      };
    },
    cleanup: async () => {
      poolCleanups += 1;
    },
  };
  return { pool, runs, poolCleanups: () => poolCleanups };
}

const turn = () => new Promise((r) => setImmediate(r));

describe("the invoker over serverless offline's pool", () => {
  it('hands the event to a worker and resolves when the handler returned', async () => {
    const { pool, runs } = fakePool();
    const invoker = poolInvoker(() => pool, { reloadHandler: false });

    const done = invoker.invoke('svc-local-counter', { records: {} });
    await turn();
    runs[0]?.settle();

    await expect(done).resolves.toBeUndefined();
    expect(runs[0]?.event).toEqual({ records: {} });
  });

  it('turns what the handler threw into a FunctionInvocationError (Unhandled, as AWS reports it)', async () => {
    const { pool, runs } = fakePool();
    const invoker = poolInvoker(() => pool, { reloadHandler: false });

    const done = invoker.invoke('svc-local-counter', {});
    await turn();
    runs[0]?.settle(new TypeError('poison record'));

    const error = await done.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FunctionInvocationError);
    expect(error).toMatchObject({ functionError: 'Unhandled', functionName: 'svc-local-counter' });
    expect(String((error as Error).message)).toContain('TypeError: poison record');
  });

  it('refuses a function serverless.yml does not have, naming it', async () => {
    const { pool } = fakePool();
    const invoker = poolInvoker(() => pool, { reloadHandler: false });

    await expect(invoker.invoke('svc-local-missing', {})).rejects.toThrow(
      'no function named svc-local-missing in serverless.yml',
    );
  });

  it('gives up on an aborted invocation at once and ends its worker, so it cannot run beside its retry', async () => {
    const { pool, runs } = fakePool();
    const invoker = poolInvoker(() => pool, { reloadHandler: false });
    const abort = new AbortController();

    const done = invoker.invoke('svc-local-counter', {}, abort.signal);
    await turn();
    abort.abort(new Error('the function timed out'));

    await expect(done).rejects.toThrow('the function timed out');
    expect(runs[0]?.cleanedUp).toBe(true);
  });

  it('after a rebuild, hands new batches to a new pool and ends the old one', async () => {
    const first = fakePool();
    const second = fakePool();
    const pools = [first.pool, second.pool];
    const invoker = poolInvoker(() => pools.shift() as OfflinePool, { reloadHandler: false });

    await invoker.reload();
    const done = invoker.invoke('svc-local-counter', {});
    await turn();
    second.runs[0]?.settle();
    await done;

    expect(first.poolCleanups()).toBe(1);
    expect(first.runs).toHaveLength(0);
    expect(second.runs).toHaveLength(1);
  });

  it("with --reloadHandler, ends each invocation's worker once it returned", async () => {
    const { pool, runs } = fakePool();
    const invoker = poolInvoker(() => pool, { reloadHandler: true });

    const done = invoker.invoke('svc-local-counter', {});
    await turn();
    runs[0]?.settle();
    await done;

    expect(runs[0]?.cleanedUp).toBe(true);
  });
});
