// The module's internals (the step's encoding, window arithmetic) are unit-tested where they live.
import { encodeStep } from '#state/windows/apply.ts';
import { aggregateRecords, compareCodePoints, TopicKeys, type WindowSettings } from '#state/windows/index.ts';
import { alignDown, assertWindowSettings, isWindowClosed } from '#state/windows/windows.ts';

const settings: WindowSettings = {
  keyPrefix: 'unit',
  windowSeconds: 60,
  slideSeconds: 10,
  allowedLatenessSeconds: 60,
  retentionSeconds: 3600,
};
const spark = { key: '#spark', form: '#Spark' };
const sparkLower = { key: '#spark', form: '#spark' };
const kafka = { key: '#kafka', form: '#Kafka' };

describe('window arithmetic', () => {
  it('aligns instants on the epoch, including before 1970', () => {
    expect(alignDown(1_733_940_059_999, 60_000)).toBe(1_733_940_000_000);
    expect(alignDown(1_733_940_060_000, 60_000)).toBe(1_733_940_060_000);
    expect(alignDown(-1, 60_000)).toBe(-60_000);
  });

  it('closes a window once the watermark reaches its end, not before', () => {
    expect(isWindowClosed(60_000, null)).toBe(false);
    expect(isWindowClosed(60_000, 59_999)).toBe(false);
    expect(isWindowClosed(60_000, 60_000)).toBe(true);
  });

  it('refuses a slide that does not divide the window', () => {
    expect(() => assertWindowSettings({ ...settings, slideSeconds: 7 })).toThrow(RangeError);
  });
});

describe('pre-aggregation of a partition', () => {
  it('sums records per window, per bucket and per spelling, and tracks the max event time', () => {
    const t0 = 1_733_940_000_000;
    const agg = aggregateRecords(settings, [
      { offset: 1, eventTime: t0 + 1_000, hashtags: [spark, kafka] },
      { offset: 2, eventTime: t0 + 12_000, hashtags: [sparkLower] },
      { offset: 3, eventTime: t0 + 61_000, hashtags: [spark] },
      { offset: 4, eventTime: t0 + 5_000, hashtags: [spark] },
    ]);
    expect(agg.maxEventTime).toBe(t0 + 61_000);
    expect([...agg.windows.keys()]).toEqual([t0, t0 + 60_000]);
    const first = agg.windows.get(t0);
    expect(first?.records).toBe(3);
    expect(Object.fromEntries(first?.keys ?? [])).toEqual({ '#spark': 3, '#kafka': 1 });
    expect(Object.fromEntries([...(first?.forms ?? [])].map(([f, v]) => [f, v.count]))).toEqual({
      '#Spark': 2,
      '#spark': 1,
      '#Kafka': 1,
    });
    expect(
      Object.fromEntries([...(first?.buckets ?? [])].map(([b, m]) => [b - t0, Object.fromEntries(m)])),
    ).toEqual({
      0: { '#spark': 2, '#kafka': 1 },
      10000: { '#spark': 1 },
    });
  });

  it('has no max event time and no windows for an empty partition share', () => {
    const agg = aggregateRecords(settings, []);
    expect(agg.maxEventTime).toBeNull();
    expect(agg.windows.size).toBe(0);
  });
});

describe('the apply step layout', () => {
  it('names only keys with the topic hash tag, in the order the script reads them', () => {
    const t0 = 1_733_940_000_000;
    const step = {
      consumerGroup: 'g{x}',
      topic: 'tweets_topic',
      partition: 3,
      expectedOffset: 41,
      newOffset: 44,
      records: [{ offset: 42, eventTime: t0 + 1_000, hashtags: [spark] }],
      duplicates: 2,
      rejected: 1,
    };
    const { keys, args } = encodeStep(settings, step, aggregateRecords(settings, step.records));
    const k = new TopicKeys('unit', 'tweets_topic');
    expect(keys).toEqual([k.offsets('g{x}'), k.meta, k.stats, k.window(t0), k.windowInfo(t0), k.bucket(t0)]);
    // Redis Cluster hashes the first {...} of a key: the topic's, even when the group holds braces.
    for (const key of keys) expect(key.slice(key.indexOf('{'), key.indexOf('}') + 1)).toBe('{tweets_topic}');
    expect(args).toEqual(
      ['3', '41', '44', String(t0 + 1_000), '60000', '3600000', '60000', '2', '1', '1', '1'].concat(
        [String(t0), '1', '1', '1', '1', '#spark', '1', '#Spark', '#spark', '1'],
        [String(t0), '1', '#spark', '1'],
      ),
    );
  });

  it('refuses a topic name Kafka would refuse, so that no key can escape its hash tag', () => {
    expect(() => new TopicKeys('unit', 'a}b')).toThrow(RangeError);
    expect(() => new TopicKeys('un{it', 'tweets')).toThrow(RangeError);
  });
});

describe('ranking order', () => {
  it('compares hashtags by code point, as Redis compares members by bytes', () => {
    const keys = ['#\uffff', '#😀', '#b', '#a'];
    expect([...keys].sort(compareCodePoints)).toEqual(['#a', '#b', '#\uffff', '#😀']);
  });
});
