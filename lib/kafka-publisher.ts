/**
 * Batching on top of the container's idempotent producer (kafka.ts): records are buffered, sent
 * in compressed batches one request at a time, and flushed before an invocation returns.
 */
import { CompressionTypes, type Message, type Producer } from 'kafkajs';

/** Compression codecs kafkajs ships without extra packages. */
export type ProducerCompression = 'gzip' | 'none';

export interface PublisherOptions {
  readonly topic: string;
  /** Records per produce request. 1 sends every record on its own. */
  readonly batchSize: number;
  readonly compression: ProducerCompression;
  /** How many records may wait in memory before `publish` waits for a send (backpressure). */
  readonly maxBuffered?: number;
}

/**
 * Buffers records and sends them to one topic in batches of `batchSize`, one produce request at
 * a time: an idempotent producer assigns sequence numbers per partition, and two concurrent
 * requests to one partition would be rejected as out of order. Sending happens in the
 * background while the caller produces the next records; `flush()` waits until every record is
 * acknowledged (acks=-1) and rethrows the first send error, so a handler that awaits `flush()`
 * before returning never reports success for records that were not written.
 */
export class BatchingPublisher {
  private buffer: Message[] = [];
  private draining: Promise<void> | undefined;
  private failure: unknown;
  private sentCount = 0;
  private readonly maxBuffered: number;
  private readonly compression: CompressionTypes;

  constructor(
    private readonly producer: Producer,
    private readonly options: PublisherOptions,
  ) {
    if (!Number.isInteger(options.batchSize) || options.batchSize < 1) {
      throw new Error(`batchSize must be a positive integer (got ${options.batchSize})`);
    }
    this.maxBuffered = Math.max(options.maxBuffered ?? options.batchSize * 4, options.batchSize);
    this.compression = options.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None;
  }

  /** Records acknowledged by the broker so far. */
  get sent(): number {
    return this.sentCount;
  }

  /** Queues one record; resolves at once unless the buffer is full, then after the next send. */
  async publish(message: Message): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    this.buffer.push(message);
    if (this.buffer.length >= this.options.batchSize) this.startDraining();
    while (this.buffer.length >= this.maxBuffered && this.draining) await this.draining;
    if (this.failure !== undefined) throw this.failure;
  }

  /** Sends whatever is buffered and waits for every acknowledgement. */
  async flush(): Promise<void> {
    while (this.buffer.length > 0 || this.draining) {
      if (this.failure !== undefined) break;
      this.startDraining(true);
      if (this.draining) await this.draining;
    }
    if (this.failure !== undefined) {
      const failure = this.failure;
      this.failure = undefined;
      throw failure;
    }
  }

  private startDraining(partial = false): void {
    if (this.draining) return;
    this.draining = this.drain(partial).finally(() => {
      this.draining = undefined;
    });
  }

  private async drain(partial: boolean): Promise<void> {
    try {
      while (this.buffer.length >= this.options.batchSize || (partial && this.buffer.length > 0)) {
        const batch = this.buffer.splice(0, this.options.batchSize);
        await this.producer.send({
          topic: this.options.topic,
          messages: batch,
          acks: -1,
          compression: this.compression,
        });
        this.sentCount += batch.length;
      }
    } catch (error) {
      this.failure ??= error;
    }
  }
}
