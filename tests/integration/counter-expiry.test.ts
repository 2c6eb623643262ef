/**
 * State stays bounded without a cleanup job: every window and bucket key expires once the
 * watermark has passed its end plus the retention (mapped to wall-clock time by Redis' own clock),
 * while offsets, watermark and statistics never expire (they are what makes a retry exact).
 * Short windows and retention keep the test fast.
 */

import { readTopHashtags, readWindowHistory, TopicKeys } from '#state/windows/index.ts';
import { countBatch } from '../../functions/hashtag-counter/count-batch.ts';
import { type Harness, startHarness } from '../fixtures/msk/harness.ts';
import { kafkaEvent, tweet } from '../fixtures/msk/kafka-events.ts';

const windowSettings = { windowSeconds: 2, slideSeconds: 1, allowedLatenessSeconds: 1, retentionSeconds: 2 };
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function redisNowMs(): Promise<number> {
  const [s, us] = await h.redis.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
}

describe('window expiry', () => {
  it('gives every window and bucket key the expiry the watermark and retention rules give', async () => {
    const deps = h.deps(windowSettings);
    const keys = new TopicKeys(h.prefix, 'expiry-rules');
    const t = Math.floor((await redisNowMs()) / 2000) * 2000 + 500; // 0.5 s into a window
    const before = await redisNowMs();
    await countBatch(
      kafkaEvent('msk', [
        { topic: 'expiry-rules', partition: 0, offset: 0, value: tweet('#a', t), timestamp: t },
        { topic: 'expiry-rules', partition: 0, offset: 1, value: tweet('#b', t + 1_000), timestamp: t },
      ]),
      deps,
    );
    const after = await redisNowMs();

    const watermark = t + 1_000 - 1_000;
    const windowStart = t - 500;
    // Window: its end + retention; bucket: its start + window + retention (end of the last sliding view holding it).
    const expected: Array<[string, number]> = [
      [keys.window(windowStart), windowStart + 2_000 + 2_000],
      [keys.windowInfo(windowStart), windowStart + 2_000 + 2_000],
      [keys.bucket(windowStart), windowStart + 2_000 + 2_000],
      [keys.bucket(windowStart + 1_000), windowStart + 1_000 + 2_000 + 2_000],
    ];
    for (const [key, deadline] of expected) {
      const expireAtMs = Number(await h.redis.call('PEXPIRETIME', key));
      expect(expireAtMs).toBeGreaterThanOrEqual(before + deadline - watermark);
      expect(expireAtMs).toBeLessThanOrEqual(after + deadline - watermark);
      // EXPIRETIME is the same instant in seconds, rounded.
      expect(Number(await h.redis.call('EXPIRETIME', key))).toBe(Math.round(expireAtMs / 1000));
      expect(await h.redis.pttl(key)).toBeGreaterThan(0);
    }
    for (const key of [keys.meta, keys.stats, keys.offsets(deps.consumerGroup)]) {
      expect(await h.redis.pttl(key)).toBe(-1);
    }
  });

  it('lets old windows disappear on their own while the watermark moves on', async () => {
    const deps = h.deps(windowSettings);
    const topic = 'expiry-old';
    const keys = new TopicKeys(h.prefix, topic);
    const t = Math.floor((await redisNowMs()) / 2000) * 2000 + 100;
    await countBatch(
      kafkaEvent('msk', [{ topic, partition: 0, offset: 0, value: tweet('#old', t), timestamp: t }]),
      deps,
    );
    expect(await h.redis.exists(keys.window(t - 100))).toBe(1);

    // Time passes (event time with it): a newer record, another window; no cleanup job runs.
    await sleep(5_500);
    const t2 = t + 5_500;
    await countBatch(
      kafkaEvent('msk', [{ topic, partition: 0, offset: 1, value: tweet('#new', t2), timestamp: t2 }]),
      deps,
    );

    expect(await h.redis.exists(keys.window(t - 100), keys.windowInfo(t - 100), keys.bucket(t - 100))).toBe(
      0,
    );
    const old = await readTopHashtags(h.redis, deps.settings, { topic, view: 'tumbling', limit: 10, at: t });
    expect(old).toMatchObject({ complete: true, hashtags: [], totals: { hashtags: 0, count: 0 } });
    const current = await readTopHashtags(h.redis, deps.settings, { topic, view: 'tumbling', limit: 10 });
    expect(current.hashtags).toEqual([{ rank: 1, hashtag: '#new', count: 1 }]);
    const history = await readWindowHistory(h.redis, deps.settings, topic, 4);
    expect(history.map((w) => w.total)).toEqual([0, 0, 0, 1]);
  }, 20_000);

  it('expires a window at once when the same step already moved the watermark past its end plus retention', async () => {
    const deps = h.deps(windowSettings);
    const topic = 'expiry-instant';
    const keys = new TopicKeys(h.prefix, topic);
    const t = Math.floor((await redisNowMs()) / 2000) * 2000;
    await countBatch(
      kafkaEvent('msk', [
        { topic, partition: 0, offset: 0, value: tweet('#a', t), timestamp: t + 10_000 },
        { topic, partition: 0, offset: 1, value: tweet('#b', t + 10_000), timestamp: t + 10_000 },
      ]),
      deps,
    );
    // Both records were valid and on time for the watermark before the step: both are accepted...
    expect(await h.redis.hget(keys.stats, 'accepted')).toBe('2');
    // ...but #a's window ended 8 s before the new watermark, beyond the 2 s retention: gone already.
    expect(await h.redis.exists(keys.window(t))).toBe(0);
    expect(await h.redis.exists(keys.window(t + 10_000))).toBe(1);
  });
});
