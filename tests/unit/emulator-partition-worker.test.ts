import type { KafkaLambdaEvent } from '../../tooling/offline-kafka/event-shape.ts';
import type { EmulatorLog, LogFields } from '../../tooling/offline-kafka/log.ts';
import {
  type BatchOutcome,
  PartitionWorker,
  type PartitionWorkerDeps,
} from '../../tooling/offline-kafka/partition-worker.ts';
import { batchRetryPolicy } from '../../tooling/offline-kafka/retry.ts';

const quiet = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
const fastRetry = batchRetryPolicy({ initialDelayMs: 5, maxDelayMs: 20, maxAttempts: Infinity });

function messages(from: number, count: number) {
  return Array.from({ length: count }, (_, i) => ({
    offset: String(from + i),
    timestamp: String(1_700_000_000_000 + from + i),
    key: null,
    value: Buffer.from(`tweet ${from + i}`),
  }));
}

const offsetsOf = (event: KafkaLambdaEvent) =>
  Object.values(event.records).flatMap((rs) => rs.map((r) => r.offset));

function harness(
  options: {
    batchSize?: number;
    windowMs?: number;
    failures?: number;
    log?: EmulatorLog;
    readAheadBytes?: number;
  } = {},
) {
  const invoked: number[][] = [];
  const committed: string[] = [];
  const outcomes: BatchOutcome[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  let failuresLeft = options.failures ?? 0;
  const worker = new PartitionWorker({
    topic: 'tweets',
    partition: 3,
    origin: { kind: 'kafka', bootstrapServers: ['127.0.0.1:9092'] },
    limits: {
      maxRecords: options.batchSize ?? 10,
      maxBytes: 6 * 1024 * 1024,
      windowMs: options.windowMs ?? 50,
    },
    retryPolicy: fastRetry,
    log: options.log ?? quiet,
    ...(options.readAheadBytes === undefined ? {} : { readAheadBytes: options.readAheadBytes }),
    async invoke(event) {
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      invoked.push(offsetsOf(event));
      await new Promise((r) => setTimeout(r, 2));
      inFlight -= 1;
      if (failuresLeft > 0) {
        failuresLeft -= 1;
        throw new Error('injected failure');
      }
    },
    async commit(next) {
      committed.push(next);
    },
    onBatch: (o) => outcomes.push(o),
  });
  const until = async (check: () => boolean) => {
    const deadline = Date.now() + 5000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((r) => setTimeout(r, 5));
    }
  };
  return { worker, invoked, committed, outcomes, until, maxInFlight: () => maxInFlight };
}

/** The settings of a worker on `t`/0 with a 10 ms window, for the tests that bring their own invoke. */
const smallWorker = (maxRecords: number) => ({
  topic: 't',
  partition: 0,
  origin: { kind: 'kafka' as const, bootstrapServers: ['h:1'] },
  limits: { maxRecords, maxBytes: 6 * 1024 * 1024, windowMs: 10 },
  retryPolicy: fastRetry,
  log: quiet,
});

/**
 * A worker of two-record batches whose invocation hangs until the worker aborts it: the first
 * one only (later ones succeed), or every one.
 */
function hangingWorker(
  extra: Pick<PartitionWorkerDeps, 'invokeTimeoutMs' | 'stopGraceMs'> = {},
  hangs: 'first' | 'always' = 'first',
) {
  const calls: number[] = [];
  const committed: string[] = [];
  const worker = new PartitionWorker({
    ...smallWorker(2),
    invoke: (_event, signal) => {
      calls.push(Date.now());
      if (hangs === 'first' && calls.length > 1) return Promise.resolve();
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
    },
    commit: async (next) => {
      committed.push(next);
    },
    ...extra,
  });
  return { worker, calls, committed };
}

