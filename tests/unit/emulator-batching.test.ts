import fc from 'fast-check';
import { AWS_KAFKA_LIMITS, msUntilDue, nextBatchCount } from '../../tooling/offline-kafka/batching.ts';

const limits = { maxRecords: 100, maxBytes: 6 * 1024 * 1024, windowMs: 500 };

describe('batching limits', () => {
  it("uses AWS's Kafka defaults: batch size 100 (at most 10,000), 500 ms window, 6 MB payload", () => {
    expect(AWS_KAFKA_LIMITS).toMatchObject({
      defaultBatchSize: 100,
      maxBatchSize: 10_000,
      defaultBatchingWindowMs: 500,
      maxPayloadBytes: 6_291_456,
    });
  });

  it('waits for the batching window while the batch is neither full nor old enough', () => {
    expect(msUntilDue({ count: 10, bytes: 2000, oldestArrivalMs: 1000 }, limits, 200, 1200)).toBe(300);
    expect(msUntilDue({ count: 10, bytes: 2000, oldestArrivalMs: 1000 }, limits, 200, 1500)).toBe(0);
  });

  it('sends at once when the batch size is reached or the payload would reach 6 MB', () => {
    expect(msUntilDue({ count: 100, bytes: 2000, oldestArrivalMs: 1000 }, limits, 200, 1000)).toBe(0);
    expect(
      msUntilDue({ count: 3, bytes: limits.maxBytes - 200, oldestArrivalMs: 1000 }, limits, 200, 1000),
    ).toBe(0);
  });

  it('never sends an empty batch', () => {
    expect(msUntilDue({ count: 0, bytes: 0, oldestArrivalMs: undefined }, limits, 200, 5000)).toBe(
      Number.POSITIVE_INFINITY,
    );
  });

  it('takes at most the batch size, and no more bytes than the payload limit', () => {
    expect(nextBatchCount(Array(250).fill(100), limits, 200)).toBe(100);
    const mb = 1024 * 1024;
    expect(nextBatchCount([2 * mb, 2 * mb, 2 * mb, 10], limits, 200)).toBe(2);
  });

  it('sends a single record above the payload limit alone rather than blocking the partition', () => {
    expect(nextBatchCount([7 * 1024 * 1024, 10], limits, 200)).toBe(1);
  });

  it('always takes between 1 and maxRecords records, within the byte limit unless one record exceeds it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 3_000_000 }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 10_000 }),
        (sizes, maxRecords) => {
          const l = { ...limits, maxRecords };
          const count = nextBatchCount(sizes, l, 200);
          const bytes = sizes.slice(0, count).reduce((a, b) => a + b, 200);
          expect(count).toBeGreaterThanOrEqual(1);
          expect(count).toBeLessThanOrEqual(Math.min(maxRecords, sizes.length));
          if (count > 1) expect(bytes).toBeLessThanOrEqual(l.maxBytes);
        },
      ),
    );
  });
});
