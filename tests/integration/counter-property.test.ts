// Over 300 lines: one property test; most of it is the independent reference model and the generators it is checked against.
/**
 * Property: for any sequence of batches over any partitions, offsets (with gaps), event times,
 * spellings, bad records and redeliveries (Lambda re-sends whole batches, possibly cut
 * differently), what Redis holds equals a reference model computed here, independently of the
 * counter's code: per-window and per-bucket counts, display forms, statistics, watermark, offsets.
 *
 * The state may also be lost at random points (every key of the topic deleted, as a FLUSHALL or a
 * restart without data does): the counter then rebuilds each lost partition from the log (here an
 * in-memory one, read in small chunks) when it next meets it, and the model says what that yields:
 * the records from where counting started (or from what Redis still had) up to the batch, each
 * counted, none judged late.
 */
import fc from 'fast-check';
import { epochSecondsToMs } from '#contracts/event-time.ts';
import {
  type PartitionLog,
  type LogRecord as ReadBack,
  readCounterStats,
  readTopicClock,
  TopicKeys,
  type WindowSettings,
} from '#state/windows/index.ts';
import { countBatch } from '../../functions/hashtag-counter/count-batch.ts';
import { type Harness, startHarness } from '../fixtures/msk/harness.ts';
import { kafkaEvent, type RecordSpec, tweet } from '../fixtures/msk/kafka-events.ts';

const BASE = Date.UTC(2024, 11, 11, 12, 0, 0);
const WINDOW = 60_000;
const SLIDE = 10_000;

// Spelling as written -> [grouping key, NFC display form], written out by hand.
const SPELLINGS: Record<string, [string, string]> = {
  '#Spark': ['#spark', '#Spark'],
  '#spark': ['#spark', '#spark'],
  '#SPARK': ['#spark', '#SPARK'],
  '#Kafka': ['#kafka', '#Kafka'],
  '#Cafe\u0301': ['#caf\u00e9', '#Caf\u00e9'],
  '#caf\u00e9': ['#caf\u00e9', '#caf\u00e9'],
  '#Straße': ['#strasse', '#Straße'],
  '#STRASSE': ['#strasse', '#STRASSE'],
  '#🚀': ['#🚀', '#🚀'],
};
const spelling = fc.constantFrom(...Object.keys(SPELLINGS));

type Content = { kind: 'principal'; tag: string } | { kind: 'texto'; tags: string[] } | { kind: 'garbage' };

interface LogRecord {
  offset: number;
  eventTime: number;
  content: Content;
}

const content: fc.Arbitrary<Content> = fc.oneof(
  { weight: 6, arbitrary: spelling.map((tag) => ({ kind: 'principal' as const, tag })) },
  {
    weight: 2,
    arbitrary: fc
      .array(spelling, { minLength: 1, maxLength: 3 })
      .map((tags) => ({ kind: 'texto' as const, tags })),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'garbage' as const }) },
);

// Mostly on 5 s marks so that window ends and watermarks often coincide (the boundary cases).
const eventTime = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 120 }).map((n) => n * 5_000) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 600_000 }) },
);

const partitionLog = fc
  .array(fc.record({ gap: fc.integer({ min: 1, max: 3 }), eventTime, content }), {
    minLength: 1,
    maxLength: 25,
  })
  .map((entries) => {
    let offset = -1;
    return entries.map((e): LogRecord => {
      offset += e.gap;
      return { offset, eventTime: BASE + e.eventTime, content: e.content };
    });
  });

/** One delivery: for each chosen partition, where the batch starts relative to the committed position and its length. */
const delivery = fc.array(
  fc.record({
    partition: fc.integer({ min: 0, max: 2 }),
    rewind: fc.integer({ min: 0, max: 6 }),
    length: fc.integer({ min: 1, max: 8 }),
  }),
  { minLength: 1, maxLength: 3 },
);

