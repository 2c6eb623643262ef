/**
 * One topic-partition's delivery loop, as AWS's event source mapping runs it: records buffered in
 * offset order; one batch in flight at a time; a batch leaves when it is full (records or bytes)
 * or its batching window has passed; a failed batch is retried whole with backoff; the offset is
 * committed only after the function succeeded.
 */
// https://docs.aws.amazon.com/lambda/latest/dg/with-kafka-process.html (per-partition order, batching)
import type { RetryPolicy } from 'cockatiel';
import { errorMessage } from '#lib/errors.ts';
import { type BatchLimits, msUntilDue, nextBatchCount } from './batching.ts';
import {
  type ConsumedMessage,
  type EventOrigin,
  type KafkaLambdaEvent,
  type KafkaLambdaRecord,
  recordPayloadBytes,
  toLambdaEvent,
  toLambdaRecord,
} from './event-shape.ts';
import type { EmulatorLog } from './log.ts';
import { retryUntilAborted } from './retry.ts';

export interface BatchOutcome {
  readonly topic: string;
  readonly partition: number;
  readonly records: number;
  readonly bytes: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  /** Invocations it took (1 when the first one succeeded). */
  readonly attempts: number;
  readonly durationMs: number;
}

export type WorkerLog = EmulatorLog;

export interface PartitionWorkerDeps {
  readonly topic: string;
  readonly partition: number;
  readonly origin: EventOrigin;
  readonly limits: BatchLimits;
  readonly retryPolicy: RetryPolicy;
  /**
   * Invokes the function; rejects when the invocation failed (FunctionError, unreachable, or
   * `signal` aborted: the function's timeout passed, or the worker is being stopped).
   */
  invoke(event: KafkaLambdaEvent, signal: AbortSignal): Promise<void>;
  /** Longest wait for one invocation: the function's timeout (AWS counts a timeout as a failure). */
  readonly invokeTimeoutMs?: number;
  /** After stop(), how long a batch in flight may still finish before its invocation is abandoned. */
  readonly stopGraceMs?: number;
  /** Commits `nextOffset` (the offset after the batch's last record) for the consumer group. */
  commit(nextOffset: string): Promise<void>;
  onBatch?(outcome: BatchOutcome): void;
  onFailure?(error: unknown, attempt: number): void;
  readonly log: WorkerLog;
  readonly now?: () => number;
}

interface Buffered {
  readonly record: KafkaLambdaRecord;
  readonly bytes: number;
  readonly arrivedMs: number;
}

export class PartitionWorker {
  private readonly buffer: Buffered[] = [];
  private bufferedBytes = 0;
  private lastPushedOffset = -1;
  private readonly abort = new AbortController();
  /** Aborted once the stop grace has passed: abandons the invocation in flight (left uncommitted). */
  private readonly hardStop = new AbortController();
  private invoking = false;
  /** Aborts the invocation in flight only (see abandonInFlight). */
  private attempt: AbortController | undefined;
  private wake: (() => void) | undefined;
  private resume: (() => void) | undefined;
  private readonly envelopeBytes: number;
  private readonly now: () => number;
  private readonly done: Promise<number>;
  private committedNext: number;
  /** When the batch in flight was first invoked (undefined when none is). */
  private deliveringSinceMs: number | undefined;
  /** The batch in flight has failed at least once (reported as a failing batch, not as stuck). */
  private failing = false;

  /**
   * @param after resolves when the previous owner of this partition has stopped, with the offset
   *   it committed up to: records below it are not delivered again.
   */
  constructor(
    private readonly deps: PartitionWorkerDeps,
    after: Promise<number> = Promise.resolve(-1),
  ) {
    this.now = deps.now ?? Date.now;
    const empty = JSON.stringify(toLambdaEvent(deps.origin, []));
    // The event around the records: the envelope plus `"topic-partition":[ ]`.
    this.envelopeBytes = Buffer.byteLength(empty) + Buffer.byteLength(`"${deps.topic}-${deps.partition}":[]`);
    this.committedNext = -1;
    this.done = after.then((committed) => {
      this.committedNext = committed;
      this.dropBelow(committed);
      return this.run();
    });
  }

