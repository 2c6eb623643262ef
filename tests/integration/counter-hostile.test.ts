/**
 * Hostile records: whatever a producer puts into a record, no record-level error escapes the
 * counter, good records around it are counted, and every bad one reaches the dead-letter topic
 * with its original bytes and a reason.
 */
import fc from 'fast-check';
import { DLQ_HEADERS, MAX_DEAD_LETTER_VALUE_BYTES } from '#lib/dead-letter.ts';
import { readCounterStats, readTopHashtags } from '#state/windows/index.ts';
import { countBatch } from '../../functions/hashtag-counter/count-batch.ts';
import { type Harness, startHarness } from '../fixtures/msk/harness.ts';
import { kafkaEvent, type RecordSpec, tweet } from '../fixtures/msk/kafka-events.ts';

const T = Date.now() - 5_000;
const json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');
const raw = (text: string) => Buffer.from(text, 'utf8');

const oneMegabyte = 'x'.repeat(1_000_000);
const hostile: Array<[what: string, value: Buffer | null, reason: string]> = [
  ['a tombstone', null, 'no-value'],
  ['invalid UTF-8', Buffer.from([0xc3, 0x28, 0x7b, 0x7d]), 'not-utf8'],
  ['an overlong UTF-8 slash', Buffer.from([0x22, 0xc0, 0xaf, 0x22]), 'not-utf8'],
  ['UTF-16 with a BOM', Buffer.from('\ufeff{"a":1}', 'utf16le'), 'not-utf8'],
  ['a 1 MB string', raw(oneMegabyte), 'too-large'],
  ['a 1 MB texto', json({ ...tweet('#big', T), texto: oneMegabyte.slice(0, 999_900) }), 'too-large'],
  ['an empty value', raw(''), 'not-json'],
  ['truncated JSON', raw('{"usuario":"@a","texto":"#a"'), 'not-json'],
  ['a JSON number', raw('42'), 'invalid-shape'],
  ['a JSON null', raw('null'), 'invalid-shape'],
  ['a JSON array', json([tweet('#arr', T)]), 'invalid-shape'],
  ['texto as a number', json({ ...tweet('#a', T), texto: 5 }), 'invalid-shape'],
  ['timestamp as a string', json({ ...tweet('#a', T), timestamp: String(T / 1000) }), 'invalid-shape'],
  [
    'hashtag_principal as an object',
    json({ ...tweet('#a', T), hashtag_principal: { toString: '#a' } }),
    'invalid-shape',
  ],
  [
    'only __proto__ and constructor',
    raw('{"__proto__":{"usuario":"@a","texto":"#evil","timestamp":1},"constructor":{"prototype":{"x":1}}}'),
    'invalid-shape',
  ],
  ['a Redis protocol injection', json(tweet('#a\r\n*1\r\n$8\r\nFLUSHALL\r\n', T)), 'invalid-hashtag'],
  ['a hash-tag breaking key', json(tweet('#}{other', T)), 'invalid-hashtag'],
  ['glob characters', json(tweet('#*?[a]', T)), 'invalid-hashtag'],
  ['a NUL byte', json(tweet('#a\u0000b', T)), 'invalid-hashtag'],
  ['an escape sequence', json(tweet('#\u001b[31mred', T)), 'invalid-hashtag'],
  ['a 101-emoji hashtag', json(tweet(`#${'🚀'.repeat(101)}`, T)), 'invalid-hashtag'],
  ['no hashtag anywhere', json({ usuario: '@a', texto: 'nada de nada', timestamp: T / 1000 }), 'no-hashtag'],
  ['a time in milliseconds', json({ ...tweet('#ms', T), timestamp: T }), 'future-event-time'],
  ['a negative time', json({ ...tweet('#neg', T), timestamp: -1 }), 'invalid-event-time'],
];

const good: Array<[value: Buffer, hashtag: string]> = [
  [json(tweet('#Spark', T)), '#Spark'],
  [json(tweet('#🚀', T)), '#🚀'],
  [json(tweet('#👩🏽‍🚀', T)), '#👩🏽‍🚀'],
  [json(tweet('#東京', T)), '#東京'],
  [
    raw(
      `{"__proto__":{"hashtag_principal":"#evil"},"constructor":1,"usuario":"@a","texto":"x","hashtag_principal":"#Proto","timestamp":${T / 1000}}`,
    ),
    '#Proto',
  ],
  [json(tweet(undefined, T, 'texto with #ok\r\nFLUSHALL and *{x}')), '#ok'],
];

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

