import fc from 'fast-check';
import { epochSecondsToMs } from '#contracts/event-time.ts';
import { DEFAULT_MAX_VALUE_BYTES, decodeTweet } from '#contracts/tweet.ts';
import { bucketStartOf, type WindowSettings, windowStartOf } from '#state/windows/windows.ts';

const settings: WindowSettings = {
  keyPrefix: 'trending',
  windowSeconds: 60,
  slideSeconds: 10,
  allowedLatenessSeconds: 60,
  retentionSeconds: 3600,
};
const limits = { maxValueBytes: DEFAULT_MAX_VALUE_BYTES, maxFutureSkewMs: 300_000 };

/** The event time the counter reads from a tweet whose `timestamp` is `seconds`. */
function decodedEventTime(seconds: number): number {
  const value = Buffer.from(
    JSON.stringify({ usuario: '@a', texto: 'x', hashtag_principal: '#Edge', timestamp: seconds }),
  );
  const decoded = decodeTweet(value, seconds * 1000 + 1000, limits);
  if (!decoded.ok) throw new Error(decoded.reason);
  return decoded.eventTime;
}

// Edges are whole multiples of the bucket length: exact doubles, so `t < edge` is an exact test.
const edge = fc.integer({ min: 1_700_000_000 / 10, max: 1_900_000_000 / 10 }).map((n) => n * 10);
const offset = fc.double({ min: -1e-6, max: 1e-6, noNaN: true });

describe('event time at window and bucket edges', () => {
  it('keeps the last microsecond before a window edge in its own window', () => {
    // The record a chaos run moved into the next minute with Math.round.
    const t = 1796112359.9997766;
    expect(windowStartOf(settings, decodedEventTime(t))).toBe(1796112300_000);
    expect(bucketStartOf(settings, decodedEventTime(t))).toBe(1796112350_000);
  });

  it('assigns every timestamp within a microsecond of an edge as floor(t / length) does', () => {
    fc.assert(
      fc.property(edge, offset, (edgeSeconds, delta) => {
        const t = edgeSeconds + delta;
        const ms = decodedEventTime(t);
        const expectedBucket = t < edgeSeconds ? (edgeSeconds - 10) * 1000 : edgeSeconds * 1000;
        expect(bucketStartOf(settings, ms)).toBe(expectedBucket);
        const windowEdge = Math.floor(edgeSeconds / 60) * 60;
        const expectedWindow =
          edgeSeconds % 60 === 0 && t < edgeSeconds ? (windowEdge - 60) * 1000 : windowEdge * 1000;
        expect(windowStartOf(settings, ms)).toBe(expectedWindow);
      }),
      { numRuns: 20_000 },
    );
  });

  it('keeps the microseconds of a timestamp written with up to 6 decimals', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1_700_000_000_000_000, max: 1_900_000_000_000_000 }), (micros) => {
        // The double nearest to the decimal micros / 1e6, as JSON.parse gives it.
        const t = Number(`${String(micros).slice(0, -6)}.${String(micros).slice(-6)}`);
        expect(epochSecondsToMs(t)).toBe(Math.floor(micros / 1000));
      }),
      { numRuns: 20_000 },
    );
  });

  it('gives NaN for a value that is not finite', () => {
    expect(epochSecondsToMs(Number.POSITIVE_INFINITY)).toBeNaN();
  });
});
