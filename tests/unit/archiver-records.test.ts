import type { KafkaRecordRef } from '#lib/kafka-event.ts';
import { LakeConfigError, loadLakeConfig } from '#lib/lake/config.ts';
import { lakeFileKey } from '#lib/lake/layout.ts';
import { issPositionRow, tweetRow } from '../../functions/archiver/records.ts';
import { formatJsonLines, formatTable } from '../../tooling/sql/format.ts';

const limits = { maxValueBytes: 1024, maxFutureSkewMs: 300_000 };
const T = Date.UTC(2026, 0, 17, 9, 30);

function record(value: string | Buffer | null, offset = 7, timestamp = T): KafkaRecordRef {
  const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
  return {
    topic: 't',
    partition: 2,
    offset,
    timestamp,
    key: null,
    value: bytes?.toString('base64') ?? null,
    headers: [],
  };
}

describe('lake file keys', () => {
  it('names a file by topic, UTC date and hour of its event time, partition and offsets', () => {
    const key = lakeFileKey({
      topic: 'iss-positions',
      partition: 0,
      hourOf: Date.UTC(2026, 0, 5, 7, 59, 59, 999),
      firstOffset: 10,
      lastOffset: 42,
    });
    expect(key).toBe('topic=iss-positions/date=2026-01-05/hour=07/0-10-42.parquet');
  });
});

describe('archiver rows', () => {
  it('keeps a tweet as written, with a null hashtag_principal when it has none', () => {
    const out = tweetRow(
      record(JSON.stringify({ usuario: '@a', texto: 'sin etiqueta', timestamp: T / 1000 + 0.25 })),
      limits,
    );
    expect(out).toEqual({
      ok: true,
      eventTime: T + 250,
      row: {
        usuario: '@a',
        texto: 'sin etiqueta',
        hashtag_principal: null,
        event_time: T + 250,
        kafka_partition: 2,
        kafka_offset: 7,
        kafka_timestamp: T,
      },
    });
  });

  it.each([
    ['no-value', null],
    ['too-large', 'x'.repeat(2000)],
    ['not-utf8', Buffer.from([0xc3, 0x28])],
    ['not-json', '{'],
    ['invalid-shape', JSON.stringify({ usuario: 1, texto: 'x', timestamp: 1 })],
    ['invalid-event-time', JSON.stringify({ usuario: '@a', texto: 'x', timestamp: -5 })],
    ['future-event-time', JSON.stringify({ usuario: '@a', texto: 'x', timestamp: T / 1000 + 301 })],
  ])('rejects a tweet record as %s', (code, value) => {
    const out = tweetRow(record(value), limits);
    expect(out).toMatchObject({ ok: false, code });
    expect(out.ok ? '' : out.reason).toMatch(new RegExp(`^${code}: .+`));
  });

  it('rejects a position outside the contract and keeps a valid one as doubles', () => {
    expect(
      issPositionRow(
        record(JSON.stringify({ latitude: 0, longitude: 181, timestamp: T / 1000, source: 'sgp4' })),
        limits,
      ),
    ).toMatchObject({ ok: false, code: 'invalid-shape' });
    expect(
      issPositionRow(
        record(JSON.stringify({ latitude: 51, longitude: -0.5, timestamp: T / 1000, source: 'wheretheiss' })),
        limits,
      ),
    ).toMatchObject({
      ok: true,
      row: { latitude: 51, longitude: -0.5, source: 'wheretheiss', event_time: T },
    });
  });
});

describe('lake configuration', () => {
  it('defaults to the .data/lake folder', () => {
    expect(loadLakeConfig({})).toEqual({ kind: 'folder', dir: '.data/lake' });
  });

  it('uses S3 when a bucket is set, with the endpoint and a prefix without slashes', () => {
    expect(
      loadLakeConfig({
        ARCHIVE_BUCKET: 'my-lake',
        ARCHIVE_PREFIX: '/raw/',
        ARCHIVE_S3_ENDPOINT: 'http://127.0.0.1:4566',
        AWS_REGION: 'eu-west-1',
      }),
    ).toEqual({
      kind: 's3',
      bucket: 'my-lake',
      prefix: 'raw',
      endpoint: 'http://127.0.0.1:4566',
      region: 'eu-west-1',
    });
  });

  it('names every invalid variable at once', () => {
    expect(() => loadLakeConfig({ ARCHIVE_BUCKET: 'Bad_Bucket', ARCHIVE_S3_ENDPOINT: 'not a url' })).toThrow(
      LakeConfigError,
    );
    expect(() => loadLakeConfig({ ARCHIVE_BUCKET: 'Bad_Bucket', ARCHIVE_S3_ENDPOINT: 'not a url' })).toThrow(
      /ARCHIVE_BUCKET[\s\S]*ARCHIVE_S3_ENDPOINT/,
    );
  });
});

describe('sql output', () => {
  it('prints an aligned table with numbers right-aligned and NULLs named', () => {
    expect(
      formatTable(
        ['source', 'n'],
        [
          ['open-notify', 12],
          [null, 3],
        ],
      ),
    ).toBe(
      ['source      |  n', '------------+---', 'open-notify | 12', 'NULL        |  3', '(2 rows)'].join('\n'),
    );
  });

  it('prints JSON lines with --json', () => {
    expect(
      formatJsonLines(
        ['a', 'b'],
        [
          [1, 'x'],
          [null, 'y'],
        ],
      ),
    ).toBe('{"a":1,"b":"x"}\n{"a":null,"b":"y"}');
  });
});