const scenario = fc.record({
  lateness: fc.constantFrom(0, 30, 60),
  logs: fc.tuple(partitionLog, partitionLog, partitionLog),
  deliveries: fc.array(delivery, { minLength: 1, maxLength: 10 }),
  // After which deliveries Redis loses the topic's state (none in about half the runs).
  losses: fc.oneof(
    fc.constant<number[]>([]),
    fc.uniqueArray(fc.integer({ min: 0, max: 9 }), { maxLength: 2 }),
  ),
});

/** Every record has this Kafka timestamp; "now" for the rebuild is the same instant. */
const KAFKA_TIMESTAMP = BASE + 600_000;
const REBUILD_CHUNK = 4;

interface Model {
  applied: Array<number | null>;
  /** Where counting started per partition: survives a loss (it lives in Kafka). */
  markers: Array<number | null>;
  maxEventTime: number | null;
  watermark: number | null;
  windows: Map<number, Map<string, number>>;
  buckets: Map<number, Map<string, number>>;
  forms: Map<number, Map<string, number>>;
  stats: { accepted: number; late: number; duplicate: number; rejected: number };
}

function tagsOf(c: Content): Array<[string, string]> {
  if (c.kind === 'principal') return [SPELLINGS[c.tag] as [string, string]];
  if (c.kind === 'texto') {
    const seen = new Map<string, string>();
    for (const t of c.tags) {
      const [key, form] = SPELLINGS[t] as [string, string];
      if (!seen.has(key)) seen.set(key, form);
    }
    return [...seen];
  }
  return [];
}

const bump = (m: Map<number, Map<string, number>>, at: number, key: string) => {
  const inner = m.get(at) ?? new Map<string, number>();
  m.set(at, inner);
  inner.set(key, (inner.get(key) ?? 0) + 1);
};

/** Event time as the decoder reads it back from the record's epoch seconds. */
const decodedTime = (r: LogRecord) => epochSecondsToMs(r.eventTime / 1000);

function countInModel(model: Model, r: LogRecord): void {
  const t = decodedTime(r);
  const start = Math.floor(t / WINDOW) * WINDOW;
  model.stats.accepted += 1;
  for (const [key, form] of tagsOf(r.content)) {
    bump(model.windows, start, key);
    bump(model.buckets, Math.floor(t / SLIDE) * SLIDE, key);
    bump(model.forms, start, form);
  }
}

/** Redis lost everything of the topic; Kafka (the markers) did not. */
function loseState(model: Model): void {
  model.applied = [null, null, null];
  model.maxEventTime = null;
  model.watermark = null;
  model.windows.clear();
  model.buckets.clear();
  model.forms.clear();
  model.stats = { accepted: 0, late: 0, duplicate: 0, rejected: 0 };
}

