/**
 * End-to-end latency of the local pipeline: from a tweet's produce to its count being visible
 * through GET /top-hashtags, with everything real (npm start: Kafka, the event-source emulator,
 * the counter in serverless offline, Redis, the HTTP function).
 *
 *   npx tsx bench/e2e-latency.ts            # 1,000 and 20,000 tweets/s, then a rate ramp
 *   COUNTER_BATCH_SIZE=100 npx tsx bench/e2e-latency.ts   # AWS's default batch size, for comparison
 *
 * How: every tweet carries the same event time, so all of them land in one window, and the
 * window's total count is the number of tweets counted (the counter is exactly-once). A poller
 * reads GET /top-hashtags every 20 ms; the latency of the k-th tweet is the first poll showing a
 * total ≥ k minus the moment the producer sent it. The ramp then raises the rate until the
 * counter no longer keeps up (backlog above one second of input at the end of a step).
 * Runs on its own topic, key prefix and ports (like the e2e tests); prints figures, asserts nothing.
 */
import type { Producer } from 'kafkajs';
import {
  cleanUp,
  connectProducer,
  getTop,
  type Pipeline,
  startPipeline,
} from '../tests/e2e/pipeline-harness.ts';

const TAGS = Array.from({ length: 40 }, (_, i) => `#Bench${i}`);
const POLL_MS = 20;

interface Sent {
  readonly index: number; // cumulative count after this send
  readonly at: number;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

class Run {
  private counted = 0;
  private readonly visible: Array<{ count: number; at: number }> = [];
  private polling = true;
  private readonly poller: Promise<void>;

  constructor(
    private readonly pipeline: Pipeline,
    private readonly eventTime: number,
  ) {
    this.poller = this.poll();
  }

  private async poll(): Promise<void> {
    while (this.polling) {
      const started = Date.now();
      try {
        const top = await getTop(this.pipeline.apiBase, `limit=1&at=${this.eventTime}`);
        if (top.totals.count > this.counted) {
          this.counted = top.totals.count;
          this.visible.push({ count: this.counted, at: Date.now() });
        }
      } catch {
        // a slow answer under load is measured as latency, not an error
      }
      await new Promise((r) => setTimeout(r, Math.max(0, POLL_MS - (Date.now() - started))));
    }
  }

  get total(): number {
    return this.counted;
  }

  /** Latencies (ms) of each send's last tweet: first poll showing it counted minus its send time. */
  latencies(sent: readonly Sent[]): number[] {
    const result: number[] = [];
    let v = 0;
    for (const s of sent) {
      while (v < this.visible.length && (this.visible[v]?.count ?? 0) < s.index) v += 1;
      const seen = this.visible[v];
      if (seen) result.push(Math.max(0, seen.at - s.at));
    }
    return result.sort((a, b) => a - b);
  }

  async waitFor(count: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.counted < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    return this.counted >= count;
  }

