/**
 * When a partition's buffered records make a batch, and how many go into it. Pure.
 *
 * AWS's Kafka event source mapping invokes the function when the batch size is reached, the
 * payload would exceed 6 MB, or the batching window has passed since the first buffered record.
 */
// https://docs.aws.amazon.com/lambda/latest/dg/with-kafka-process.html (batching behaviour and limits)

/** AWS's defaults and ceilings for Kafka event source mappings. */
export const AWS_KAFKA_LIMITS = {
  defaultBatchSize: 100,
  maxBatchSize: 10_000,
  defaultBatchingWindowMs: 500,
  maxBatchingWindowMs: 300_000,
  /** Synchronous invocation payload limit. */
  maxPayloadBytes: 6 * 1024 * 1024,
} as const;

export interface BatchLimits {
  /** Records per batch (the event's `batchSize`). */
  readonly maxRecords: number;
  /** Payload bytes per invocation, envelope included. */
  readonly maxBytes: number;
  /** How long the first buffered record may wait for the batch to fill. */
  readonly windowMs: number;
}

export interface BufferState {
  readonly count: number;
  /** Serialised bytes of the buffered records. */
  readonly bytes: number;
  /** When the oldest buffered record arrived (ms since epoch); undefined when empty. */
  readonly oldestArrivalMs: number | undefined;
}

/**
 * Milliseconds until the buffer should be sent: 0 when a batch is due now, `Infinity` when the
 * buffer is empty. `envelopeBytes` is what the event adds around its records.
 */
export function msUntilDue(
  state: BufferState,
  limits: BatchLimits,
  envelopeBytes: number,
  nowMs: number,
): number {
  if (state.count === 0 || state.oldestArrivalMs === undefined) return Number.POSITIVE_INFINITY;
  if (state.count >= limits.maxRecords) return 0;
  if (state.bytes + envelopeBytes >= limits.maxBytes) return 0;
  return Math.max(0, state.oldestArrivalMs + limits.windowMs - nowMs);
}

/**
 * How many records from the head of the buffer (their payload sizes in `recordBytes`, offset
 * order) form the next batch: at most `maxRecords`, within `maxBytes` with the envelope. A single
 * record larger than the limit still goes alone, so that nothing is ever stuck behind it.
 */
export function nextBatchCount(
  recordBytes: readonly number[],
  limits: BatchLimits,
  envelopeBytes: number,
): number {
  let bytes = envelopeBytes;
  let count = 0;
  for (const size of recordBytes) {
    if (count >= limits.maxRecords) break;
    if (count > 0 && bytes + size > limits.maxBytes) break;
    bytes += size;
    count += 1;
  }
  return count;
}