describe('partition worker', () => {
  it('delivers full batches in offset order, one at a time, and commits the offset after each', async () => {
    const h = harness({ batchSize: 10 });

    h.worker.push(messages(0, 25));
    await h.until(() => h.committed.length === 3);
    await h.worker.stop();

    expect(h.invoked).toEqual([
      Array.from({ length: 10 }, (_, i) => i),
      Array.from({ length: 10 }, (_, i) => 10 + i),
      Array.from({ length: 5 }, (_, i) => 20 + i),
    ]);
    expect(h.committed).toEqual(['10', '20', '25']);
    expect(h.maxInFlight()).toBe(1);
  });

  it('holds a partial batch for the batching window before sending it', async () => {
    const h = harness({ batchSize: 100, windowMs: 150 });
    const started = Date.now();

    h.worker.push(messages(0, 3));
    await h.until(() => h.committed.length === 1);
    await h.worker.stop();

    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
    expect(h.invoked).toEqual([[0, 1, 2]]);
  });

  it('tells a person of a failing batch once when it starts failing and once when it is through', async () => {
    const records: Array<{ level: string; message: string; fields: LogFields }> = [];
    const keep =
      (level: string) =>
      (message: string, fields: LogFields = {}) => {
        records.push({ level, message, fields });
      };
    const log = { debug: keep('DEBUG'), info: keep('INFO'), warn: keep('WARN'), error: keep('ERROR') };
    const h = harness({ batchSize: 5, failures: 3, log });

    h.worker.push(messages(40, 5));
    await h.until(() => h.committed.length === 1);
    await h.worker.stop();

    const forAPerson = records.filter((r) => r.fields.attention !== undefined);
    expect(forAPerson.map((r) => [r.level, r.fields.attention])).toEqual([
      ['WARN', 'open'],
      ['INFO', 'resolved'],
    ]);
    expect(forAPerson[0]?.message).toMatch(/offsets 40-44 \(5 records\) failed on attempt 1/);
    expect(forAPerson[1]?.message).toMatch(/offsets 40-44 delivered on attempt 4/);
    // The attempts in between are kept for the log file.
    expect(records.filter((r) => r.fields.event === 'batch-failing')).toHaveLength(4);
  });

  it('retries a failed batch whole, with the same records, and commits only after success', async () => {
    const h = harness({ batchSize: 5, failures: 2 });

    h.worker.push(messages(40, 5));
    await h.until(() => h.committed.length === 1);
    await h.worker.stop();

    expect(h.invoked).toEqual([
      [40, 41, 42, 43, 44],
      [40, 41, 42, 43, 44],
      [40, 41, 42, 43, 44],
    ]);
    expect(h.committed).toEqual(['45']);
    expect(h.outcomes[0]).toMatchObject({ records: 5, attempts: 3, firstOffset: 40, lastOffset: 44 });
  });

  it('drops records delivered twice by the consumer (offsets at or below the last one seen)', async () => {
    const h = harness({ batchSize: 4 });

    h.worker.push(messages(0, 4));
    h.worker.push(messages(2, 4));
    await h.until(() => h.committed.length === 2);
    await h.worker.stop();

    expect(h.invoked.flat()).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('stops without committing what it has not delivered', async () => {
    const h = harness({ batchSize: 100, windowMs: 10_000 });

    h.worker.push(messages(0, 3));
    const committedNext = await h.worker.stop();

    expect(h.invoked).toEqual([]);
    expect(h.committed).toEqual([]);
    expect(committedNext).toBe(-1);
  });

  it('keeps its partition fetching until it holds the read-ahead bytes, however many batches that is', async () => {
    // A record of `tweet N` is ~140 payload bytes: 10 batches of 5 are ~7 KB.
    const h = harness({ batchSize: 5, windowMs: 10_000, readAheadBytes: 20_000 });

    h.worker.push(messages(0, 50));
    const fullAtFifty = h.worker.full;
    h.worker.push(messages(50, 100));
    const fullAtOneHundredFifty = h.worker.full;
    await h.worker.stop();

    expect(fullAtFifty).toBe(false);
    expect(fullAtOneHundredFifty).toBe(true);
  });

  it('asks to pause when two batches are buffered and resumes once it is no longer full', async () => {
    const h = harness({ batchSize: 5, windowMs: 10_000 });
    let resumed = 0;

    h.worker.push(messages(0, 10));
    const fullAtTen = h.worker.full;
    h.worker.pausedUntilDrained(() => {
      resumed += 1;
    });
    await h.until(() => h.committed.length === 2);
    await h.worker.stop();

    expect(fullAtTen).toBe(true);
    expect(resumed).toBe(1);
  });

  it('counts an invocation that outlives the function timeout as failed, and retries the batch', async () => {
    const { worker, calls, committed } = hangingWorker({ invokeTimeoutMs: 50 });

    worker.push(messages(0, 2));
    await new Promise((r) => setTimeout(r, 300));
    await worker.stop();

    expect(calls).toHaveLength(2);
    expect(committed).toEqual(['2']);
  });

  it('retries at once an invocation abandoned because the function runtime was replaced', async () => {
    const { worker, calls, committed } = hangingWorker();
    worker.push(messages(0, 2));
    await new Promise((r) => setTimeout(r, 50));

    worker.abandonInFlight('functions reloaded');
    await new Promise((r) => setTimeout(r, 100));
    await worker.stop();

    expect(calls).toHaveLength(2);
    expect(committed).toEqual(['2']);
  });

  it('abandons a hanging invocation once the stop grace has passed, leaving its batch uncommitted', async () => {
    const { worker, committed } = hangingWorker({ stopGraceMs: 100 }, 'always');
    worker.push(messages(0, 2));
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();

    const committedNext = await worker.stop();

    expect(Date.now() - started).toBeLessThan(1000);
    expect(committedNext).toBe(-1);
    expect(committed).toEqual([]);
  });

  it('starts after its predecessor and skips what the predecessor committed', async () => {
    const invoked: number[][] = [];
    const worker = new PartitionWorker(
      {
        ...smallWorker(100),
        invoke: async (event) => {
          invoked.push(offsetsOf(event));
        },
        commit: async () => undefined,
      },
      Promise.resolve(3),
    );

    worker.push(messages(0, 6));
    await new Promise((r) => setTimeout(r, 100));
    await worker.stop();

    expect(invoked).toEqual([[3, 4, 5]]);
  });

  it('resumes its partition when all it buffered while paused was committed by its predecessor', async () => {
    let predecessorDone: (committed: number) => void = () => undefined;
    const predecessor = new Promise<number>((resolve) => {
      predecessorDone = resolve;
    });
    let resumed = 0;
    const worker = new PartitionWorker(
      { ...smallWorker(5), invoke: async () => undefined, commit: async () => undefined },
      predecessor,
    );

    // Fetched from the group's committed offset while the predecessor's last commits were in flight.
    worker.push(messages(0, 10));
    const fullWhileWaiting = worker.full;
    worker.pausedUntilDrained(() => {
      resumed += 1;
    });
    predecessorDone(10);
    await new Promise((r) => setTimeout(r, 50));
    const resumedBeforeStop = resumed; // stop() resumes too
    await worker.stop();

    expect(fullWhileWaiting).toBe(true);
    expect(resumedBeforeStop).toBe(1);
  });
});
