/**
 * Pre-aggregation of one partition's records per (window, hashtag) and (slide bucket, hashtag), so
 * that a batch of thousands of records becomes one Redis step with a handful of increments.
 * Pure and allocation-light: it is the hot path of the counter.
 */
import type { Hashtag } from '#contracts/hashtag.ts';
import type { WindowSettings } from './windows.ts';

/** A valid record, ready to count. */
export interface CountableRecord {
  readonly offset: number;
  /** Event time, epoch ms. */
  readonly eventTime: number;
  /** Distinct by key. */
  readonly hashtags: readonly Hashtag[];
}

/** Counts of one tumbling window within one step. */
export interface WindowAggregate {
  readonly start: number;
  records: number;
  /** Hashtag key -> count. */
  readonly keys: Map<string, number>;
  /** Spelling -> its key and count. */
  readonly forms: Map<string, { key: string; count: number }>;
  /** Bucket start -> (hashtag key -> count). */
  readonly buckets: Map<number, Map<string, number>>;
}

/** What one partition step adds. */
export interface StepAggregate {
  /** Max event time of the records (epoch ms), null when there are none. */
  maxEventTime: number | null;
  /** Window start -> counts. */
  readonly windows: Map<number, WindowAggregate>;
}

/** Aggregates `records` by tumbling window and slide bucket. */
export function aggregateRecords(
  settings: WindowSettings,
  records: Iterable<CountableRecord>,
): StepAggregate {
  const windowMs = settings.windowSeconds * 1000;
  const slideMs = settings.slideSeconds * 1000;
  const windows = new Map<number, WindowAggregate>();
  let maxEventTime: number | null = null;
  // Consecutive records mostly share a window and a bucket: remember the last ones.
  let win: WindowAggregate | undefined;
  let bucket: Map<string, number> | undefined;
  let bucketStart = Number.NaN;
  for (const record of records) {
    const t = record.eventTime;
    if (maxEventTime === null || t > maxEventTime) maxEventTime = t;
    const start = Math.floor(t / windowMs) * windowMs;
    if (win?.start !== start) {
      win = windows.get(start);
      if (win === undefined) {
        win = { start, records: 0, keys: new Map(), forms: new Map(), buckets: new Map() };
        windows.set(start, win);
      }
      bucketStart = Number.NaN;
    }
    win.records += 1;
    const recordBucket = Math.floor(t / slideMs) * slideMs;
    if (bucket === undefined || recordBucket !== bucketStart) {
      bucketStart = recordBucket;
      bucket = win.buckets.get(bucketStart);
      if (bucket === undefined) {
        bucket = new Map();
        win.buckets.set(bucketStart, bucket);
      }
    }
    for (const { key, form } of record.hashtags) {
      win.keys.set(key, (win.keys.get(key) ?? 0) + 1);
      bucket.set(key, (bucket.get(key) ?? 0) + 1);
      const f = win.forms.get(form);
      if (f === undefined) win.forms.set(form, { key, count: 1 });
      else f.count += 1;
    }
  }
  return { maxEventTime, windows };
}
