/**
 * Time as the producers' loops see it: injected, so that tests drive a poll or a paced run on a
 * clock that jumps instead of waiting real time.
 */

export interface Clock {
  /** Epoch ms. */
  now(): number;
  sleep(ms: number): Promise<void>;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};
