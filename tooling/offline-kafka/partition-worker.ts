// Over 300 lines: one partition's delivery loop (buffer, batch, retry, bisect, destination, commit) shares the state of its one batch in flight; split, its halves would pass that state back and forth.
/**
 * One topic-partition's delivery loop, as AWS's event source mapping runs it: records buffered in
 * offset order (those no filter lets through are skipped, and committed with what follows); one
 * batch in flight at a time; a batch leaves when it is full (records or bytes) or its batching
 * window has passed; a failed batch is retried whole with backoff, or, with
 * BisectBatchOnFunctionError, split in two and each half retried on its own, in order; records
 * past MaximumRetryAttempts or MaximumRecordAgeInSeconds go to the on-failure destination (or are
 * discarded without one, as AWS does); the offset is committed only after that.
 */
// https://docs.aws.amazon.com/lambda/latest/dg/with-kafka-process.html (per-partition order, batching)
// https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html (retries, record age, bisect)
import type { RetryPolicy } from 'cockatiel';
import { errorMessage } from '#lib/errors.ts';
import { type BatchLimits, msUntilDue, nextBatchCount } from './batching.ts';
import type { FailedRecords, FailureCondition } from './destination.ts';
import {
  type ConsumedMessage,
  type EventOrigin,
  type KafkaLambdaEvent,
  type KafkaLambdaRecord,
  messagePayloadBytes,
  toLambdaEvent,
  toLambdaRecord,
} from './event-shape.ts';
import { FunctionInvocationError } from './invoker.ts';
import type { EmulatorLog } from './log.ts';
import { RetryAbortedError, retryUntilAborted, singleAttempt } from './retry.ts';
import { DEFAULT_ERROR_HANDLING, type ErrorHandling } from './sources.ts';

export interface BatchOutcome {
  readonly topic: string;
  readonly partition: number;
  readonly records: number;
  readonly bytes: number;
  readonly firstOffset: number;
  readonly lastOffset: number;
  /** Invocations it took (1 when the first one succeeded). */
  readonly attempts: number;
  /** Times a failing (part of the) batch was split in two (BisectBatchOnFunctionError). */
  readonly splits: number;
  /** Records given up on: written to the on-failure destination, or discarded without one. */
  readonly failedRecords: number;
  /** From the first invocation until the batch was through (retries included). */
  readonly durationMs: number;
  /** How long its oldest record waited in the buffer before the first invocation (batching window, a batch ahead). */
  readonly queuedMs: number;
  /** Longest time from a record's Kafka timestamp to its arrival from the broker (producer -> fetch). */
  readonly fetchLagMs: number;
}

export type WorkerLog = EmulatorLog;

export interface PartitionWorkerDeps {
  /** The function it feeds (for the log). */
  readonly functionKey?: string;
  readonly topic: string;
  readonly partition: number;
  readonly origin: EventOrigin;
  readonly limits: BatchLimits;
  /** How one (part of a) batch is retried; its attempt limit is MaximumRetryAttempts + 1. */
  readonly retryPolicy: RetryPolicy;
  /** Bisect, record age, destination (AWS's defaults when left out: retry forever). */
  readonly errorHandling?: ErrorHandling;
  /** FilterCriteria: false for a record that must not reach the function (it is committed). */
  passes?(message: ConsumedMessage): boolean;
  /** Writes records given up on to the on-failure destination; rejects when it could not (retried). */
  sendToDestination?(failed: FailedRecords): Promise<void>;
  /** How a failed destination write is retried (default: `retryPolicy` without its attempt limit). */
  readonly destinationRetryPolicy?: RetryPolicy;
  /**
   * Invokes the function; rejects when the invocation failed (FunctionError, unreachable, or
   * `signal` aborted: the function's timeout passed, or the worker is being stopped).
   */
  invoke(event: KafkaLambdaEvent, signal: AbortSignal): Promise<void>;
  /** Longest wait for one invocation: the function's timeout (AWS counts a timeout as a failure). */
  readonly invokeTimeoutMs?: number;
  /** Payload bytes to hold before the partition may be paused (default 0: two batches decide). */
  readonly readAheadBytes?: number;
  /** After stop(), how long a batch in flight may still finish before its invocation is abandoned. */
  readonly stopGraceMs?: number;
  /** Commits `nextOffset` (the offset after the batch's last record) for the consumer group. */
  commit(nextOffset: string): Promise<void>;
  onBatch?(outcome: BatchOutcome): void;
  onFailure?(error: unknown, attempt: number): void;
  readonly log: WorkerLog;
  readonly now?: () => number;
}

