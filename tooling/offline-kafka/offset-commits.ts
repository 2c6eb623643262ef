/**
 * One consumer's offset commits, coalesced: at most one OffsetCommit request in flight, carrying
 * the newest offset of every partition that finished a batch meanwhile. A partition's worker goes
 * on to its next batch without waiting for the broker; its offsets only ever move forward, and
 * what a crash leaves uncommitted is delivered again (the functions' offset guards absorb that,
 * as they do after any redelivery).
 *
 * A commit per batch, awaited, cost a broker round trip between two batches of a partition and
 * most of the emulator's requests at small batches (docs/latency.md).
 */

export interface PartitionOffset {
  readonly partition: number;
  /** The next offset to read (the one after the batch's last record), as Kafka commits it. */
  readonly offset: string;
}

interface Pending {
  readonly offsets: Map<number, string>;
  readonly done: Promise<void>;
  settle(error?: unknown): void;
}

export class CoalescedCommits {
  private next: Pending | undefined;
  private sending = false;

  constructor(private readonly send: (offsets: PartitionOffset[]) => Promise<void>) {}

  /**
   * Commits `offset` for `partition` with the next request. Resolves once that request succeeded;
   * rejects with its error (the offset is then not committed, unless a later commit carries it).
   */
  commit(partition: number, offset: string): Promise<void> {
    let pending = this.next;
    if (pending === undefined) {
      pending = this.pending();
      this.next = pending;
      // Commits of other partitions finishing in the same turn join this request.
      if (!this.sending) setImmediate(() => void this.flush());
    }
    pending.offsets.set(partition, offset);
    return pending.done;
  }

  private pending(): Pending {
    let settle: (error?: unknown) => void = () => undefined;
    const done = new Promise<void>((resolve, reject) => {
      settle = (error) => (error === undefined ? resolve() : reject(error));
    });
    // Callers that do not wait for the commit must not see an unhandled rejection.
    done.catch(() => undefined);
    return { offsets: new Map(), done, settle };
  }

  private async flush(): Promise<void> {
    const pending = this.next;
    if (pending === undefined || this.sending) return;
    this.next = undefined;
    this.sending = true;
    try {
      await this.send([...pending.offsets].map(([partition, offset]) => ({ partition, offset })));
      pending.settle();
    } catch (error) {
      pending.settle(error ?? new Error('offset commit failed'));
    } finally {
      this.sending = false;
      if (this.next !== undefined) void this.flush();
    }
  }
}
