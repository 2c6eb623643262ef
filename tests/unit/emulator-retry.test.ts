import {
  batchRetryPolicy,
  DEFAULT_RETRY,
  RetryAbortedError,
  retryUntilAborted,
} from '../../tooling/offline-kafka/retry.ts';

describe('batch retry policy', () => {
  it('retries until success by default, as the event source mapping does', () => {
    expect(DEFAULT_RETRY.maxAttempts).toBe(Infinity);
  });

  it('waits between attempts, never longer than the ceiling', async () => {
    const policy = batchRetryPolicy({ initialDelayMs: 10, maxDelayMs: 40, maxAttempts: Infinity });
    const at: number[] = [];

    const result = await retryUntilAborted(
      policy,
      async (attempt) => {
        at.push(Date.now());
        if (attempt < 6) throw new Error('fails');
        return attempt;
      },
      new AbortController().signal,
    );

    const gaps = at.slice(1).map((t, i) => t - (at[i] ?? t));
    expect(result).toBe(6);
    expect(Math.max(...gaps)).toBeLessThan(40 + 30);
  });

  it('stops waiting at once when aborted (shutdown or partition revoked)', async () => {
    const policy = batchRetryPolicy({ initialDelayMs: 5_000, maxDelayMs: 10_000, maxAttempts: Infinity });
    const abort = new AbortController();
    let attempts = 0;
    const started = Date.now();

    const running = retryUntilAborted(
      policy,
      async () => {
        attempts += 1;
        throw new Error('fails');
      },
      abort.signal,
    );
    setTimeout(() => abort.abort(), 50);

    await expect(running).rejects.toBeInstanceOf(RetryAbortedError);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(attempts).toBe(1);
  });

  it('lets the attempt in flight finish when aborted, and keeps its success', async () => {
    const policy = batchRetryPolicy({ initialDelayMs: 10, maxDelayMs: 10, maxAttempts: Infinity });
    const abort = new AbortController();

    const running = retryUntilAborted(
      policy,
      async () => {
        abort.abort();
        await new Promise((r) => setTimeout(r, 100));
        return 'delivered';
      },
      abort.signal,
    );

    await expect(running).resolves.toBe('delivered');
  });
});
