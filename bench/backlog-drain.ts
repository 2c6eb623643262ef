/**
 * How fast the local pipeline works off a backlog: the pipeline's own capacity, with no producer
 * sharing the machine's cores (in bench/e2e-latency.ts's ramp the producer takes about a quarter of
 * this 2-core machine at 100,000 tweets/s, so the ramp stops where the machine, not the pipeline,
 * is full).
 *
 * How: N tweets (default 2,000,000, all with one event time) are produced into a new topic first,
 * with nothing reading it; then `npm start` starts on that topic (the local stage starts new
 * consumer groups at the start of the topic) and the counter and the archiver drain it. The
 * counted total is read through GET /top-hashtags every 500 ms; per second of the drain, the
 * records each function got come from the emulator's `batch` records in the run's log.
 *
 *   npx tsx bench/backlog-drain.ts [records, default 2000000] [default|low]
 *
 * Runs on its own topic, key prefix and ports (like the e2e tests); prints figures, asserts nothing.
 */
import { readFileSync } from 'node:fs';
import { Kafka, logLevel } from 'kafkajs';
import { encodeTweet } from '#contracts/tweet.ts';
import { BROKERS, cleanUp, connectProducer, getTop, startPipeline } from '../tests/e2e/pipeline-harness.ts';

const total = Number(process.argv[2] ?? 2_000_000);
const profile = process.argv[3] ?? 'default';
const PARTITIONS = 3; // as infra creates tweets_topic

async function produceBacklog(topic: string, eventTime: number): Promise<number> {
  const values = Array.from({ length: 40 }, (_, i) =>
    Buffer.from(
      encodeTweet({
        usuario: `@drain${i}`,
        texto: `vaciando la cola #Drain${i}`,
        hashtag_principal: `#Drain${i}`,
        timestamp: eventTime,
      }),
    ),
  );
  const producer = await connectProducer();
  const started = Date.now();
  const inFlight = new Set<Promise<unknown>>();
  for (let sent = 0; sent < total; ) {
    const n = Math.min(2_000, total - sent);
    const messages = Array.from({ length: n }, (_, i) => ({
      value: values[(sent + i) % values.length] as Buffer,
    }));
    const p = producer.send({ topic, messages }).finally(() => inFlight.delete(p));
    inFlight.add(p);
    sent += n;
    if (inFlight.size >= 16) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);
  await producer.disconnect();
  return Date.now() - started;
}

/** Records per second of the drain for each function, from the run log's `batch` records. */
function perSecond(logFile: string, topic: string): Map<string, Map<string, number>> {
  const seconds = new Map<string, Map<string, number>>();
  for (const line of readFileSync(logFile, 'utf8').split('\n')) {
    const at = line.indexOf('{');
    if (at < 0 || !line.includes('"event":"batch"')) continue;
    try {
      const r = JSON.parse(line.slice(at)) as {
        event?: string;
        topic?: string;
        functionKey?: string;
        records?: number;
        timestamp?: string;
      };
      if (r.event !== 'batch' || r.topic !== topic || !r.functionKey || !r.timestamp) continue;
      const second = r.timestamp.slice(11, 19);
      const row = seconds.get(second) ?? new Map<string, number>();
      row.set(r.functionKey, (row.get(r.functionKey) ?? 0) + (r.records ?? 0));
      seconds.set(second, row);
    } catch {
      // not a JSON record
    }
  }
  return seconds;
}

async function main(): Promise<void> {
  console.log(
    `node ${process.version}; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}; profile ${profile}`,
  );
  const topic = `drain-${Date.now()}`;
  const kafka = new Kafka({ clientId: 'bench-drain', brokers: BROKERS, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] });
  await admin.disconnect();
  const eventTime = Math.floor(Date.now() / 1000) - 1;
  const produceMs = await produceBacklog(topic, eventTime);
  console.log(
    `produced ${total.toLocaleString('en-US')} tweets in ${(produceMs / 1000).toFixed(1)} s (${Math.round((total * 1000) / produceMs).toLocaleString('en-US')}/s, nothing reading)`,
  );

  const pipeline = await startPipeline({ schedules: false, topic, env: { LATENCY_PROFILE: profile } });
  try {
    const started = Date.now();
    let firstAt = 0;
    let counted = 0;
    while (counted < total && Date.now() - started < 180_000) {
      await new Promise((r) => setTimeout(r, 500));
      const top = await getTop(pipeline.apiBase, `limit=1&at=${eventTime}`).catch(() => undefined);
      if (!top) continue;
      counted = top.totals.count;
      if (counted > 0 && firstAt === 0) firstAt = Date.now();
    }
    const drainMs = Date.now() - firstAt;
    console.log(
      `counted ${counted.toLocaleString('en-US')} of ${total.toLocaleString('en-US')}: ${(drainMs / 1000).toFixed(1)} s from the first count to the last (${Math.round((counted * 1000) / drainMs).toLocaleString('en-US')} tweets/s on average, start-up of the workers included)`,
    );
    // The archiver's last files are written by its batching window; give it that long.
    await new Promise((r) => setTimeout(r, 1_000));
    const seconds = perSecond(pipeline.logFile(), topic);
    const functions = [...new Set([...seconds.values()].flatMap((row) => [...row.keys()]))].sort();
    console.log(`records delivered per second: ${functions.join(' / ')}`);
    for (const [second, row] of [...seconds].sort(([a], [b]) => (a < b ? -1 : 1))) {
      console.log(`  ${second}  ${functions.map((f) => String(row.get(f) ?? 0).padStart(8)).join('  ')}`);
    }
  } finally {
    await pipeline.stop();
    await cleanUp(pipeline);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
