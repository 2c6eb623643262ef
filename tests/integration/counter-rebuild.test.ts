/**
 * Redis is a view of the log: after the state is lost (every key of the counter deleted, as a
 * FLUSHALL or a Redis restart without its data does), the next batch of a partition first replays
 * it from the real Kafka topic, and every window count comes back equal to an independent count of
 * what was produced. A rebuild cut short is resumed, not restarted; a first start is not a loss.
 */
import { randomUUID } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { kafkaPartitionLog } from '#lib/kafka-partition-log.ts';
import { type PartitionLog, TopicKeys } from '#state/windows/index.ts';
import { countBatch } from '../../functions/hashtag-counter/count-batch.ts';
import { type Harness, startHarness } from '../fixtures/msk/harness.ts';
import { deleteKeysWithPrefix, kafkaEvent, type RecordSpec, tweet } from '../fixtures/msk/kafka-events.ts';

const PARTITIONS = 2;
const PER_PARTITION = 1_500;
const TAGS = 7;

let h: Harness;
let producer: Producer;
beforeAll(async () => {
  h = await startHarness();
  producer = h.kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
});
afterAll(async () => {
  await producer.disconnect();
  await h.close();
});

interface Produced {
  topic: string;
  /** Per partition, offset order. */
  records: RecordSpec[][];
  /** Window start -> hashtag key -> count, over everything produced. */
  expected: Map<number, Map<string, number>>;
}

async function produceTopic(): Promise<Produced> {
  const topic = `rebuild-${randomUUID()}`;
  const admin = h.kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], waitForLeaders: true });
  await admin.disconnect();
  const now = Date.now();
  const expected = new Map<number, Map<string, number>>();
  const records: RecordSpec[][] = [];
  for (let partition = 0; partition < PARTITIONS; partition++) {
    const list: RecordSpec[] = [];
    for (let offset = 0; offset < PER_PARTITION; offset++) {
      const eventTime = now - 200_000 + Math.floor((offset * 190_000) / PER_PARTITION);
      const n = (offset * 3 + partition) % TAGS;
      list.push({ topic, partition, offset, timestamp: now, value: tweet(`#Tag${n}`, eventTime) });
      const start = Math.floor(eventTime / 60_000) * 60_000;
      const counts = expected.get(start) ?? new Map<string, number>();
      expected.set(start, counts);
      counts.set(`#tag${n}`, (counts.get(`#tag${n}`) ?? 0) + 1);
    }
    // In sends of 100: a fetch returns whole record batches, so these are what a rebuild's chunks hold.
    for (let i = 0; i < list.length; i += 100) {
      await producer.send({
        topic,
        acks: -1,
        messages: list
          .slice(i, i + 100)
          .map((r) => ({ partition, value: JSON.stringify(r.value), timestamp: String(now) })),
      });
    }
    records.push(list);
  }
  return { topic, records, expected };
}

async function windowCounts(topic: string): Promise<Map<number, Map<string, number>>> {
  const keys = new TopicKeys(h.prefix, topic);
  const out = new Map<number, Map<string, number>>();
  for (let cursor = '0'; ; ) {
    const [next, found] = await h.redis.scan(
      cursor,
      'MATCH',
      `${h.prefix}:{${topic}}:win:*[0-9]`,
      'COUNT',
      1000,
    );
    for (const key of found) {
      const start = Number(key.slice(key.lastIndexOf(':') + 1));
      const flat = await h.redis.zrange(keys.window(start), 0, -1, 'WITHSCORES');
      const counts = new Map<string, number>();
      for (let i = 0; i < flat.length; i += 2) counts.set(flat[i] as string, Number(flat[i + 1]));
      out.set(start, counts);
    }
    cursor = next;
    if (cursor === '0') return out;
  }
}

/** The batch Lambda would deliver: records [from, to) of every partition. */
const batchOf = (p: Produced, from: number, to: number) =>
  kafkaEvent(
    'msk',
    p.records.flatMap((list) => list.slice(from, to)),
  );

