import type { IssPosition } from '#contracts/iss-position.ts';
import { generateTweets } from '../../functions/tweet-generator/generation-run.ts';
import { regionAt } from '../../functions/tweet-generator/geography.ts';
import { createRandom, ZipfSampler } from '../../functions/tweet-generator/prng.ts';
import { type GeneratedTweet, TweetModel } from '../../functions/tweet-generator/tweet-model.ts';
import { BURST_HASHTAGS, HASHTAGS } from '../../functions/tweet-generator/tweet-vocabulary.ts';

const T0 = Date.UTC(2026, 10, 22, 12, 0, 0) / 1000;

function draw(seed: string, n: number, iss: IssPosition | null = null, startSeconds = T0): GeneratedTweet[] {
  const model = new TweetModel(seed);
  return Array.from({ length: n }, (_, i) => model.next(startSeconds + i * 0.01, iss));
}

const countBy = <T>(items: T[], key: (t: T) => string) => {
  const counts = new Map<string, number>();
  for (const item of items) counts.set(key(item), (counts.get(key(item)) ?? 0) + 1);
  return counts;
};

describe('seeded PRNG', () => {
  it('draws the same numbers for the same seed and different ones for another seed', () => {
    const a = createRandom('seed-1');
    const b = createRandom('seed-1');
    const c = createRandom('seed-2');
    const first = Array.from({ length: 5 }, a);
    expect(Array.from({ length: 5 }, b)).toEqual(first);
    expect(Array.from({ length: 5 }, c)).not.toEqual(first);
    expect(first.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('samples Zipf ranks with the head far more likely than the tail', () => {
    const zipf = new ZipfSampler(50, 1.1);
    const random = createRandom('zipf');
    const counts = new Array<number>(50).fill(0);
    for (let i = 0; i < 100_000; i++) {
      const rank = zipf.sample(random);
      counts[rank] = (counts[rank] ?? 0) + 1;
    }
    expect(counts[0]).toBeGreaterThan((counts[1] ?? 0) * 1.7);
    expect(counts[0]).toBeGreaterThan((counts[9] ?? 0) * 8);
    expect(zipf.probability(0) / zipf.probability(9)).toBeCloseTo(10 ** 1.1, 5);
  });
});

describe('tweet model', () => {
  it('produces exactly the Spark-era shape with the main hashtag in the text', () => {
    for (const tweet of draw('shape', 2000)) {
      expect(Object.keys(tweet).sort()).toEqual(['hashtag_principal', 'texto', 'timestamp', 'usuario']);
      expect(tweet.usuario).toMatch(/^@\w+$/);
      expect(tweet.hashtag_principal).toMatch(/^#\w+$/u);
      expect(tweet.texto).toContain(tweet.hashtag_principal);
      expect(typeof tweet.timestamp).toBe('number');
    }
  });

  it('is reproducible: the same seed and times give the same tweets', () => {
    expect(draw('repro', 500)).toEqual(draw('repro', 500));
    expect(draw('repro', 500)).not.toEqual(draw('other', 500));
  });

  it('writes in Spanish and in English', () => {
    const texts = draw('lang', 1000).map((t) => t.texto);
    expect(texts.some((t) => /sobre|Aprendiendo|Hoy toca|Hilo/.test(t))).toBe(true);
    expect(texts.some((t) => /Working|Just shipped|Hot take|Thread/.test(t))).toBe(true);
  });

  it('has a long tail: popular hashtags dominate, most users tweet rarely', () => {
    const tweets = draw('tail', 20_000, null, 0);
    const tags = countBy(tweets, (t) => t.hashtag_principal);
    const steady = HASHTAGS.map((tag) => tags.get(tag) ?? 0);
    expect(steady[0]).toBeGreaterThan((steady[1] ?? 0) * 1.5);
    expect(steady[0]).toBeGreaterThan((steady[10] ?? 0) * 8);
    expect(steady.filter((c) => c > 0).length).toBeGreaterThan(40);
    const users = [...countBy(tweets, (t) => t.usuario).values()].sort((a, b) => b - a);
    expect(users[0]).toBeGreaterThan((users[users.length - 1] ?? 0) * 20);
  });

  it('surges a burst hashtag, then fades it within minutes', () => {
    const model = new TweetModel('bursts');
    const burst = model.burstOfPeriod(Math.floor(T0 / 600));
    const share = (offset: number) =>
      model.activeBursts(burst.startSeconds + offset).find((a) => a.burst === burst)?.share ?? 0;

    expect(share(-1)).toBe(0);
    expect(share(30)).toBeCloseTo(burst.peakShare / 2, 5);
    expect(share(60)).toBeCloseTo(burst.peakShare, 5);
    expect(share(60 + 90)).toBeCloseTo(burst.peakShare / 2, 5);
    expect(share(60 + 600)).toBe(0);
    expect(BURST_HASHTAGS).toContain(burst.hashtag as (typeof BURST_HASHTAGS)[number]);

    // Visible in the counts: a minute at the peak has many times the tweets of the minute before it.
    const minute = (from: number) =>
      Array.from({ length: 3000 }, (_, i) => model.next(from + i * 0.02)).filter(
        (t) => t.hashtag_principal === burst.hashtag,
      ).length;
    expect(minute(burst.startSeconds + 45)).toBeGreaterThan(Math.max(1, minute(burst.startSeconds - 61)) * 5);
  });

  it('tweets about the ISS with the region under its latest position', () => {
    const overPacific: IssPosition = { latitude: 0, longitude: -150, timestamp: T0, source: 'sgp4' };
    const tweets = draw('iss', 4000, overPacific);
    const iss = tweets.filter((t) => /#ISS/.test(t.texto));
    expect(iss.length).toBeGreaterThan(100);
    expect(iss.length).toBeLessThan(400);
    for (const t of iss) expect(t.texto).toMatch(/#ISS.*#PacificOcean/);
    // Most lead with #ISS; some lead with the region, so that it can trend in the counts.
    const byRegion = iss.filter((t) => t.hashtag_principal === '#PacificOcean').length;
    expect(iss.filter((t) => t.hashtag_principal === '#ISS').length + byRegion).toBe(iss.length);
    expect(byRegion / iss.length).toBeGreaterThan(0.15);
    expect(byRegion / iss.length).toBeLessThan(0.45);
  });

  it('does not tweet about a stale ISS position', () => {
    const old: IssPosition = { latitude: 0, longitude: -150, timestamp: T0 - 3600, source: 'sgp4' };
    expect(draw('stale', 2000, old).some((t) => /#ISS/.test(t.texto))).toBe(false);
  });
});

describe('offline geography', () => {
  it.each([
    [40.4, -3.7, '#Europe'],
    [48.9, 2.35, '#Europe'],
    [-15.8, -47.9, '#SouthAmerica'],
    [39.7, -105.0, '#NorthAmerica'],
    [0.3, 32.6, '#Africa'],
    [28.6, 77.2, '#Asia'],
    [35.7, 139.7, '#Asia'],
    [51.5, -0.1, '#Europe'],
    [-25.3, 133.8, '#Oceania'],
    [0, -150, '#PacificOcean'],
    [30, -40, '#AtlanticOcean'],
    [-30, 80, '#IndianOcean'],
    [-45, 170, '#PacificOcean'],
    [25, -90, '#AtlanticOcean'],
  ])('places %f, %f in %s', (lat, lon, tag) => {
    expect(regionAt(lat, lon).hashtag).toBe(tag);
  });
});

describe('generation run', () => {
  const fakeClock = (start: number) => {
    let now = start;
    return {
      now: () => now,
      sleep: async (ms: number) => {
        now += ms;
      },
    };
  };

  it('spreads paced tweets over the invocation at the configured rate', async () => {
    const clock = fakeClock(T0 * 1000);
    const seen: GeneratedTweet[] = [];
    const result = await generateTweets(
      { count: 300, tweetsPerSecond: 10, scenarioStartMs: T0 * 1000, deadlineMs: T0 * 1000 + 60_000 },
      new TweetModel('paced'),
      null,
      { publish: async (t) => void seen.push(t), flush: async () => undefined },
      clock,
    );
    expect(result).toMatchObject({ generated: 300, stoppedEarly: false });
    const span = (seen.at(-1)?.timestamp ?? 0) - (seen[0]?.timestamp ?? 0);
    expect(span).toBeGreaterThan(29);
    expect(span).toBeLessThan(31);
  });

  it('stops at the deadline and still flushes', async () => {
    const clock = fakeClock(T0 * 1000);
    let flushed = false;
    const result = await generateTweets(
      { count: 10_000, tweetsPerSecond: 100, scenarioStartMs: T0 * 1000, deadlineMs: T0 * 1000 + 5_000 },
      new TweetModel('deadline'),
      null,
      {
        publish: async () => undefined,
        flush: async () => {
          flushed = true;
        },
      },
      clock,
    );
    expect(result.stoppedEarly).toBe(true);
    expect(result.generated).toBeGreaterThan(450);
    expect(result.generated).toBeLessThanOrEqual(510);
    expect(flushed).toBe(true);
  });
});
