/**
 * Event time on the wire is epoch seconds with fractions (`1733940000.25`); windows, buckets and
 * the lake's hour folders need whole milliseconds. One conversion for every consumer, so that a
 * record falls in the same window in Redis as in the lake.
 */

/**
 * `floor(seconds × 1000)` computed on the exact value of `seconds`, not on its rounded product:
 * an event 0.2 µs before a window edge stays in its own window (floor(t / 60), as Spark assigns
 * it). `Math.round` moved the last half millisecond of every minute into the next window, and
 * even `Math.floor(seconds * 1000)` can round the product up onto the edge.
 * Exact because `seconds - Math.floor(seconds)` is exact (Sterbenz) and the fraction's product
 * with 1000 is never within a rounding error of a whole number unless it is one.
 * @returns NaN for a value that is not finite.
 */
export function epochSecondsToMs(seconds: number): number {
  if (!Number.isFinite(seconds)) return Number.NaN;
  const whole = Math.floor(seconds);
  return whole * 1000 + Math.floor((seconds - whole) * 1000);
}