  /** Records waiting to be delivered. */
  get buffered(): number {
    return this.buffer.length;
  }

  /**
   * Gives up waiting for the invocation in flight, which then counts as failed and is retried (the
   * worker keeps running). For when the function runtime was replaced under it: serverless offline
   * terminates its workers when the code is rebuilt, and their invocations would never answer.
   */
  abandonInFlight(reason: string): void {
    this.attempt?.abort(new Error(reason));
  }

  /** A batch is being delivered (invoked or retried) right now. */
  get inFlight(): boolean {
    return this.invoking;
  }

  /**
   * How long records have waited without a batch being delivered: since the batch in flight was
   * first invoked, or since the oldest buffered record arrived; 0 when nothing waits, and while
   * the batch in flight is failing (that has its own report).
   */
  waitingMs(nowMs: number = this.now()): number {
    if (this.failing) return 0;
    const since = this.deliveringSinceMs ?? this.buffer[0]?.arrivedMs;
    return since === undefined ? 0 : Math.max(0, nowMs - since);
  }

  /** The partition is paused until this worker's buffer drains. */
  get paused(): boolean {
    return this.resume !== undefined;
  }

  /** True when the buffer holds more than two batches: the consumer should pause the partition. */
  get full(): boolean {
    return (
      this.buffer.length >= 2 * this.deps.limits.maxRecords || this.bufferedBytes >= this.deps.limits.maxBytes
    );
  }

  /** Remembers how to resume the paused partition once the buffer has drained to one batch. */
  pausedUntilDrained(resume: () => void): void {
    this.resume = resume;
  }

  /** Appends messages in offset order; offsets at or below the last one seen are duplicates and dropped. */
  push(messages: readonly ConsumedMessage[]): void {
    const arrivedMs = this.now();
    for (const message of messages) {
      const offset = Number(message.offset);
      if (offset <= this.lastPushedOffset || offset < this.committedNext) continue;
      const record = toLambdaRecord(this.deps.topic, this.deps.partition, message);
      const bytes = recordPayloadBytes(record);
      this.buffer.push({ record, bytes, arrivedMs });
      this.bufferedBytes += bytes;
      this.lastPushedOffset = offset;
    }
    this.wake?.();
  }

  /**
   * Stops after the batch in flight (if any) has finished and been committed; buffered records are
   * left uncommitted, so the consumer group delivers them again. Resolves with the next offset
   * committed by this worker (-1 if none).
   */
  stop(): Promise<number> {
    if (!this.abort.signal.aborted) {
      setTimeout(() => this.hardStop.abort(), this.deps.stopGraceMs ?? 5000).unref();
    }
    this.abort.abort();
    // A partition paused for this worker must not stay paused for its successor.
    this.resume?.();
    this.resume = undefined;
    this.wake?.();
    return this.done;
  }

  private dropBelow(offset: number): void {
    while (this.buffer.length > 0 && (this.buffer[0]?.record.offset ?? offset) < offset) {
      const head = this.buffer.shift();
      if (head) this.bufferedBytes -= head.bytes;
    }
  }

  private async waitForBatch(): Promise<boolean> {
    const { signal } = this.abort;
    while (!signal.aborted) {
      const due = msUntilDue(
        { count: this.buffer.length, bytes: this.bufferedBytes, oldestArrivalMs: this.buffer[0]?.arrivedMs },
        this.deps.limits,
        this.envelopeBytes,
        this.now(),
      );
      if (due === 0) return true;
      await new Promise<void>((resolve) => {
        const timer = Number.isFinite(due) ? setTimeout(resolve, due) : undefined;
        this.wake = () => {
          if (timer) clearTimeout(timer);
          resolve();
        };
      });
      this.wake = undefined;
    }
    return false;
  }

