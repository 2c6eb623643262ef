/**
 * Event time on the wire is epoch seconds with fractions (`1733940000.25`); windows, buckets and
 * the lake's hour folders need whole milliseconds. One conversion for every consumer, so that a
 * record falls in the same window in Redis as in the lake, and in the one Spark gave it.
 */

/**
 * Whole milliseconds of an epoch-seconds event time, as Spark reads it: `CAST(t AS TIMESTAMP)`
 * takes the microseconds `floor(t × 1e6)`, and a window is `floor(µs / length)`.
 * - Exact at every whole-second edge (every window and bucket edge): for `t` below an edge the
 *   product stays below it, because the double's own spacing times 1e6 is more than half the
 *   product's spacing. `Math.round(t * 1000)` moved the last half millisecond of each minute into
 *   the next window.
 * - A timestamp written with up to 6 decimals keeps them: `1768640462.001` is 1 ms past the second
 *   although its nearest double lies just below it (flooring `t * 1000` would give 0 ms).
 * @returns NaN for a value that is not finite.
 */
export function epochSecondsToMs(seconds: number): number {
  if (!Number.isFinite(seconds)) return Number.NaN;
  // Math.floor of an integer's quotient by 1000 is exact below 2^53 µs (year 2255).
  return Math.floor(Math.floor(seconds * 1e6) / 1000);
}