describe('hostile records', () => {
  it('counts the good records and dead-letters every bad one with its reason and bytes', async () => {
    const deps = h.deps();
    const fuzz = fc.sample(fc.uint8Array({ minLength: 0, maxLength: 96 }), { seed: 4242, numRuns: 150 });
    const specs: RecordSpec[] = [];
    const expectedLetters = new Map<number, { reason: string; value: Buffer | null }>();
    let offset = 0;
    const add = (value: Buffer | null, reason?: string) => {
      specs.push({ topic: 'hostile', partition: offset % 2, offset, value, timestamp: T });
      if (reason) expectedLetters.set(offset, { reason, value });
      offset += 1;
    };
    for (const [i, [, value, reason]] of hostile.entries()) {
      add(value, reason);
      const goodOne = good[i % good.length];
      if (goodOne) add(goodOne[0]);
    }
    for (const bytes of fuzz) add(Buffer.from(bytes), 'any');

    const outcome = await countBatch(kafkaEvent('self-managed-kafka', specs), deps);

    const stats = await readCounterStats(h.redis, deps.settings, 'hostile');
    expect(stats).toEqual({
      accepted: hostile.length,
      late: 0,
      duplicate: 0,
      rejected: expectedLetters.size,
    });
    expect(outcome.deadLetters).toBe(expectedLetters.size);

    const top = await readTopHashtags(h.redis, deps.settings, {
      topic: 'hostile',
      view: 'tumbling',
      limit: 50,
    });
    const counted = Object.fromEntries(top.hashtags.map((x) => [x.hashtag, x.count]));
    const expectedCounts: Record<string, number> = {};
    hostile.forEach((_, i) => {
      const tag = good[i % good.length]?.[1] as string;
      expectedCounts[tag] = (expectedCounts[tag] ?? 0) + 1;
    });
    expect(counted).toEqual(expectedCounts);

    const letters = await h.readTopic(h.deadLetterTopic);
    // Exactly the bad records' offsets, each once.
    const offsets = letters.map((letter) => Number(letter.headers[DLQ_HEADERS.offset]));
    expect(offsets.sort((a, b) => a - b)).toEqual([...expectedLetters.keys()].sort((a, b) => a - b));
    for (const letter of letters) {
      expect(letter.headers[DLQ_HEADERS.topic]).toBe('hostile');
      const at = Number(letter.headers[DLQ_HEADERS.offset]);
      const expected = expectedLetters.get(at);
      if (!expected) throw new Error(`dead letter for offset ${at}, which held no bad record`);
      expect(Number(letter.headers[DLQ_HEADERS.partition])).toBe(at % 2);
      const reason = letter.headers[DLQ_HEADERS.reason] ?? '';
      if (expected.reason !== 'any') expect(reason).toMatch(new RegExp(`^${expected.reason}: `));
      else expect(reason).toMatch(/^(not-utf8|not-json|invalid-shape|no-value): /);
      // Values above the dead-letter limit arrive cut to it (the next test is about that).
      const sent = expected.value ?? Buffer.alloc(0);
      expect(letter.value ?? Buffer.alloc(0)).toEqual(sent.subarray(0, MAX_DEAD_LETTER_VALUE_BYTES));
    }

    // Nothing a record held became a key: every key under the prefix follows the schema.
    const keys = await h.redis.keys(`${h.prefix}:*`);
    for (const key of keys) {
      expect(key.slice(h.prefix.length)).toMatch(
        /^:\{hostile\}:(meta|stats|offsets:group-[\w-]+|(win|bkt):\d+(:info)?)$/,
      );
    }
    expect(Object.prototype).not.toHaveProperty('usuario');
    expect(Object.prototype).not.toHaveProperty('x');
  }, 60_000);
  it('dead-letters a record at the broker size limit with its value cut, and counts the rest', async () => {
    const deps = h.deps();
    // The largest value the source topic accepts (max.message.bytes 1 MiB, minus batch overhead):
    // with the dead-letter headers added it would not fit in the dead-letter topic whole.
    const huge = Buffer.alloc(1_048_500, 'x');
    const specs: RecordSpec[] = [
      { topic: 'hostile-huge', partition: 0, offset: 0, value: huge, timestamp: T },
      { topic: 'hostile-huge', partition: 0, offset: 1, value: json(tweet('#After', T)), timestamp: T },
    ];

    await countBatch(kafkaEvent('self-managed-kafka', specs), deps);

    const letters = (await h.readTopic(h.deadLetterTopic)).filter(
      (l) => l.headers[DLQ_HEADERS.topic] === 'hostile-huge',
    );
    expect(letters).toHaveLength(1);
    expect(letters[0]?.headers[DLQ_HEADERS.reason]).toMatch(/^too-large: /);
    expect(letters[0]?.headers[DLQ_HEADERS.offset]).toBe('0');
    expect(letters[0]?.headers[DLQ_HEADERS.valueBytes]).toBe('1048500');
    expect(letters[0]?.value).toEqual(huge.subarray(0, MAX_DEAD_LETTER_VALUE_BYTES));
    expect(await readCounterStats(h.redis, deps.settings, 'hostile-huge')).toMatchObject({
      accepted: 1,
      rejected: 1,
    });
  });
});
