/**
 * The synthetic tweet model: who tweets (a pool of users, some far more active than others),
 * about what (hashtags with Zipf-like popularity, plus trend bursts that surge and fade over a few
 * minutes), in which words (tweet-vocabulary.ts), and now and then about the ISS flying over a
 * continent or ocean. Everything is drawn from a seeded PRNG: the same seed and the same times
 * give the same tweets.
 */
import type { IssPosition } from '#contracts/iss-position.ts';
import type { Tweet } from '#contracts/tweet.ts';
import { regionAt } from './geography.ts';
import { createRandom, type Random, randomIndex, ZipfSampler } from './prng.ts';
import {
  BURST_HASHTAGS,
  HANDLE_STEMS,
  HASHTAGS,
  ISS_TEMPLATES_EN,
  ISS_TEMPLATES_ES,
  TEMPLATES_EN,
  TEMPLATES_ES,
} from './tweet-vocabulary.ts';

/** A tweet of the contract that always leads with a main hashtag. */
export type GeneratedTweet = Tweet & { readonly hashtag_principal: string };

/** Of the tweets about the ISS, the share whose main hashtag is the region under it. */
const ISS_REGION_PRINCIPAL_SHARE = 0.3;

export interface TweetModelOptions {
  /** Users in the pool. */
  readonly users: number;
  /** Zipf exponent of hashtag popularity (1 ≈ classic Zipf). */
  readonly hashtagExponent: number;
  /** Zipf exponent of user activity. */
  readonly userExponent: number;
  /** Share of tweets about the ISS when a fresh position is known. */
  readonly issShare: number;
  /** A position older than this is not tweeted about. */
  readonly issMaxAgeSeconds: number;
  /** Bursts: one is scheduled per period ... */
  readonly burstPeriodSeconds: number;
  /** ... rises linearly over this ... */
  readonly burstRiseSeconds: number;
  /** ... then fades with this half-life ... */
  readonly burstHalfLifeSeconds: number;
  /** ... from a peak share of all tweets drawn in [min, max]. */
  readonly burstPeakShare: readonly [number, number];
}

export const DEFAULT_MODEL: TweetModelOptions = {
  users: 500,
  hashtagExponent: 1.1,
  userExponent: 0.8,
  issShare: 0.05,
  issMaxAgeSeconds: 600,
  burstPeriodSeconds: 600,
  burstRiseSeconds: 60,
  burstHalfLifeSeconds: 90,
  burstPeakShare: [0.15, 0.35],
};

/** One trend burst: a hashtag that surges at `startSeconds` and fades. */
export interface Burst {
  readonly hashtag: string;
  readonly startSeconds: number;
  readonly peakShare: number;
}

/**
 * Produces tweets. `seed` fixes every choice; `scenarioSeconds` (the planned time of a tweet)
 * fixes which bursts are active, so a replay with the same seed and scenario times is identical.
 */
export class TweetModel {
  private readonly random: Random;
  private readonly users: readonly string[];
  private readonly hashtagSampler: ZipfSampler;
  private readonly userSampler: ZipfSampler;
  private readonly burstCache = new Map<number, Burst>();

  constructor(
    private readonly seed: string,
    private readonly options: TweetModelOptions = DEFAULT_MODEL,
  ) {
    this.random = createRandom(seed);
    // The pool itself depends on the seed only, never on the draw order.
    const poolRandom = createRandom(`${seed}:users`);
    const users = new Set<string>();
    while (users.size < options.users) {
      const stem = HANDLE_STEMS[randomIndex(poolRandom, HANDLE_STEMS.length)];
      users.add(
        users.size < HANDLE_STEMS.length
          ? `@${HANDLE_STEMS[users.size]}`
          : `@${stem}${randomIndex(poolRandom, 1000)}`,
      );
    }
    this.users = [...users];
    this.hashtagSampler = new ZipfSampler(HASHTAGS.length, options.hashtagExponent);
    this.userSampler = new ZipfSampler(this.users.length, options.userExponent);
  }

