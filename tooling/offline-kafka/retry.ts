/**
 * How a failed batch is retried: whole, the same records again, with exponential backoff and no
 * attempt limit, as AWS's Kafka event source mapping does by default (it never skips ahead on its
 * own). An abort signal (shutdown, partition revoked) ends the waiting between attempts at once,
 * but never cuts an invocation short.
 */
// https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html
import { ExponentialBackoff, handleAll, type RetryPolicy, retry } from 'cockatiel';

export interface RetrySettings {
  /** First delay after a failure. */
  readonly initialDelayMs: number;
  /** Ceiling of the growing delay. */
  readonly maxDelayMs: number;
  /** Retries after the first attempt (cockatiel's `maxAttempts`); `Infinity` retries until success. */
  readonly maxAttempts: number;
}

export const DEFAULT_RETRY: RetrySettings = {
  initialDelayMs: 250,
  maxDelayMs: 10_000,
  maxAttempts: Infinity,
};

/** A cockatiel retry policy for whole-batch retries (its timers do not keep the process alive). */
export function batchRetryPolicy(settings: RetrySettings = DEFAULT_RETRY): RetryPolicy {
  return retry(handleAll, {
    maxAttempts: settings.maxAttempts,
    backoff: new ExponentialBackoff({ initialDelay: settings.initialDelayMs, maxDelay: settings.maxDelayMs }),
  }).dangerouslyUnref();
}

/** One attempt, no retry: a part of a batch that is split in two when it fails (bisect). */
export const singleAttempt: RetryPolicy = retry(handleAll, { maxAttempts: 0 });

/** The retries were abandoned because the signal aborted; the batch was not delivered. */
export class RetryAbortedError extends Error {
  override name = 'RetryAbortedError';
}

/**
 * Runs `attempt` under `policy` until it succeeds. When `signal` aborts, the attempt in flight (if
 * any) is awaited: its success is the result; otherwise the call rejects with RetryAbortedError
 * without waiting out the backoff (cockatiel only checks the signal once the delay is over).
 */
export function retryUntilAborted<T>(
  policy: RetryPolicy,
  attempt: (attemptNumber: number) => Promise<T>,
  signal: AbortSignal,
): Promise<T> {
  let current: Promise<unknown> = Promise.resolve();
  let succeeded = false;
  const run = policy.execute(async ({ attempt: n }) => {
    const pending = attempt(n + 1);
    current = pending;
    const value = await pending;
    succeeded = true;
    return value;
  }, signal);
  const aborted = new Promise<T>((resolve, reject) => {
    const onAbort = () => {
      void current
        .then(
          () => undefined,
          () => undefined,
        )
        .then(() =>
          succeeded ? resolve(run) : reject(new RetryAbortedError('retries abandoned: stopping')),
        );
    };
    if (signal.aborted) onAbort();
    else {
      signal.addEventListener('abort', onAbort, { once: true });
      // One listener per batch would pile up on the worker's long-lived signal.
      void run.then(
        () => signal.removeEventListener('abort', onAbort),
        () => signal.removeEventListener('abort', onAbort),
      );
    }
  });
  // Whichever settles second is nobody's business any more.
  run.catch(() => undefined);
  aborted.catch(() => undefined);
  return Promise.race([run, aborted]);
}