describe('rebuilding lost state from Kafka', () => {
  it('replays each lost partition up to the batch, and the counts come back exact', async () => {
    const produced = await produceTopic();
    const log = kafkaPartitionLog({
      kafka: async () => h.kafka,
      consumerGroup: `g-${randomUUID()}`,
      maxBytesPerPartition: 32 * 1024,
    });
    const deps = h.deps({}, { log, consumerGroup: `g-${randomUUID()}` });
    const logged = kafkaPartitionLog({
      kafka: async () => h.kafka,
      consumerGroup: deps.consumerGroup,
      maxBytesPerPartition: 32 * 1024,
    });
    const d = { ...deps, log: logged };
    try {
      const first = await countBatch(batchOf(produced, 0, 500), d);
      expect(first.restored.map((r) => r.status)).toEqual(['first-start', 'first-start']);
      await countBatch(batchOf(produced, 500, 1_000), d);

      await deleteKeysWithPrefix(h.redis, h.prefix); // the loss

      const after = await countBatch(batchOf(produced, 1_000, PER_PARTITION), d);
      expect(after.restored).toEqual([
        expect.objectContaining({
          status: 'rebuilt',
          partition: 0,
          from: 0,
          to: 1_000,
          records: 1_000,
          uncovered: null,
        }),
        expect.objectContaining({
          status: 'rebuilt',
          partition: 1,
          from: 0,
          to: 1_000,
          records: 1_000,
          uncovered: null,
        }),
      ]);
      expect(await windowCounts(produced.topic)).toEqual(produced.expected);
      // Nothing left half-done: the next batch (a redelivery) changes nothing and rebuilds nothing.
      const again = await countBatch(batchOf(produced, 1_200, PER_PARTITION), d);
      expect(again.restored).toEqual([]);
      expect(await windowCounts(produced.topic)).toEqual(produced.expected);
    } finally {
      await Promise.all([log.close(), logged.close()]);
    }
  }, 60_000);

  it('resumes a rebuild cut short where its last chunk left it', async () => {
    const produced = await produceTopic();
    const deps = h.deps();
    const real = kafkaPartitionLog({
      kafka: async () => h.kafka,
      consumerGroup: deps.consumerGroup,
      maxBytesPerPartition: 16 * 1024,
    });
    // The invocation dies after two chunks of partition 0 (as a Lambda timeout would cut it).
    let chunks = 0;
    const dying: PartitionLog = {
      ...real,
      read: (topic, partition, from, to, onChunk) =>
        real.read(topic, partition, from, to, async (records) => {
          if (partition === 0 && ++chunks > 2) throw new Error('invocation timed out');
          await onChunk(records);
        }),
    };
    try {
      await countBatch(batchOf(produced, 0, 1_200), { ...deps, log: real });
      await deleteKeysWithPrefix(h.redis, h.prefix);
      await expect(
        countBatch(batchOf(produced, 1_200, PER_PARTITION), { ...deps, log: dying }),
      ).rejects.toThrow('invocation timed out');
      const retry = await countBatch(batchOf(produced, 1_200, PER_PARTITION), { ...deps, log: real });
      const p0 = retry.restored.find((r) => r.partition === 0);
      expect(p0).toMatchObject({ status: 'rebuilt', to: 1_200 });
      // Resumed: it started after what the two chunks had applied.
      expect(p0?.status === 'rebuilt' && p0.from).toBeGreaterThan(0);
      expect(await windowCounts(produced.topic)).toEqual(produced.expected);
    } finally {
      await real.close();
    }
  }, 60_000);

  it('takes a first start at a later offset for a start, and never replays before it', async () => {
    const produced = await produceTopic();
    const deps = h.deps();
    const log = kafkaPartitionLog({ kafka: async () => h.kafka, consumerGroup: deps.consumerGroup });
    try {
      // Started with LATEST at offset 1,000: what came before is not this counter's to count.
      const first = await countBatch(batchOf(produced, 1_000, 1_200), { ...deps, log });
      expect(first.restored).toEqual([
        expect.objectContaining({ status: 'first-start', markedAt: 1_000 }),
        expect.objectContaining({ status: 'first-start', markedAt: 1_000 }),
      ]);
      await deleteKeysWithPrefix(h.redis, h.prefix);
      const after = await countBatch(batchOf(produced, 1_200, PER_PARTITION), { ...deps, log });
      expect(after.restored).toEqual([
        expect.objectContaining({ status: 'rebuilt', from: 1_000, to: 1_200, records: 200 }),
        expect.objectContaining({ status: 'rebuilt', from: 1_000, to: 1_200, records: 200 }),
      ]);
      const expected = new Map<number, Map<string, number>>();
      for (const list of produced.records) {
        for (const r of list.slice(1_000)) {
          const value = r.value as { hashtag_principal: string; timestamp: number };
          const start = Math.floor((value.timestamp * 1000) / 60_000) * 60_000;
          const counts = expected.get(start) ?? new Map<string, number>();
          expected.set(start, counts);
          const key = value.hashtag_principal.toLowerCase();
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
      }
      expect(await windowCounts(produced.topic)).toEqual(expected);
    } finally {
      await log.close();
    }
  }, 60_000);
});