  /** The burst scheduled in period `index` (deterministic from the seed). */
  burstOfPeriod(index: number): Burst {
    let burst = this.burstCache.get(index);
    if (!burst) {
      const r = createRandom(`${this.seed}:burst:${index}`);
      const {
        burstPeriodSeconds: period,
        burstPeakShare: [min, max],
      } = this.options;
      burst = {
        hashtag: BURST_HASHTAGS[randomIndex(r, BURST_HASHTAGS.length)] ?? BURST_HASHTAGS[0],
        // Starts in the first half of its period, so it has faded by the time the next one rises.
        startSeconds: index * period + r() * (period / 2),
        peakShare: min + r() * (max - min),
      };
      if (this.burstCache.size > 64) this.burstCache.clear();
      this.burstCache.set(index, burst);
    }
    return burst;
  }

  /** The bursts active at `seconds` and the share of tweets each takes. */
  activeBursts(seconds: number): Array<{ burst: Burst; share: number }> {
    const {
      burstPeriodSeconds: period,
      burstRiseSeconds: rise,
      burstHalfLifeSeconds: halfLife,
    } = this.options;
    const current = Math.floor(seconds / period);
    const active: Array<{ burst: Burst; share: number }> = [];
    for (const index of [current - 1, current]) {
      const burst = this.burstOfPeriod(index);
      const age = seconds - burst.startSeconds;
      if (age < 0) continue;
      const envelope = age < rise ? age / rise : 0.5 ** ((age - rise) / halfLife);
      const share = burst.peakShare * envelope;
      if (share > 0.005) active.push({ burst, share });
    }
    return active;
  }

  /**
   * The next tweet, at event time `timestamp` (epoch s), planned at `scenarioSeconds` (defaults
   * to the event time), aware of the ISS position when one is given.
   */
  next(timestamp: number, iss: IssPosition | null = null, scenarioSeconds = timestamp): GeneratedTweet {
    const random = this.random;
    const usuario = this.users[this.userSampler.sample(random)] ?? '@anon';
    const spanish = random() < 0.6;

    if (
      iss &&
      random() < this.options.issShare &&
      scenarioSeconds - iss.timestamp <= this.options.issMaxAgeSeconds
    ) {
      const region = regionAt(iss.latitude, iss.longitude);
      const templates = spanish ? ISS_TEMPLATES_ES : ISS_TEMPLATES_EN;
      const texto = fill(templates[randomIndex(random, templates.length)] ?? '', {
        region: spanish ? region.nameEs : region.nameEn,
        regionTag: region.hashtag,
      });
      // The counter counts hashtag_principal alone when it is set: a share of these tweets leads
      // with the region, so the region under the ISS shows up in the top list as it moves.
      const principal = random() < ISS_REGION_PRINCIPAL_SHARE ? region.hashtag : '#ISS';
      return { usuario, texto, hashtag_principal: principal, timestamp };
    }

    let hashtag: string | undefined;
    let u = random();
    for (const { burst, share } of this.activeBursts(scenarioSeconds)) {
      if (u < share) {
        hashtag = burst.hashtag;
        break;
      }
      u -= share;
    }
    hashtag ??= HASHTAGS[this.hashtagSampler.sample(random)] ?? HASHTAGS[0];
    const templates = spanish ? TEMPLATES_ES : TEMPLATES_EN;
    const template = templates[randomIndex(random, templates.length)] ?? '{tag}';
    let secondary = HASHTAGS[this.hashtagSampler.sample(random)] ?? HASHTAGS[0];
    if (secondary === hashtag)
      secondary = HASHTAGS[(HASHTAGS.indexOf(secondary) + 1) % HASHTAGS.length] ?? secondary;
    const texto = fill(template, { tag: hashtag, tag2: secondary });
    return { usuario, texto, hashtag_principal: hashtag, timestamp };
  }
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => values[name] ?? '');
}