/**
 * A record waiting for its batch: the consumed message as kafkajs gave it, its AWS record built
 * only when the batch leaves. Under a backlog records wait long enough to outlive the young
 * generation; what waits is then the message alone, not also its base64 copy and record object.
 */
interface Buffered {
  readonly message: ConsumedMessage;
  readonly offset: number;
  /** Its AWS record's share of the payload (messagePayloadBytes). */
  readonly bytes: number;
  readonly arrivedMs: number;
}

export class PartitionWorker {
  private readonly buffer: Buffered[] = [];
  private bufferedBytes = 0;
  private lastPushedOffset = -1;
  /** Filtered records were pushed after the last commit: commit them even when nothing is delivered. */
  private filteredPending = false;
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
  /** The newest commit request (settled: failures are logged). */
  private lastCommit: Promise<void> = Promise.resolve();
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
      // What it buffered while waiting (and was paused for) may all have been committed already.
      this.resumeIfRoom();
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

  /**
   * True when the consumer should pause the partition: the buffer holds two batches (or a full
   * payload) and at least `readAheadBytes`. The second condition keeps small batches fed: kafkajs
   * fetches up to a megabyte a partition at once, and a partition paused after every fetch waits for
   * the next fetch round (and, with every partition paused, for the consumer's fetch wait) before
   * its worker has records again.
   */
  get full(): boolean {
    const { limits, readAheadBytes = 0 } = this.deps;
    return (
      (this.buffer.length >= 2 * limits.maxRecords || this.bufferedBytes >= limits.maxBytes) &&
      this.bufferedBytes >= readAheadBytes
    );
  }

  /** Remembers how to resume the paused partition once the buffer is no longer full. */
  pausedUntilDrained(resume: () => void): void {
    this.resume = resume;
  }

