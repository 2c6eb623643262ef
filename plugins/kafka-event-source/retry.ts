/**
 * How a failed batch is retried: whole, the same records again, with exponential backoff and no
 * attempt limit, as AWS's Kafka event source mapping does by default (it never skips ahead on its
 * own). An abort signal (shutdown, partition revoked) ends the waiting.
 */
// https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html
import { ExponentialBackoff, handleAll, type RetryPolicy, retry } from 'cockatiel';

export interface RetrySettings {
  /** First delay after a failure. */
  readonly initialDelayMs: number;
  /** Ceiling of the growing delay. */
  readonly maxDelayMs: number;
  /** Attempts in total (the first one included); `Infinity` retries until success. */
  readonly maxAttempts: number;
}

export const DEFAULT_RETRY: RetrySettings = {
  initialDelayMs: 250,
  maxDelayMs: 10_000,
  maxAttempts: Infinity,
};

/** A cockatiel retry policy for whole-batch retries. */
export function batchRetryPolicy(settings: RetrySettings = DEFAULT_RETRY): RetryPolicy {
  return retry(handleAll, {
    maxAttempts: settings.maxAttempts,
    backoff: new ExponentialBackoff({ initialDelay: settings.initialDelayMs, maxDelay: settings.maxDelayMs }),
  });
}
