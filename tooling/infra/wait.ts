/**
 * The one readiness wait of infra and the test helpers (p-wait-for). Callers start it right after
 * the process they wait for is spawned, and nothing here blocks the event loop, so the deadline
 * only counts time in which checks really run.
 */
import pWaitFor from 'p-wait-for';
import { InfraError } from './infra-error.ts';

export interface WaitOptions {
  /** Who is waited for, as the message names it: "Kafka", "Redis on 127.0.0.1:6379". */
  readonly what: string;
  readonly timeoutMs: number;
  /** What to do about a timeout, e.g. "See /path/redis.log." */
  readonly hint: string;
  /** Gives up at once (with the signal's reason) when aborted. */
  readonly signal?: AbortSignal;
  /**
   * Why waiting is pointless (the process exited, with its last log line), or undefined. Checked
   * before every check, so a dead process fails the wait at once instead of at the deadline.
   */
  readonly gaveUp?: () => Promise<string | undefined>;
  readonly intervalMs?: number;
}

/** Resolves when `check` resolves true; rejects with an InfraError on timeout or when `gaveUp` says why. */
export async function waitUntilReady(check: () => Promise<boolean>, options: WaitOptions): Promise<void> {
  const { what, timeoutMs, hint, signal, gaveUp, intervalMs = 200 } = options;
  await pWaitFor(
    async () => {
      const reason = await gaveUp?.();
      if (reason !== undefined) throw new InfraError(`${what} ${reason}. ${hint}`);
      return check();
    },
    {
      interval: intervalMs,
      timeout: {
        milliseconds: timeoutMs,
        message: new InfraError(`${what} did not become ready within ${timeoutMs / 1000} s. ${hint}`),
        signal,
      },
    },
  );
}