  async close(): Promise<void> {
    this.polling = false;
    await this.poller;
  }
}

/** Produces at `rate` tweets/s for `seconds`, starting the cumulative index at `base`. */
async function produceAt(
  producer: Producer,
  topic: string,
  rate: number,
  seconds: number,
  base: number,
  eventTime: number,
): Promise<{ sent: Sent[]; produced: number; achievedRate: number }> {
  const sent: Sent[] = [];
  const inFlight = new Set<Promise<unknown>>();
  const start = Date.now();
  let produced = 0;
  const total = rate * seconds;
  while (produced < total) {
    const due = Math.min(total, Math.floor(((Date.now() - start) / 1000) * rate));
    let n = Math.min(due - produced, 2000);
    if (n <= 0 || inFlight.size >= 16) {
      await (inFlight.size >= 16 ? Promise.race(inFlight) : new Promise((r) => setTimeout(r, 5)));
      continue;
    }
    const messages = [];
    for (; n > 0; n -= 1) {
      const i: number = base + produced + messages.length;
      const tag = TAGS[i % TAGS.length] ?? '#Bench';
      messages.push({
        value: JSON.stringify({
          usuario: `@bench${i % 997}`,
          texto: `midiendo la latencia ${tag}`,
          hashtag_principal: tag,
          timestamp: eventTime,
        }),
      });
    }
    produced += messages.length;
    sent.push({ index: base + produced, at: Date.now() });
    const p = producer.send({ topic, messages }).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
  const elapsed = (Date.now() - start) / 1000;
  return { sent, produced, achievedRate: Math.round(produced / elapsed) };
}

const fmt = (n: number) => (Number.isFinite(n) ? `${Math.round(n)} ms` : 'n/a');

async function main(): Promise<void> {
  const batchSize = process.env.COUNTER_BATCH_SIZE ?? '1000 (default)';
  console.log(`Starting the pipeline (npm start, producers off, counter batch size ${batchSize}) ...`);
  const pipeline = await startPipeline({ schedules: false });
  const producer = await connectProducer();
  const eventTime = Math.floor(Date.now() / 1000) - 1;
  const run = new Run(pipeline, eventTime);
  let base = 0;
  try {
    // Warm-up: cold starts of the counter's workers (one per partition in flight) are not what this measures.
    const warm = await produceAt(producer, pipeline.topic, 5_000, 3, base, eventTime);
    base += warm.produced;
    await run.waitFor(base, 30_000);

    console.log('\nLatency, produce -> count visible through GET /top-hashtags (10 s per rate)');
    console.log('rate (tweets/s)   achieved   p50        p99        max        counted');
    for (const rate of [1_000, 20_000]) {
      const result = await produceAt(producer, pipeline.topic, rate, 10, base, eventTime);
      base += result.produced;
      const caughtUp = await run.waitFor(base, 30_000);
      const lat = run.latencies(result.sent);
      console.log(
        `${String(rate).padEnd(17)} ${String(result.achievedRate).padEnd(10)} ${fmt(percentile(lat, 50)).padEnd(10)} ${fmt(percentile(lat, 99)).padEnd(10)} ${fmt(lat[lat.length - 1] ?? Number.NaN).padEnd(10)} ${caughtUp ? 'all' : `${run.total - (base - result.produced)} of ${result.produced}`}`,
      );
    }

    console.log('\nRamp: highest rate at which the backlog stays under one second of input (6 s per step)');
    console.log('rate (tweets/s)   achieved   backlog at end   drained in   p99');
    let best = 0;
    for (const rate of [5_000, 7_500, 10_000, 15_000, 20_000, 30_000, 40_000]) {
      const result = await produceAt(producer, pipeline.topic, rate, 6, base, eventTime);
      base += result.produced;
      const backlog = base - run.total;
      const drainStart = Date.now();
      const drained = await run.waitFor(base, 20_000);
      const drainMs = Date.now() - drainStart;
      const lat = run.latencies(result.sent);
      const bounded = drained && backlog <= result.achievedRate;
      console.log(
        `${String(rate).padEnd(17)} ${String(result.achievedRate).padEnd(10)} ${String(backlog).padEnd(16)} ${drained ? `${drainMs} ms` : '> 20 s'}${' '.repeat(Math.max(1, 13 - (drained ? `${drainMs} ms`.length : 6)))}${fmt(percentile(lat, 99))}`,
      );
      if (!bounded) break;
      best = result.achievedRate;
    }
    console.log(
      `\nHighest sustained rate with bounded lag: ${best > 0 ? `${best} tweets/s` : 'below the first step'}`,
    );
  } finally {
    await run.close();
    await producer.disconnect();
    const stopped = await pipeline.stop();
    await cleanUp(pipeline);
    console.log(`Pipeline stopped in ${stopped.stopMs} ms; processes left: ${stopped.leftovers.length}`);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
