/**
 * What an operator sees of one consumer batch: the EMF metrics (counts, bytes, latency, lag) and
 * the one log line with the latency, the lag and the consumer's own details.
 */
import { reportConsumerBatch } from '#lib/batch-telemetry.ts';
import { createLogger } from '#lib/logger.ts';
import { createMetrics } from '#lib/metrics.ts';
import { captureJsonLines } from '../support/json-lines.ts';

/** Reports one batch and flushes the metrics, as the logMetrics middleware does after a batch. */
async function report(input: Parameters<typeof reportConsumerBatch>[2]) {
  const metrics = createMetrics('archiver');
  const { lines } = await captureJsonLines(async () => {
    reportConsumerBatch(createLogger('archiver'), metrics, input);
    metrics.publishStoredMetrics();
  });
  const emf = lines.find((l) => '_aws' in l);
  const units = Object.fromEntries(
    (
      (emf?._aws as { CloudWatchMetrics: Array<{ Metrics: Array<{ Name: string; Unit: string }> }> })
        ?.CloudWatchMetrics[0]?.Metrics ?? []
    ).map((m) => [m.Name, m.Unit]),
  );
  return { emf, units, log: lines.find((l) => l.message === input.message) };
}

describe('reportConsumerBatch', () => {
  it('emits counts, bytes, latency and lag as metrics, and one log line with the details', async () => {
    const { emf, units, log } = await report({
      message: 'batch archived',
      latencyMs: 12.345,
      counts: { RecordsIn: 5, DeadLetterWrites: 1 },
      bytes: { BytesWritten: 2048 },
      lag: { metric: 'ArchiveLag', oldestRecordTimestamp: 1_000, nowMs: 4_500 },
      details: { files: ['a.parquet'], deadLetters: 1 },
    });

    expect(emf).toMatchObject({
      RecordsIn: 5,
      DeadLetterWrites: 1,
      BytesWritten: 2048,
      BatchLatency: 12.345,
    });
    expect(emf?.ArchiveLag).toBe(3_500);
    expect(units).toEqual({
      RecordsIn: 'Count',
      DeadLetterWrites: 'Count',
      BytesWritten: 'Bytes',
      BatchLatency: 'Milliseconds',
      ArchiveLag: 'Milliseconds',
    });
    expect(log).toMatchObject({ latencyMs: 12.3, lagMs: 3_500, files: ['a.parquet'], deadLetters: 1 });
  });

  it('reports lag 0 for a batch with no timestamp or one from a clock ahead, and no lag when none is measured', async () => {
    const none = await report({
      message: 'batch tracked',
      latencyMs: 1,
      counts: { RecordsIn: 0 },
      lag: { metric: 'TrackerLag', oldestRecordTimestamp: null, nowMs: 5_000 },
      details: {},
    });
    const ahead = await report({
      message: 'batch tracked',
      latencyMs: 1,
      counts: { RecordsIn: 1 },
      lag: { metric: 'TrackerLag', oldestRecordTimestamp: 9_000, nowMs: 5_000 },
      details: {},
    });
    const unmeasured = await report({ message: 'batch counted', latencyMs: 1, counts: {}, details: {} });

    expect([none.emf?.TrackerLag, ahead.emf?.TrackerLag]).toEqual([0, 0]);
    expect(unmeasured.log).not.toHaveProperty('lagMs');
    expect(Object.keys(unmeasured.units)).toEqual(['BatchLatency']);
  });
});