  /** Appends messages in offset order; offsets at or below the last one seen are duplicates and dropped. */
  push(messages: readonly ConsumedMessage[]): void {
    const arrivedMs = this.now();
    for (const message of messages) {
      const offset = Number(message.offset);
      if (offset <= this.lastPushedOffset || offset < this.committedNext) continue;
      this.lastPushedOffset = offset;
      if (this.deps.passes && !this.deps.passes(message)) {
        this.filteredPending = true;
        continue;
      }
      const bytes = messagePayloadBytes(this.deps.topic, this.deps.partition, message);
      this.buffer.push({ message, offset, bytes, arrivedMs });
      this.bufferedBytes += bytes;
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

  /** Resumes the partition paused for this worker once its buffer is no longer full. */
  private resumeIfRoom(): void {
    if (this.resume === undefined || this.full) return;
    const resume = this.resume;
    this.resume = undefined;
    resume();
  }

  private dropBelow(offset: number): void {
    while (this.buffer.length > 0 && (this.buffer[0]?.offset ?? offset) < offset) {
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
      if (due === 0 || (this.filteredPending && this.buffer.length === 0)) return true;
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
      if (this.buffer.length === 0) {
        // Only filtered records since the last commit: they are done.
        this.filteredPending = false;
        this.commitNext(this.lastPushedOffset + 1);
        this.resumeIfRoom();
        continue;
      }
      const count = nextBatchCount(
        this.buffer.map((b) => b.bytes),
        this.deps.limits,
        this.envelopeBytes,
      );
      const batch = this.buffer.slice(0, count);
      const records = batch.map((b) => toLambdaRecord(topic, partition, b.message));
      const first = batch[0]?.offset ?? 0;
      const last = batch[batch.length - 1]?.offset ?? first;
      const bytes = batch.reduce((sum, b) => sum + b.bytes, this.envelopeBytes);
      if (bytes > this.deps.limits.maxBytes) {
        log.warn(
          `${topic}-${partition}: record at offset ${first} alone makes a ${bytes}-byte event, above AWS's 6 MB invoke limit`,
          { topic, partition, event: 'oversized-record', offset: first, bytes, attention: 'notice' },
        );
      }
      const started = this.now();
      // Where a record's time went before its first invocation: produced -> fetched, fetched -> invoked.
      const oldestArrival = batch[0]?.arrivedMs ?? started;
      const fetchLagMs = records.reduce(
        (lag, r, i) => Math.max(lag, (batch[i]?.arrivedMs ?? 0) - r.timestamp),
        0,
      );
      this.invoking = true;
      this.deliveringSinceMs = started;
      let delivered: Delivery | undefined;
      try {
        delivered = await this.deliver(records);
      } catch (error) {
        log.error(`${topic}-${partition}: giving up on offsets ${first}-${last}: ${errorMessage(error)}`, {
          topic,
          partition,
          firstOffset: first,
          lastOffset: last,
          event: 'batch-abandoned',
          attention: 'open',
          error: errorMessage(error),
        });
      } finally {
        this.invoking = false;
        this.deliveringSinceMs = undefined;
        this.failing = false;
      }
      if (delivered === undefined) break;
      this.buffer.splice(0, count);
      this.bufferedBytes -= bytes - this.envelopeBytes;
      // Filtered records after the batch are done with it; the next buffered record is not.
      const next = this.buffer[0]?.offset ?? this.lastPushedOffset + 1;
      if (this.buffer.length === 0) this.filteredPending = false;
      this.commitNext(next);
      const outcome: BatchOutcome = {
        topic,
        partition,
        records: count,
        bytes,
        firstOffset: first,
        lastOffset: last,
        attempts: delivered.invocations,
        splits: delivered.splits,
        failedRecords: delivered.failedRecords,
        durationMs: this.now() - started,
        queuedMs: started - oldestArrival,
        fetchLagMs,
      };
      // For the log file and bench/e2e-latency.ts (which reads where the latency goes from it).
      log.debug(`${topic}-${partition}: batch of ${count} delivered`, {
        event: 'batch',
        ...(this.deps.functionKey ? { functionKey: this.deps.functionKey } : {}),
        ...outcome,
      });
      this.deps.onBatch?.(outcome);
      this.resumeIfRoom();
    }
    await this.lastCommit;
    return this.committedNext;
  }

  /**
   * Commits `next` without holding up the next batch (the consumer coalesces commits; a partition's
   * offsets only move forward). stop() waits for the last one.
   */
  private commitNext(next: number): void {
    const { topic, partition, log } = this.deps;
    this.lastCommit = this.deps.commit(String(next)).then(
      () => {
        if (next > this.committedNext) this.committedNext = next;
      },
      (error: unknown) => {
        // The partition moved to another member (or the group is rebalancing): it re-reads from the
        // last committed offset, and the functions' per-offset idempotence absorbs the repeat.
        log.warn(
          `${topic}-${partition}: could not commit offset ${next} (${errorMessage(error)}); the records will be delivered again`,
          { topic, partition, event: 'commit-failed', error: errorMessage(error) },
        );
      },
    );
  }

  /**
   * Delivers one batch with the mapping's error handling. Parts are resolved in offset order, so
   * a partition's order holds: a split batch's first half is done (delivered or given up on)
   * before its second half is invoked. Resolves undefined when the worker stopped first.
   */
  private async deliver(records: readonly KafkaLambdaRecord[]): Promise<Delivery | undefined> {
    const { topic, partition, log } = this.deps;
    const handling = this.deps.errorHandling ?? DEFAULT_ERROR_HANDLING;
    const pending: Part[] = [{ records, invocations: 0 }];
    const total: { invocations: number; splits: number; failedRecords: number } = {
      invocations: 0,
      splits: 0,
      failedRecords: 0,
    };
    const whole = { first: records[0]?.offset ?? 0, last: records[records.length - 1]?.offset ?? 0 };
    let failedOnce = false;
    const started = this.now();
    while (pending.length > 0) {
      const part = pending.shift() as Part;
      let live = part.records;
      let invocations = part.invocations;
      let lastError: unknown;
      // A part of more than one record is split on its first failure; a single record (or any
      // part without bisect) is retried up to MaximumRetryAttempts.
      const splitting = handling.bisectBatchOnFunctionError && live.length > 1;
      try {
        await retryUntilAborted(
          splitting ? singleAttempt : this.deps.retryPolicy,
          async (attempt) => {
            if (Number.isFinite(handling.maximumRecordAgeSeconds)) {
              const oldest = this.now() - handling.maximumRecordAgeSeconds * 1000;
              const expired = live.filter((r) => r.timestamp < oldest);
              if (expired.length > 0) {
                live = live.filter((r) => r.timestamp >= oldest);
                total.failedRecords += expired.length;
                await this.giveUp(expired, 'RecordAgeExceeded', invocations, lastError);
              }
              if (live.length === 0) return;
            }
            invocations += 1;
            total.invocations += 1;
            try {
              await this.invokeOnce(live, attempt);
            } catch (error) {
              lastError = error;
              const first = live[0]?.offset ?? 0;
              const last = live[live.length - 1]?.offset ?? first;
              const then = splitting
                ? 'splitting it in two'
                : Number.isFinite(handling.maximumRetryAttempts)
                  ? `retry ${attempt} of ${handling.maximumRetryAttempts}`
                  : `retrying it whole${attempt === 1 ? ' until it succeeds' : ''}`;
              log.warn(
                `${topic}-${partition}: batch of offsets ${first}-${last} (${live.length} records) failed on attempt ${attempt}, ${then}: ${errorMessage(error)}`,
                {
                  topic,
                  partition,
                  firstOffset: first,
                  lastOffset: last,
                  records: live.length,
                  event: 'batch-failing',
                  attempt,
                  error: errorMessage(error),
                  ...(!failedOnce ? { attention: 'open' as const } : {}),
                },
              );
              failedOnce = true;
              throw error;
            }
          },
          this.abort.signal,
        );
      } catch (error) {
        if (error instanceof RetryAbortedError || this.abort.signal.aborted) return undefined;
        if (splitting) {
          const middle = Math.ceil(live.length / 2);
          total.splits += 1;
          pending.unshift(
            { records: live.slice(0, middle), invocations },
            { records: live.slice(middle), invocations },
          );
          continue;
        }
        total.failedRecords += live.length;
        await this.giveUp(live, 'RetriesExhausted', invocations, lastError ?? error);
      }
    }
    if (failedOnce) {
      const seconds = ((this.now() - started) / 1000).toFixed(1);
      const how =
        total.splits === 0 && total.failedRecords === 0
          ? `delivered on attempt ${total.invocations}, ${seconds} s after its first attempt`
          : `through after ${total.invocations} invocations and ${total.splits} splits, ${seconds} s after its first attempt; ${total.failedRecords} records given up on`;
      log.info(`${topic}-${partition}: batch of offsets ${whole.first}-${whole.last} ${how}`, {
        topic,
        partition,
        firstOffset: whole.first,
        lastOffset: whole.last,
        event: 'batch-failing',
        attempt: total.invocations,
        attention: 'resolved',
      });
    }
    return total;
  }

  /** One invocation with the function's timeout; rejects with why it failed. */
  private async invokeOnce(records: readonly KafkaLambdaRecord[], attemptNumber: number): Promise<void> {
    const event = toLambdaEvent(this.deps.origin, records);
    const timeout = AbortSignal.timeout(this.deps.invokeTimeoutMs ?? 900_000);
    const attempt = new AbortController();
    this.attempt = attempt;
    try {
      await this.deps.invoke(event, AbortSignal.any([timeout, this.hardStop.signal, attempt.signal]));
    } catch (error) {
      // An aborted request says only "Request aborted"; the abort's reason says why.
      const why = attempt.signal.aborted ? attempt.signal.reason : error;
      this.deps.onFailure?.(why, attemptNumber);
      this.failing = true;
      throw why;
    }
  }

  /** Records past their retries or age: to the destination (retried until written), or discarded. */
  private async giveUp(
    records: readonly KafkaLambdaRecord[],
    condition: FailureCondition,
    approximateInvokeCount: number,
    lastError: unknown,
  ): Promise<void> {
    const { topic, partition, log } = this.deps;
    const first = records[0]?.offset ?? 0;
    const last = records[records.length - 1]?.offset ?? first;
    const why = condition === 'RetriesExhausted' ? 'retries exhausted' : 'older than the maximum record age';
    const send = this.deps.sendToDestination;
    const fields = {
      topic,
      partition,
      firstOffset: first,
      lastOffset: last,
      records: records.length,
      condition,
    };
    if (!send) {
      log.warn(
        `${topic}-${partition}: offsets ${first}-${last} (${records.length} records) discarded, ${why}: no on-failure destination`,
        { ...fields, event: 'records-discarded', attention: 'notice' },
      );
      return;
    }
    const failed: FailedRecords = {
      records,
      condition,
      approximateInvokeCount,
      functionError: lastError instanceof FunctionInvocationError ? lastError.functionError : undefined,
    };
    await retryUntilAborted(
      this.deps.destinationRetryPolicy ?? this.deps.retryPolicy,
      async () => {
        try {
          await send(failed);
        } catch (error) {
          log.warn(
            `${topic}-${partition}: on-failure destination write failed, retrying: ${errorMessage(error)}`,
            {
              ...fields,
              event: 'destination-failing',
              error: errorMessage(error),
            },
          );
          throw error;
        }
      },
      this.abort.signal,
    );
    log.warn(
      `${topic}-${partition}: offsets ${first}-${last} (${records.length} records) sent to the on-failure destination, ${why}`,
      { ...fields, event: 'records-to-destination', attention: 'notice' },
    );
  }
}

interface Part {
  readonly records: readonly KafkaLambdaRecord[];
  /** Invocations that already held these records (before a split). */
  readonly invocations: number;
}

interface Delivery {
  readonly invocations: number;
  readonly splits: number;
  readonly failedRecords: number;
}