/** The reference: a plain re-statement of the rules, one batch at a time. */
function applyToModel(
  model: Model,
  batch: Map<number, LogRecord[]>,
  latenessMs: number,
  logs: readonly LogRecord[][],
): void {
  // A partition without state: a first start marks where counting starts; otherwise what lies
  // between Redis' applied offset (or the marker) and the batch is replayed, every record counted,
  // none judged late: after a loss, the records redelivered were counted again and the rest of
  // what had been counted is missing.
  for (const [partition, records] of batch) {
    const first = (records[0] as LogRecord).offset;
    const marker = model.markers[partition] ?? null;
    const applied = model.applied[partition] ?? null;
    if (marker === null) {
      if (applied === null) model.markers[partition] = first;
      continue;
    }
    const from = Math.max(marker, applied === null ? marker : applied + 1);
    const replay = (logs[partition] ?? []).filter((r) => r.offset >= from && r.offset < first);
    for (const r of replay) {
      if (r.content.kind === 'garbage') model.stats.rejected += 1;
      else {
        model.maxEventTime = Math.max(model.maxEventTime ?? decodedTime(r), decodedTime(r));
        countInModel(model, r);
      }
    }
    if (replay.length > 0) model.applied[partition] = replay.at(-1)?.offset ?? null;
  }
  // Every record of a batch is judged against the watermark from before the batch.
  const before = model.watermark;
  for (const partition of [...batch.keys()].sort((a, b) => a - b)) {
    const records = batch.get(partition) ?? [];
    const last = model.applied[partition] ?? null;
    const fresh = records.filter((r) => last === null || r.offset > last);
    model.stats.duplicate += records.length - fresh.length;
    for (const r of fresh) {
      if (r.content.kind === 'garbage') {
        model.stats.rejected += 1;
        continue;
      }
      const t = decodedTime(r);
      model.maxEventTime = Math.max(model.maxEventTime ?? t, t);
      const start = Math.floor(t / WINDOW) * WINDOW;
      if (before !== null && start + WINDOW <= before) {
        model.stats.late += 1;
        continue;
      }
      countInModel(model, r);
    }
    if (fresh.length > 0) model.applied[partition] = fresh.at(-1)?.offset ?? null;
  }
  if (model.maxEventTime !== null) {
    model.watermark = Math.max(model.watermark ?? Number.NEGATIVE_INFINITY, model.maxEventTime - latenessMs);
  }
}

function displayOf(forms: Map<string, number>, key: string): string | undefined {
  let best: [string, number] | undefined;
  for (const [form, n] of forms) {
    const [k] = Object.values(SPELLINGS).find(([, f]) => f === form) ?? [];
    if (k !== key) continue;
    if (
      !best ||
      n > best[1] ||
      (n === best[1] && Buffer.compare(Buffer.from(form), Buffer.from(best[0])) < 0)
    )
      best = [form, n];
  }
  return best?.[0];
}

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

async function zsetOf(key: string): Promise<Record<string, number>> {
  const flat = await h.redis.zrange(key, 0, -1, 'WITHSCORES');
  const out: Record<string, number> = {};
  for (let i = 0; i < flat.length; i += 2) out[flat[i] as string] = Number(flat[i + 1]);
  return out;
}

async function keysMatching(pattern: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await h.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    found.push(...batch);
  } while (cursor !== '0');
  return found.sort();
}

function recordValue(r: LogRecord): string | Record<string, unknown> {
  return r.content.kind === 'garbage'
    ? 'garbage'
    : r.content.kind === 'principal'
      ? tweet(r.content.tag, r.eventTime)
      : tweet(undefined, r.eventTime, r.content.tags.join(' y '));
}

/** The topic as Kafka would give it back to a rebuild: the generated logs, read in small chunks. */
function inMemoryLog(logs: readonly LogRecord[][], markers: Array<number | null>): PartitionLog {
  const of = (partition: number) => logs[partition] ?? [];
  return {
    countedFrom: async (_topic, partition) => markers[partition] ?? null,
    holds: async (_topic, partition) => partition < logs.length,
    markCounted: async (_topic, partition, offset) => {
      markers[partition] = offset;
    },
    bounds: async (_topic, partition) => ({ earliest: 0, end: (of(partition).at(-1)?.offset ?? -1) + 1 }),
    offsetAt: async (_topic, partition, timestampMs) =>
      timestampMs <= KAFKA_TIMESTAMP
        ? (of(partition)[0]?.offset ?? 0)
        : (of(partition).at(-1)?.offset ?? -1) + 1,
    read: async (_topic, partition, from, to, onChunk) => {
      const records: ReadBack[] = of(partition)
        .filter((r) => r.offset >= from && r.offset < to)
        .map((r) => {
          const value = recordValue(r);
          return {
            offset: r.offset,
            timestamp: KAFKA_TIMESTAMP,
            value: Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
          };
        });
      for (let i = 0; i < records.length; i += REBUILD_CHUNK)
        await onChunk(records.slice(i, i + REBUILD_CHUNK));
    },
  };
}

let run = 0;

