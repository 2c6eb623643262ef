/**
 * The trending score as docs/trending.md states it: pure functions, no services.
 */
import { baselineSpansFor, scoreTrending, TRENDING_DEFAULTS } from '#state/windows/index.ts';

const counts = (entries: Record<string, number>) => new Map(Object.entries(entries));
const settings = { windowSeconds: 60, retentionSeconds: 3600 };

describe('scoreTrending', () => {
  it('scores (count - baseline) / sqrt(baseline + 5) against the exponentially weighted baseline', () => {
    // Baseline spans, newest first: 20, 10 -> weights 1 and 0.7 -> (20 + 7) / 1.7.
    const [scored] = scoreTrending(counts({ '#a': 40 }), [counts({ '#a': 20 }), counts({ '#a': 10 })]);
    const baseline = 27 / 1.7;
    expect(scored?.baseline).toBeCloseTo(baseline, 12);
    expect(scored?.score).toBeCloseTo((40 - baseline) / Math.sqrt(baseline + 5), 12);
  });

  it('leaves spans without data out of the baseline instead of counting them as zeros', () => {
    const withGap = scoreTrending(counts({ '#a': 40 }), [null, counts({ '#a': 10 })]);
    expect(withGap[0]?.baseline).toBe(10);
  });

  it('lists nothing without any baseline span, nothing steady, and no tag under the minimum count', () => {
    expect(scoreTrending(counts({ '#a': 500 }), [null, null])).toEqual([]);
    expect(scoreTrending(counts({ '#a': 500 }), [counts({ '#a': 500 })])).toEqual([]);
    // 9 mentions of a tag never seen: score 9 / sqrt(5) = 4.0, but under the minimum count of 10.
    expect(scoreTrending(counts({ '#new': 9 }), [counts({ '#other': 3 })])).toEqual([]);
    expect(scoreTrending(counts({ '#new': 10 }), [counts({ '#other': 3 })]).map((s) => s.key)).toEqual([
      '#new',
    ]);
  });

  it('ranks by score, then count, then key', () => {
    const ranked = scoreTrending(counts({ '#b': 20, '#a': 20, '#c': 60 }), [counts({ '#c': 30 })]);
    expect(ranked.map((s) => s.key)).toEqual(['#a', '#b', '#c']);
  });
});

describe('baselineSpansFor', () => {
  it('gives each span as many earlier spans as the retention keeps beside it, at most 15', () => {
    expect([60, 300, 900, 3600].map((s) => baselineSpansFor(settings, s))).toEqual([15, 11, 3, 0]);
    expect(baselineSpansFor({ ...settings, retentionSeconds: 3 * 3600 }, 3600)).toBe(
      TRENDING_DEFAULTS.minBaselineSpans,
    );
  });
});