  private async run(): Promise<number> {
    const { topic, partition, log } = this.deps;
    while (await this.waitForBatch()) {
      const count = nextBatchCount(
        this.buffer.map((b) => b.bytes),
        this.deps.limits,
        this.envelopeBytes,
      );
      const batch = this.buffer.slice(0, count);
      const first = batch[0]?.record.offset ?? 0;
      const last = batch[batch.length - 1]?.record.offset ?? first;
      const bytes = batch.reduce((sum, b) => sum + b.bytes, this.envelopeBytes);
      if (bytes > this.deps.limits.maxBytes) {
        log.warn(
          `${topic}-${partition}: record at offset ${first} alone makes a ${bytes}-byte event, above AWS's 6 MB invoke limit`,
          { topic, partition, event: 'oversized-record', offset: first, bytes, attention: 'notice' },
        );
      }
      const event = toLambdaEvent(
        this.deps.origin,
        batch.map((b) => b.record),
      );
      const started = this.now();
      const where = { topic, partition, firstOffset: first, lastOffset: last, records: count };
      let attempts = 0;
      this.invoking = true;
      this.deliveringSinceMs = started;
      try {
        // The same event, whole, on every attempt: AWS retries the batch, never a part of it.
        await retryUntilAborted(
          this.deps.retryPolicy,
          async (attempt) => {
            attempts = attempt;
            try {
              const timeout = AbortSignal.timeout(this.deps.invokeTimeoutMs ?? 900_000);
              this.attempt = new AbortController();
              await this.deps.invoke(
                event,
                AbortSignal.any([timeout, this.hardStop.signal, this.attempt.signal]),
              );
            } catch (error) {
              // An aborted request says only "Request aborted"; the abort's reason says why.
              const why = this.attempt?.signal.aborted ? this.attempt.signal.reason : error;
              this.deps.onFailure?.(why, attempt);
              this.failing = true;
              // A person hears of a failing batch once when it starts failing and once when it is
              // through; the attempts in between are for the log file.
              log.warn(
                `${topic}-${partition}: batch of offsets ${first}-${last} (${count} records) failed on attempt ${attempt}, retrying it whole${attempt === 1 ? ' until it succeeds' : ''}: ${errorMessage(why)}`,
                {
                  ...where,
                  event: 'batch-failing',
                  attempt,
                  error: errorMessage(why),
                  ...(attempt === 1 ? { attention: 'open' as const } : {}),
                },
              );
              throw error;
            }
          },
          this.abort.signal,
        );
      } catch (error) {
        if (this.abort.signal.aborted) break;
        log.error(`${topic}-${partition}: giving up on offsets ${first}-${last}: ${errorMessage(error)}`, {
          ...where,
          event: 'batch-abandoned',
          attention: 'open',
          error: errorMessage(error),
        });
        break;
      } finally {
        this.invoking = false;
        this.deliveringSinceMs = undefined;
        this.failing = false;
      }
      if (attempts > 1) {
        log.info(
          `${topic}-${partition}: batch of offsets ${first}-${last} delivered on attempt ${attempts}, ${((this.now() - started) / 1000).toFixed(1)} s after its first attempt`,
          { ...where, event: 'batch-failing', attempt: attempts, attention: 'resolved' },
        );
      }
      this.buffer.splice(0, count);
      this.bufferedBytes -= bytes - this.envelopeBytes;
      try {
        await this.deps.commit(String(last + 1));
        this.committedNext = last + 1;
      } catch (error) {
        // The partition moved to another member (or the group is rebalancing): it re-reads from the
        // last committed offset, and the counter's per-offset idempotence absorbs the repeat.
        log.warn(
          `${topic}-${partition}: could not commit offset ${last + 1} (${errorMessage(error)}); the records will be delivered again`,
          { topic, partition, event: 'commit-failed', error: errorMessage(error) },
        );
      }
      this.deps.onBatch?.({
        topic,
        partition,
        records: count,
        bytes,
        firstOffset: first,
        lastOffset: last,
        attempts,
        durationMs: this.now() - started,
      });
      if (this.resume && this.buffer.length <= this.deps.limits.maxRecords) {
        const resume = this.resume;
        this.resume = undefined;
        resume();
      }
    }
    return this.committedNext;
  }
}
