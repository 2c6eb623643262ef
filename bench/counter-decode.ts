/**
 * In-process decode, validate and aggregate throughput of the counter on one core (no I/O):
 * the Lambda event -> records by partition -> base64 -> strict UTF-8 -> JSON -> zod -> hashtags ->
 * per-(window, hashtag) and per-(bucket, hashtag) aggregates, exactly what a batch costs before
 * Redis is involved (with the fast paths of contracts/tweet.ts that skip the UTF-8 decode, JSON.parse
 * and zod where the verdict is the same). Aim: 1,000,000 records/s.
 *
 * Rates are per CPU second of this process (process.cpuUsage) as well as per wall second: on a
 * machine shared with other work the wall figure includes time the process was not running.
 *
 *   npx tsx bench/counter-decode.ts [seconds per size, default 8]
 */

import { decodeTweetBase64 } from '#contracts/tweet.ts';
import { partitionsOf } from '#lib/kafka-event.ts';
import { aggregateRecords, type CountableRecord, type WindowSettings } from '#state/windows/index.ts';
import { createWorkload } from './counter-workload.ts';

const seconds = Number(process.argv[2] ?? 8);
const settings: WindowSettings = {
  keyPrefix: 'bench',
  windowSeconds: 60,
  slideSeconds: 10,
  allowedLatenessSeconds: 60,
  retentionSeconds: 3600,
};
const limits = { maxValueBytes: 16 * 1024, maxFutureSkewMs: 300_000 };

function processEvent(event: ReturnType<ReturnType<typeof createWorkload>['next']>): number {
  let windows = 0;
  for (const partition of partitionsOf(event)) {
    const valid: CountableRecord[] = [];
    for (const r of partition.records) {
      const decoded = decodeTweetBase64(r.value, r.timestamp, limits);
      if (decoded.ok)
        valid.push({ offset: r.offset, eventTime: decoded.eventTime, hashtags: decoded.hashtags });
    }
    windows += aggregateRecords(settings, valid).windows.size;
  }
  return windows;
}

console.log(
  `counter decode+validate+aggregate, one core, ${seconds} s per batch size (node ${process.version})`,
);
console.log('batch size | records/CPU-s | records/wall-s | µs CPU/record | batches');
for (const size of [100, 1_000, 10_000]) {
  const workload = createWorkload('tweets_topic', 3, Date.UTC(2026, 0, 1));
  // A pool of pre-built events, so that building events is not measured; reused round-robin.
  const pool = Array.from({ length: Math.max(4, Math.ceil(200_000 / size)) }, () => workload.next(size));
  for (let i = 0; i < pool.length; i++) processEvent(pool[i % pool.length] as (typeof pool)[number]); // warm-up
  let records = 0;
  let batches = 0;
  const cpuBefore = process.cpuUsage();
  const started = process.hrtime.bigint();
  const deadline = started + BigInt(seconds * 1e9);
  let now = started;
  while (now < deadline) {
    processEvent(pool[batches % pool.length] as (typeof pool)[number]);
    records += size;
    batches += 1;
    now = process.hrtime.bigint();
  }
  const elapsed = Number(now - started) / 1e9;
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const rate = records / elapsed;
  const cpuRate = records / cpuSeconds;
  const format = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(
    `${String(size).padStart(10)} | ${format(cpuRate).padStart(13)} | ${format(rate).padStart(14)} | ${(1e6 / cpuRate).toFixed(3).padStart(13)} | ${batches}`,
  );
}
