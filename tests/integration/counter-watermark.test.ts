/**
 * Out-of-order and late records, following Spark Structured Streaming's watermark semantics
 * (https://spark.apache.org/docs/latest/structured-streaming-programming-guide.html#handling-late-data-and-watermarking):
 * watermark = max event time seen - allowed lateness; a window is dropped once the watermark has
 * reached its end; records are judged against the watermark as it stood before their micro-batch
 * (here: the Lambda batch, all its partitions alike), and the watermark never goes back.
 * Times are 10-minute tumbling windows with 10 minutes of allowed lateness, as in the guide.
 */

import { readCounterStats, readTopHashtags, readTopicClock } from '#state/windows/index.ts';
import { countBatch } from '../../functions/hashtag-counter/count-batch.ts';
import { type Harness, startHarness } from '../fixtures/msk/harness.ts';
import { kafkaEvent, type RecordSpec, tweet } from '../fixtures/msk/kafka-events.ts';

const at = (hhmmss: string) => {
  const [h = 0, m = 0, s = 0] = hhmmss.split(':').map(Number);
  return Date.UTC(2024, 11, 11, h, m, s);
};

interface Rec {
  /** Record label; it is also its hashtag (#label). */
  tag: string;
  time: string;
  partition?: number;
}

interface Case {
  name: string;
  lateness?: number;
  /** Each inner array is one invocation (one Lambda batch). */
  batches: Rec[][];
  counted: string[];
  late: string[];
  watermark: string;
}

const cases: Case[] = [
  {
    name: 'counts an out-of-order record whose window is still open',
    batches: [[{ tag: 'a', time: '12:14' }], [{ tag: 'b', time: '12:09' }]],
    counted: ['a', 'b'],
    late: [],
    watermark: '12:04',
  },
  {
    name: 'drops a record whose window ended before the watermark (the guide’s 12:04 donkey at watermark 12:11)',
    batches: [[{ tag: 'a', time: '12:21' }], [{ tag: 'donkey', time: '12:04' }]],
    counted: ['a'],
    late: ['donkey'],
    watermark: '12:11',
  },
  {
    name: 'treats a window that ends exactly at the watermark as closed',
    batches: [
      [{ tag: 'a', time: '12:20' }],
      [
        { tag: 'b', time: '12:09:59' },
        { tag: 'c', time: '12:10' },
      ],
    ],
    counted: ['a', 'c'],
    late: ['b'],
    watermark: '12:10',
  },
  {
    name: 'judges a batch against the watermark from before it, then raises the watermark for the next',
    batches: [
      [{ tag: 'a', time: '12:00:30' }],
      [
        { tag: 'b', time: '12:30' },
        { tag: 'c', time: '12:01' },
      ],
      [{ tag: 'd', time: '12:02' }],
    ],
    counted: ['a', 'b', 'c'],
    late: ['d'],
    watermark: '12:20',
  },
  {
    name: 'never moves the watermark back when older records arrive',
    batches: [[{ tag: 'a', time: '12:30' }], [{ tag: 'b', time: '12:15' }], [{ tag: 'c', time: '12:25' }]],
    counted: ['a', 'c'],
    late: ['b'],
    watermark: '12:20',
  },
  {
    name: 'closes a window as soon as a later record is seen when no lateness is allowed',
    lateness: 0,
    batches: [[{ tag: 'a', time: '12:10' }], [{ tag: 'b', time: '12:09:59' }]],
    counted: ['a'],
    late: ['b'],
    watermark: '12:10',
  },
  {
    name: 'keeps one watermark per topic, so a slow partition cannot reopen a closed window',
    batches: [[{ tag: 'a', time: '12:30', partition: 0 }], [{ tag: 'b', time: '12:05', partition: 1 }]],
    counted: ['a'],
    late: ['b'],
    watermark: '12:20',
  },
  {
    name: 'judges every partition of one batch against the watermark from before the batch',
    batches: [
      [{ tag: 'a', time: '12:00' }],
      [
        { tag: 'b', time: '12:30', partition: 0 },
        { tag: 'c', time: '12:05', partition: 1 },
      ],
      [{ tag: 'd', time: '12:06', partition: 1 }],
    ],
    counted: ['a', 'b', 'c'],
    late: ['d'],
    watermark: '12:20',
  },
  {
    name: 'counts records in any order within the windows the watermark has not closed',
    batches: [
      [
        { tag: 'a', time: '12:19' },
        { tag: 'b', time: '12:01' },
        { tag: 'c', time: '12:11' },
        { tag: 'd', time: '12:00' },
      ],
    ],
    counted: ['a', 'b', 'c', 'd'],
    late: [],
    watermark: '12:09',
  },
];

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

describe('watermark and late records (Spark Structured Streaming semantics)', () => {
  it.each(cases.map((c, i) => [c.name, c, i] as const))('%s', async (_name, c, i) => {
    const topic = `watermark-${i}`;
    const deps = h.deps({ windowSeconds: 600, slideSeconds: 60, allowedLatenessSeconds: c.lateness ?? 600 });
    const offsets = new Map<number, number>();
    for (const records of c.batches) {
      const specs: RecordSpec[] = records.map((r) => {
        const partition = r.partition ?? 0;
        const offset = (offsets.get(partition) ?? -1) + 1;
        offsets.set(partition, offset);
        return { topic, partition, offset, timestamp: at(r.time), value: tweet(`#${r.tag}`, at(r.time)) };
      });
      await countBatch(kafkaEvent('msk', specs), deps);
    }

    const all = c.batches.flat();
    const counted: string[] = [];
    for (const r of all) {
      const view = await readTopHashtags(h.redis, deps.settings, {
        topic,
        view: 'tumbling',
        limit: 100,
        at: at(r.time),
      });
      if (view.hashtags.some((x) => x.hashtag === `#${r.tag}`)) counted.push(r.tag);
    }
    expect(counted.sort()).toEqual([...c.counted].sort());
    const stats = await readCounterStats(h.redis, deps.settings, topic);
    expect(stats).toMatchObject({ accepted: c.counted.length, late: c.late.length });
    expect((await readTopicClock(h.redis, deps.settings, topic)).watermark).toBe(at(c.watermark));
  });
});
