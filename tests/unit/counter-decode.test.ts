import type { MSKEvent, MSKRecord } from 'aws-lambda';
import { type DecodeLimits, decodeTweet, decodeTweetBase64 } from '#contracts/tweet.ts';
import { MalformedEventError, partitionsOf } from '#lib/kafka-event.ts';
import { kafkaEvent, loadKafkaFixture } from '../fixtures/msk/kafka-events.ts';

const limits: DecodeLimits = { maxValueBytes: 16 * 1024, maxFutureSkewMs: 300_000 };
const kafkaTs = 1_733_940_000_000;
const bytes = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8');

describe('decoding a tweet', () => {
  it('counts hashtag_principal of the seed-era shape at its event time', () => {
    const value = bytes({
      usuario: '@SparkGuru',
      texto: 'proyecto sobre #Spark',
      hashtag_principal: '#Spark',
      timestamp: 1733940000.25,
    });
    expect(decodeTweet(value, kafkaTs, limits)).toEqual({
      ok: true,
      eventTime: 1733940000250,
      hashtags: [{ key: '#spark', form: '#Spark' }],
    });
  });

  it('falls back to every distinct #tag of texto when hashtag_principal is missing, null or empty', () => {
    for (const principal of [undefined, null, '']) {
      const value = bytes({
        usuario: '@a',
        texto: '#Kafka y #Redis y #kafka',
        hashtag_principal: principal,
        timestamp: 1,
      });
      const decoded = decodeTweet(value, kafkaTs, limits);
      expect(decoded.ok && decoded.hashtags.map((h) => h.key)).toEqual(['#kafka', '#redis']);
    }
  });

  it.each([
    ['no-value', null],
    ['too-large', Buffer.alloc(16 * 1024 + 1, 0x61)],
    ['not-utf8', Buffer.from([0x7b, 0xff, 0xfe, 0x7d])],
    ['not-utf8', Buffer.from([0xed, 0xa0, 0x80])], // an encoded surrogate
    ['not-json', bytes('{"usuario": ')],
    ['invalid-shape', bytes('[1,2,3]')],
    ['invalid-shape', bytes({ usuario: 1, texto: '#a', timestamp: 1 })],
    ['invalid-shape', bytes({ usuario: '@a', texto: '#a', timestamp: '1733940000' })],
    ['invalid-shape', bytes({ usuario: '@a', texto: '#a', hashtag_principal: 7, timestamp: 1 })],
    ['invalid-shape', bytes({ usuario: '@a', texto: '#a' })],
    ['invalid-event-time', bytes({ usuario: '@a', texto: '#a', timestamp: -5 })],
    ['invalid-shape', bytes('{"usuario":"@a","texto":"#a","timestamp":1e400}')], // Infinity
    ['invalid-event-time', bytes({ usuario: '@a', texto: '#a', timestamp: 0 })],
    ['future-event-time', bytes({ usuario: '@a', texto: '#a', timestamp: (kafkaTs + 300_001) / 1000 })],
    [
      'invalid-hashtag',
      bytes({ usuario: '@a', texto: '#a', hashtag_principal: '#a\r\nFLUSHALL', timestamp: 1 }),
    ],
    ['no-hashtag', bytes({ usuario: '@a', texto: 'nada', timestamp: 1 })],
  ])('rejects with reason %s', (code, value) => {
    const decoded = decodeTweet(value, kafkaTs, limits);
    expect(decoded).toMatchObject({ ok: false, code });
    expect(!decoded.ok && decoded.reason.startsWith(`${code}: `)).toBe(true);
  });

  it('ignores __proto__ and constructor keys without polluting any prototype', () => {
    const value = bytes(
      '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},"usuario":"@a","texto":"#x","timestamp":1733940000}',
    );
    const decoded = decodeTweet(value, kafkaTs, limits);
    expect(decoded).toMatchObject({ ok: true, hashtags: [{ key: '#x' }] });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('decodes a base64 value exactly as its bytes, one after the other', () => {
    const values = [
      bytes({ usuario: '@a', texto: '#Uno', timestamp: 1 }),
      Buffer.from([0xff]),
      bytes('{"x":'),
    ];
    for (const value of values) {
      expect(decodeTweetBase64(value.toString('base64'), kafkaTs, limits)).toEqual(
        decodeTweet(value, kafkaTs, limits),
      );
    }
    // Base64 as Buffer reads it but not canonical: line breaks, no padding, the URL alphabet.
    const tweetBase64 = bytes({ usuario: '@a>', texto: '#Uno?', timestamp: 1 }).toString('base64');
    for (const variant of [
      `${tweetBase64.slice(0, 8)}\n${tweetBase64.slice(8)}`,
      tweetBase64.replace(/=+$/, ''),
      tweetBase64.replaceAll('+', '-').replaceAll('/', '_'),
      `${tweetBase64.slice(0, 8)}*${tweetBase64.slice(8)}`,
    ]) {
      expect(decodeTweetBase64(variant, kafkaTs, limits)).toEqual(
        decodeTweet(Buffer.from(variant, 'base64'), kafkaTs, limits),
      );
    }
    expect(decodeTweetBase64(null, kafkaTs, limits)).toMatchObject({ code: 'no-value' });
    const big = Buffer.alloc(limits.maxValueBytes + 1, 0x61).toString('base64');
    expect(decodeTweetBase64(big, kafkaTs, limits)).toMatchObject({ code: 'too-large' });
  });

  it('accepts an event time up to the allowed skew after the Kafka timestamp', () => {
    const value = bytes({ usuario: '@a', texto: '#a', timestamp: (kafkaTs + 300_000) / 1000 });
    expect(decodeTweet(value, kafkaTs, limits)).toMatchObject({ ok: true, eventTime: kafkaTs + 300_000 });
  });
});

describe('reading the Lambda Kafka event', () => {
  it.each(['msk', 'self-managed-kafka'] as const)(
    'reads the documented %s event record by record',
    (source) => {
      const partitions = partitionsOf(loadKafkaFixture(source, 'single-record'));
      expect(partitions).toHaveLength(1);
      expect(partitions[0]).toMatchObject({ topic: 'mytopic', partition: 0 });
      expect(partitions[0]?.records[0]).toMatchObject({
        offset: 15,
        timestamp: 1545084650987,
        value: 'SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==',
        headers: [{ headerKey: [104, 101, 97, 100, 101, 114, 86, 97, 108, 117, 101] }],
      });
    },
  );

  it.each(['msk', 'self-managed-kafka'] as const)(
    'groups the typical %s batch by partition in offset order and decodes every tweet',
    (source) => {
      const partitions = partitionsOf(loadKafkaFixture(source, 'typical-batch'));
      expect(partitions.map((p) => p.partition)).toEqual([0, 1, 2]);
      expect(partitions.reduce((n, p) => n + p.records.length, 0)).toBe(100);
      for (const p of partitions) {
        const offsets = p.records.map((r) => r.offset);
        expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
        for (const r of p.records) {
          expect(decodeTweet(Buffer.from(r.value ?? '', 'base64'), r.timestamp, limits).ok).toBe(true);
        }
      }
    },
  );

  it('sorts partitions and offsets even when the event lists them out of order', () => {
    const event = kafkaEvent('msk', [
      { topic: 't', partition: 2, offset: 9, value: 'x' },
      { topic: 't', partition: 0, offset: 5, value: 'x' },
      { topic: 't', partition: 2, offset: 3, value: 'x' },
    ]);
    expect(partitionsOf(event).map((p) => [p.partition, p.records.map((r) => r.offset)])).toEqual([
      [0, [5]],
      [2, [3, 9]],
    ]);
  });

  it('keeps apart records of two topics with the same partition number, however they interleave', () => {
    const event = kafkaEvent('msk', [
      { topic: 'a', partition: 0, offset: 1, value: 'x' },
      { topic: 'b', partition: 0, offset: 7, value: 'x' },
    ]);
    const [a, b] = Object.values(event.records).map((list) => list[0]) as MSKRecord[];
    event.records = { mixed: [a, b, { ...a, offset: 2 }, { ...b, offset: 8 }] as MSKRecord[] };
    expect(partitionsOf(event).map((p) => [p.topic, p.partition, p.records.map((r) => r.offset)])).toEqual([
      ['a', 0, [1, 2]],
      ['b', 0, [7, 8]],
    ]);
  });

  it('reads a records object without a prototype like any other', () => {
    const event = loadKafkaFixture('msk', 'single-record');
    event.records = Object.assign(Object.create(null), event.records);
    expect(partitionsOf(event)[0]?.records[0]).toMatchObject({ topic: 'mytopic', offset: 15 });
  });

  it.each([
    ['no event', null, /not a Kafka event/],
    ['an array', [], /not a Kafka event/],
    ['an unknown event source', { eventSource: 'aws:sqs', records: {} }, /not a Kafka event.*eventSource/s],
    ['records that are a list', { eventSource: 'aws:kafka', records: [] }, /not a Kafka event.*records/s],
    [
      'a group that is not a list',
      { eventSource: 'aws:kafka', records: { 't-0': {} } },
      /not a Kafka event.*t-0/s,
    ],
  ])('refuses %s as not a Kafka event, naming the problem', (_what, event, message) => {
    expect(() => partitionsOf(event as unknown as MSKEvent)).toThrow(MalformedEventError);
    expect(() => partitionsOf(event as unknown as MSKEvent)).toThrow(message);
  });

  it('refuses an event that is not a Kafka event, naming the problem', () => {
    const event = structuredClone(loadKafkaFixture('msk', 'single-record'));
    (event.records['mytopic-0']?.[0] as unknown as Record<string, unknown>).offset = 'fifteen';
    expect(() => partitionsOf(event)).toThrow(/malformed record under "mytopic-0".*offset/s);
  });
});