describe('counting any sequence of batches', () => {
  it('leaves Redis equal to the reference model', async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ lateness, logs, deliveries, losses }) => {
        const topic = `prop-${run++}`;
        const settings: Partial<WindowSettings> = { allowedLatenessSeconds: lateness };
        const kafkaMarkers: Array<number | null> = [null, null, null];
        const deps = h.deps(settings, { log: inMemoryLog(logs, kafkaMarkers), now: () => KAFKA_TIMESTAMP });
        const keys = new TopicKeys(h.prefix, topic);
        const model: Model = {
          applied: [null, null, null],
          markers: [null, null, null],
          maxEventTime: null,
          watermark: null,
          windows: new Map(),
          buckets: new Map(),
          forms: new Map(),
          stats: { accepted: 0, late: 0, duplicate: 0, rejected: 0 },
        };
        // Where the event source would resume each partition (index into its log).
        const position = [0, 0, 0];

        for (const [index, parts] of deliveries.entries()) {
          if (losses.includes(index)) {
            await h.redis.del(...(await keysMatching(`${h.prefix}:{${topic}}:*`)), `${h.prefix}:none`);
            loseState(model);
          }
          const batch = new Map<number, LogRecord[]>();
          for (const { partition, rewind, length } of parts) {
            if (batch.has(partition)) continue;
            const log = logs[partition] as LogRecord[];
            const start = Math.max(0, (position[partition] ?? 0) - rewind);
            const slice = log.slice(start, start + length);
            if (slice.length > 0) batch.set(partition, slice);
          }
          if (batch.size === 0) continue;
          const specs: RecordSpec[] = [...batch].flatMap(([partition, records]) =>
            records.map((r) => ({
              topic,
              partition,
              offset: r.offset,
              timestamp: KAFKA_TIMESTAMP,
              value: recordValue(r),
            })),
          );
          await countBatch(kafkaEvent('msk', specs), deps);
          applyToModel(model, batch, lateness * 1000, logs);
          for (const [partition, records] of batch) {
            const log = logs[partition] as LogRecord[];
            const end = log.indexOf(records.at(-1) as LogRecord) + 1;
            position[partition] = Math.max(position[partition] ?? 0, end);
          }
        }

        expect(await readCounterStats(h.redis, deps.settings, topic)).toEqual(model.stats);
        expect(await readTopicClock(h.redis, deps.settings, topic)).toEqual({
          maxEventTime: model.maxEventTime,
          watermark: model.watermark,
        });
        const offsets = await h.redis.hgetall(keys.offsets(deps.consumerGroup));
        expect(Object.fromEntries(Object.entries(offsets).map(([p, o]) => [p, Number(o)]))).toEqual(
          Object.fromEntries(model.applied.flatMap((o, p) => (o === null ? [] : [[String(p), o]]))),
        );
        const windowKeys = [...model.windows.keys()].map((w) => keys.window(w));
        expect(await keysMatching(`${h.prefix}:{${topic}}:win:*[0-9]`)).toEqual(windowKeys.sort());
        for (const [start, counts] of model.windows) {
          expect(await zsetOf(keys.window(start))).toEqual(Object.fromEntries(counts));
          const info = await h.redis.hgetall(keys.windowInfo(start));
          expect(Number(info.total)).toBe([...counts.values()].reduce((a, b) => a + b, 0));
          for (const key of counts.keys()) {
            expect(info[`d:${key}`]).toBe(displayOf(model.forms.get(start) ?? new Map(), key));
          }
        }
        const bucketKeys = [...model.buckets.keys()].map((b) => keys.bucket(b));
        expect(await keysMatching(`${h.prefix}:{${topic}}:bkt:*`)).toEqual(bucketKeys.sort());
        for (const [start, counts] of model.buckets) {
          expect(await zsetOf(keys.bucket(start))).toEqual(Object.fromEntries(counts));
        }
      }),
      { numRuns: 100 },
    );
  }, 120_000);
});
