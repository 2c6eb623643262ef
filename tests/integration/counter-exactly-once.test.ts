import { DLQ_HEADERS } from '#lib/dead-letter.ts';
import { readAppliedOffsets, readCounterStats, readTopHashtags, TopicKeys } from '#state/windows/index.ts';
import { countBatch } from '../../functions/hashtag-counter/count-batch.ts';
import { type Harness, snapshot, startHarness } from '../fixtures/msk/harness.ts';
import { kafkaEvent, type RecordSpec, tweet } from '../fixtures/msk/kafka-events.ts';

const T0 = Math.floor(Date.now() / 60_000) * 60_000 - 120_000;
let h: Harness;

beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

/** Three partitions of one topic, with a bad record on partition 1. */
function batch(topic: string): RecordSpec[] {
  return [
    { topic, partition: 0, offset: 10, value: tweet('#Spark', T0 + 1_000) },
    { topic, partition: 0, offset: 11, value: tweet('#spark', T0 + 2_000) },
    { topic, partition: 0, offset: 12, value: tweet(undefined, T0 + 3_000, '#Kafka y #Redis') },
    { topic, partition: 1, offset: 7, value: tweet('#Kafka', T0 + 4_000) },
    { topic, partition: 1, offset: 8, value: 'not json at all' },
    { topic, partition: 2, offset: 100, value: tweet('#ISS', T0 + 65_000) },
  ];
}

describe('exactly-once counting', () => {
  it('counts a batch delivered three times as if delivered once', async () => {
    const deps = h.deps();
    const event = kafkaEvent('msk', batch('thrice'));

    await countBatch(structuredClone(event), deps);
    const once = await snapshot(h.redis, h.prefix);
    await countBatch(structuredClone(event), deps);
    await countBatch(structuredClone(event), deps);

    expect(await snapshot(h.redis, h.prefix)).toEqual(once);
    const top = await readTopHashtags(h.redis, deps.settings, {
      topic: 'thrice',
      view: 'tumbling',
      limit: 10,
      at: T0,
    });
    expect(top.hashtags.map(({ hashtag, count }) => [hashtag, count])).toEqual([
      ['#Kafka', 2],
      ['#Spark', 2], // #Spark and #spark once each: the tie goes to code point order
      ['#Redis', 1],
    ]);
    expect(await readCounterStats(h.redis, deps.settings, 'thrice')).toEqual({
      accepted: 5,
      late: 0,
      duplicate: 12,
      rejected: 1,
    });
    const letters = (await h.readTopic(h.deadLetterTopic)).filter(
      (m) => m.headers[DLQ_HEADERS.topic] === 'thrice',
    );
    expect(letters).toHaveLength(1);
  });

  it('counts a batch that overlaps what was already applied only from the first new offset', async () => {
    const deps = h.deps();
    const records = batch('overlap').filter((r) => r.partition === 0);
    await countBatch(kafkaEvent('msk', records.slice(0, 2)), deps);

    const outcome = await countBatch(kafkaEvent('msk', records), deps);

    expect(outcome.partitions[0]).toMatchObject({ records: 3, accepted: 1, duplicate: 2 });
    const top = await readTopHashtags(h.redis, deps.settings, {
      topic: 'overlap',
      view: 'tumbling',
      limit: 10,
      at: T0,
    });
    expect(top.totals).toEqual({ hashtags: 3, count: 4 });
  });

  it('is exact when a failure after some partitions were applied is followed by a retry', async () => {
    const reference = await startHarness({ createDeadLetterTopic: false });
    try {
      const records = batch('crash').filter((r) => r.value !== 'not json at all');
      await countBatch(kafkaEvent('msk', records), reference.deps());

      // Partition 2 is the only one writing the window at T0 + 60 s: make its key unusable.
      const deps = h.deps();
      const poisoned = new TopicKeys(h.prefix, 'crash').window(T0 + 60_000);
      await h.redis.set(poisoned, 'not a sorted set');
      await expect(countBatch(kafkaEvent('msk', records), deps)).rejects.toThrow(/WRONGTYPE/);

      const offsets = await readAppliedOffsets(
        h.redis,
        deps.settings,
        deps.consumerGroup,
        'crash',
        [0, 1, 2],
      );
      expect([...offsets.values()]).toEqual([12, 7, null]);
      expect(await h.redis.exists(new TopicKeys(h.prefix, 'crash').bucket(T0 + 60_000))).toBe(0);

      await h.redis.del(poisoned);
      await countBatch(kafkaEvent('msk', records), deps);

      const withoutOtherTopics = (s: Record<string, unknown>) =>
        Object.fromEntries(
          Object.entries(s).filter(([k]) => k.startsWith(':{crash}') && !k.includes(':offsets:')),
        );
      expect(withoutOtherTopics(await snapshot(h.redis, h.prefix))).toEqual(
        withoutOtherTopics(await snapshot(reference.redis, reference.prefix)),
      );
      expect(await readCounterStats(h.redis, deps.settings, 'crash')).toEqual({
        ...(await readCounterStats(reference.redis, reference.deps().settings, 'crash')),
        duplicate: 4,
      });
    } finally {
      await reference.close();
    }
  });

  it('counts a batch once when two invocations race on it', async () => {
    const deps = h.deps();
    const event = kafkaEvent('self-managed-kafka', batch('race'));

    const outcomes = await Promise.all([
      countBatch(structuredClone(event), deps),
      countBatch(structuredClone(event), deps),
    ]);

    const accepted = outcomes.map((o) => o.topics.race?.accepted ?? 0);
    expect(accepted.reduce((a, b) => a + b, 0)).toBe(5);
    expect(await readCounterStats(h.redis, deps.settings, 'race')).toMatchObject({
      accepted: 5,
      rejected: 1,
      duplicate: 6,
    });
  });

  it('sends bad records to the dead-letter topic before moving the offset past them', async () => {
    const late = await startHarness({ createDeadLetterTopic: false });
    try {
      const deps = late.deps();
      const event = kafkaEvent('msk', batch('dlq-first'));

      // The dead-letter topic does not exist yet: the write fails, so nothing may be applied.
      await expect(countBatch(structuredClone(event), deps)).rejects.toThrow();
      const offsets = await readAppliedOffsets(
        late.redis,
        deps.settings,
        deps.consumerGroup,
        'dlq-first',
        [0, 1, 2],
      );
      expect([...offsets.values()]).toEqual([null, null, null]);
      expect(await readCounterStats(late.redis, deps.settings, 'dlq-first')).toEqual({
        accepted: 0,
        late: 0,
        duplicate: 0,
        rejected: 0,
      });

      await late.createDeadLetterTopic();
      await countBatch(structuredClone(event), deps);

      const letters = await late.readTopic(late.deadLetterTopic);
      expect(letters).toHaveLength(1);
      expect(letters[0]?.value?.toString()).toBe('not json at all');
      expect(letters[0]?.headers).toMatchObject({
        [DLQ_HEADERS.topic]: 'dlq-first',
        [DLQ_HEADERS.partition]: '1',
        [DLQ_HEADERS.offset]: '8',
        headerKey: 'headerValue',
      });
      expect(letters[0]?.headers[DLQ_HEADERS.reason]).toMatch(/^not-json: /);
      expect(await readCounterStats(late.redis, deps.settings, 'dlq-first')).toMatchObject({
        accepted: 5,
        rejected: 1,
      });
    } finally {
      await late.close();
    }
  }, 60_000);
});
