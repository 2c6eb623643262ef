/** The read API the HTTP function uses, over state the counter wrote. */

import { readTopHashtags, readTopicClock, readWindowHistory } from '#state/windows/index.ts';
import { countBatch } from '../../functions/hashtag-counter/count-batch.ts';
import { type Harness, startHarness } from '../fixtures/msk/harness.ts';
import { kafkaEvent, type RecordSpec, tweet } from '../fixtures/msk/kafka-events.ts';

const T = Date.UTC(2024, 11, 11, 12, 0, 0); // event time, far from the wall clock on purpose
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

/** Counts `tags` (hashtag and event time offset in seconds from T) into `topic`, in one batch. */
async function count(topic: string, tags: Array<[string, number]>, settings = {}) {
  const deps = h.deps(settings);
  const base =
    Number((await h.redis.hget(`${h.prefix}:{${topic}}:offsets:${deps.consumerGroup}`, '0')) ?? -1) + 1;
  const specs: RecordSpec[] = tags.map(([tag, s], i) => ({
    topic,
    partition: 0,
    offset: base + i,
    timestamp: T + s * 1000,
    value: tweet(tag, T + s * 1000),
  }));
  await countBatch(kafkaEvent('msk', specs), deps);
  return deps.settings;
}

const list = (view: { hashtags: Array<{ hashtag: string; count: number }> }) =>
  view.hashtags.map((x) => `${x.hashtag}=${x.count}`);

describe('reading the top hashtags', () => {
  it('ranks by count, breaks ties by hashtag, and totals the whole window', async () => {
    const settings = await count('rank', [
      ['#delta', 1],
      ['#charlie', 2],
      ['#bravo', 3],
      ['#echo', 4],
      ['#alpha', 5],
      ['#zulu', 6],
      ['#zulu', 7],
    ]);
    const view = await readTopHashtags(h.redis, settings, { topic: 'rank', view: 'tumbling', limit: 3 });
    expect(list(view)).toEqual(['#zulu=2', '#alpha=1', '#bravo=1']);
    expect(view.hashtags.map((x) => x.rank)).toEqual([1, 2, 3]);
    expect(view.totals).toEqual({ hashtags: 6, count: 7 });
  });

  it('shows the most used spelling of a hashtag', async () => {
    const settings = await count('spelling', [
      ['#spark', 1],
      ['#Spark', 2],
      ['#SPARK', 3],
      ['#Spark', 4],
    ]);
    const view = await readTopHashtags(h.redis, settings, { topic: 'spelling', view: 'tumbling', limit: 10 });
    expect(list(view)).toEqual(['#Spark=4']);
  });

  it('takes the current window from the newest event time, not from the wall clock', async () => {
    const settings = await count('current', [
      ['#old', 1],
      ['#new', 61],
    ]);
    const view = await readTopHashtags(h.redis, settings, { topic: 'current', view: 'tumbling', limit: 10 });
    expect(view).toMatchObject({ windowStart: T + 60_000, windowEnd: T + 120_000, complete: false });
    expect(view.watermark).toBe(T + 1_000);
    expect(list(view)).toEqual(['#new=1']);
  });

  it('reads a past window with `at`, complete once the watermark passed its end', async () => {
    const settings = await count('past', [
      ['#first', 5],
      ['#later', 200],
    ]);
    const view = await readTopHashtags(h.redis, settings, {
      topic: 'past',
      view: 'tumbling',
      limit: 10,
      at: T + 30_000,
    });
    expect(view).toMatchObject({
      windowStart: T,
      windowEnd: T + 60_000,
      complete: true,
      watermark: T + 140_000,
    });
    expect(list(view)).toEqual(['#first=1']);
  });

  it('answers an empty, complete view for a window beyond the retention', async () => {
    const settings = await count('retention', [['#x', 0]], { retentionSeconds: 60 });
    await count('retention', [['#y', 300]], { retentionSeconds: 60 });
    const view = await readTopHashtags(h.redis, settings, {
      topic: 'retention',
      view: 'tumbling',
      limit: 10,
      at: T,
    });
    expect(view).toMatchObject({ complete: true, hashtags: [], totals: { hashtags: 0, count: 0 } });
  });

  it('builds the sliding view from the buckets of the last window ending with the newest bucket', async () => {
    // Slide 10 s: the newest record at +75 s ends the view at +80 s, so it covers [+20 s, +80 s).
    const settings = await count('sliding', [
      ['#gone', 15],
      ['#kept', 25],
      ['#kept', 59],
      ['#next', 75],
    ]);
    const view = await readTopHashtags(h.redis, settings, { topic: 'sliding', view: 'sliding', limit: 10 });
    expect(view).toMatchObject({ view: 'sliding', windowStart: T + 20_000, windowEnd: T + 80_000 });
    expect(list(view)).toEqual(['#kept=2', '#next=1']);
    expect(view.totals).toEqual({ hashtags: 2, count: 3 });
  });

  it('answers an empty current window around the wall clock for a topic never seen', async () => {
    const settings = h.settings();
    const before = Date.now();
    const view = await readTopHashtags(h.redis, settings, {
      topic: 'never-seen',
      view: 'tumbling',
      limit: 5,
    });
    expect(view).toMatchObject({
      watermark: null,
      complete: false,
      hashtags: [],
      totals: { hashtags: 0, count: 0 },
    });
    expect(view.windowEnd).toBeGreaterThan(before);
    expect(await readTopicClock(h.redis, settings, 'never-seen')).toEqual({
      maxEventTime: null,
      watermark: null,
    });
  });

  it('lists the totals of the last windows, newest last', async () => {
    const settings = await count('history', [
      ['#a', 1],
      ['#b', 61],
      ['#c', 62],
      ['#d', 181],
    ]);
    const history = await readWindowHistory(h.redis, settings, 'history', 4);
    expect(history).toEqual([
      { windowStart: T, windowEnd: T + 60_000, total: 1 },
      { windowStart: T + 60_000, windowEnd: T + 120_000, total: 2 },
      { windowStart: T + 120_000, windowEnd: T + 180_000, total: 0 },
      { windowStart: T + 180_000, windowEnd: T + 240_000, total: 1 },
    ]);
    expect(
      (await readWindowHistory(h.redis, settings, 'history', 2, T + 70_000)).map((w) => w.total),
    ).toEqual([1, 2]);
  });

  it('refuses a limit that is not a positive integer', async () => {
    await expect(
      readTopHashtags(h.redis, h.settings(), { topic: 'rank', view: 'tumbling', limit: 0 }),
    ).rejects.toThrow(RangeError);
  });
});
