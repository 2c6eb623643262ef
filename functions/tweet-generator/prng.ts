/**
 * A small seeded PRNG: a run with the same seed draws the same numbers. mulberry32 (32-bit state,
 * fast, good enough for simulation) seeded from a string through a 32-bit FNV-1a hash with a
 * final avalanche.
 */

/** Uniform numbers in [0, 1). */
export type Random = () => number;

/** 32-bit hash of a string (FNV-1a, then murmur3's fmix32 finaliser). */
export function hashSeed(seed: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) {
    h ^= seed.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A deterministic generator for `seed`. */
export function createRandom(seed: string): Random {
  let state = hashSeed(seed);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [0, n). */
export function randomIndex(random: Random, n: number): number {
  return Math.floor(random() * n);
}

/**
 * Samples indexes 0..n-1 with Zipf-like weights 1/(rank+1)^exponent: the head is popular, the
 * tail long. Uses a cumulative table and binary search (O(log n) per draw).
 */
export class ZipfSampler {
  private readonly cumulative: Float64Array;

  constructor(
    readonly size: number,
    readonly exponent: number,
  ) {
    if (size < 1) throw new RangeError('ZipfSampler needs at least one item');
    this.cumulative = new Float64Array(size);
    let total = 0;
    for (let i = 0; i < size; i++) {
      total += 1 / (i + 1) ** exponent;
      this.cumulative[i] = total;
    }
    for (let i = 0; i < size; i++) this.cumulative[i] = (this.cumulative[i] ?? 0) / total;
  }

  /** The probability of rank `i` (for tests and docs). */
  probability(i: number): number {
    return (this.cumulative[i] ?? 0) - (i > 0 ? (this.cumulative[i - 1] ?? 0) : 0);
  }

  sample(random: Random): number {
    const u = random();
    let lo = 0;
    let hi = this.size - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.cumulative[mid] ?? 1) > u) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }
}
