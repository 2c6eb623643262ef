/**
 * The archiver against the real Kafka broker and the real folder lake: every file is read back
 * with DuckDB (not with the writer's library) and compared with what was produced.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Context } from 'aws-lambda';
import type { IssPosition } from '#contracts/iss-position.ts';
import { deadLetterTopicOf } from '#contracts/topics.ts';
import type { Tweet } from '#contracts/tweet.ts';
import { kafkaDeadLetterSink } from '#lib/dead-letter.ts';
import { folderLakeStore } from '#lib/lake/store.ts';
import type { LakeTableName } from '#lib/lake/tables.ts';
import { createLogger } from '#lib/logger.ts';
import { createMetrics } from '#lib/metrics.ts';
import { type ArchiverHandler, createArchiverHandler } from '../../functions/archiver/app.ts';
import {
  type ArchiverKafka,
  eventOf,
  type ProducedRecord,
  startArchiverKafka,
} from '../support/archiver-kafka.ts';
import { lakeFiles, parquetCodecs, parquetColumns, parquetRows, queryLake } from '../support/lake-reader.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2026, 0, 17, 9, 0, 0); // 2026-01-17T09:00Z
const context = {} as Context;

let kafka: ArchiverKafka;
let tweetsTopic: string;
let issTopic: string;
let root: string;
let archive: ArchiverHandler;
let topics: Record<LakeTableName, string>;

beforeAll(async () => {
  kafka = await startArchiverKafka();
  tweetsTopic = await kafka.createTopic('archiver-tweets', 3);
  issTopic = await kafka.createTopic('archiver-iss', 1);
  topics = { tweets: tweetsTopic, iss_positions: issTopic };
});

afterAll(async () => {
  await kafka.close();
});

beforeEach(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'lake-'));
  const producer = kafka.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  let connected: Promise<void> | undefined;
  const connect = async () => {
    connected ??= producer.connect();
    await connected;
    return producer;
  };
  archive = createArchiverHandler({
    store: folderLakeStore(root),
    tables: new Map<string, LakeTableName>([
      [tweetsTopic, 'tweets'],
      [issTopic, 'iss_positions'],
    ]),
    deadLetters: (topic) => kafkaDeadLetterSink(connect, deadLetterTopicOf(topic)),
    limits: { maxValueBytes: 16 * 1024, maxFutureSkewMs: 300_000 },
    logger: createLogger('archiver-test', 'SILENT'),
    metrics: createMetrics('archiver-test'),
  });
  cleanups.push(async () => {
    if (connected) await producer.disconnect();
    await rm(root, { recursive: true, force: true });
  });
});

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function tweetValue(i: number, eventTimeMs: number, hashtag: string | null = `#Tag${i % 3}`) {
  return JSON.stringify({
    usuario: `@user${i}`,
    texto: `tweet ${i} sobre ${hashtag ?? 'nada'} — ñandú`,
    ...(hashtag === null ? {} : { hashtag_principal: hashtag }),
    timestamp: eventTimeMs / 1000,
  });
}

async function produceTweets(partition: number, count: number, eventTime: (i: number) => number) {
  return kafka.produce(
    tweetsTopic,
    partition,
    Array.from({ length: count }, (_, i) => ({
      value: tweetValue(i, eventTime(i), i === 1 ? null : `#Tag${i % 3}`),
      timestamp: Math.round(eventTime(i)) + 500,
    })),
  );
}

/** The columns of each table's files, in order, as DuckDB types them; every table ends with the Kafka ones. */
const TZ = 'TIMESTAMP WITH TIME ZONE';
const KAFKA_TYPES = { kafka_partition: 'INTEGER', kafka_offset: 'BIGINT', kafka_timestamp: TZ };
const COLUMN_TYPES: Record<LakeTableName, Record<string, string>> = {
  tweets: {
    usuario: 'VARCHAR',
    texto: 'VARCHAR',
    hashtag_principal: 'VARCHAR',
    event_time: TZ,
    ...KAFKA_TYPES,
  },
  iss_positions: {
    latitude: 'DOUBLE',
    longitude: 'DOUBLE',
    event_time: TZ,
    source: 'VARCHAR',
    ...KAFKA_TYPES,
  },
};

/** The rows a file should hold: what each record carried, laid out by `row`, then its Kafka columns. */
function rowsAsSent<V>(records: ProducedRecord[], partition: number, row: (sent: V) => object) {
  return records.map((r) => ({
    ...row(JSON.parse(r.value.toString('utf8')) as V),
    kafka_partition: partition,
    kafka_offset: r.offset,
    kafka_timestamp: new Date(r.timestamp),
  }));
}

describe('archiver on the folder lake', () => {
  it('writes one snappy Parquet file per topic-partition whose rows and types DuckDB reads back as produced', async () => {
    const p0 = await produceTweets(0, 12, (i) => T0 + 60_000 + i * 1000.25);
    const p2 = await produceTweets(2, 5, (i) => T0 + 120_000 + i * 10);
    const iss = await kafka.produce(
      issTopic,
      0,
      [0, 1, 2].map((i) => ({
        value: JSON.stringify({
          latitude: -7.9763 + i,
          longitude: 20.0481 - i,
          timestamp: (T0 + i * 5000) / 1000,
          source: i === 2 ? 'sgp4' : 'open-notify',
        }),
        timestamp: T0 + i * 5000 + 200,
      })),
    );

    const outcome = await archive(eventOf([...p0, ...p2, ...iss]), context);

    const fileOf = (topic: string, partition: number, r: ProducedRecord[]) =>
      `topic=${topic}/date=2026-01-17/hour=09/${partition}-${r[0]?.offset}-${r.at(-1)?.offset}.parquet`;
    expect(await lakeFiles(root)).toEqual(
      [fileOf(issTopic, 0, iss), fileOf(tweetsTopic, 0, p0), fileOf(tweetsTopic, 2, p2)].sort(),
    );
    expect(outcome.files.map((f) => f.rows).sort()).toEqual([12, 3, 5].sort());

    const tweetFile = path.join(root, fileOf(tweetsTopic, 0, p0));
    expect(await parquetColumns(tweetFile)).toEqual(COLUMN_TYPES.tweets);
    expect(await parquetCodecs(tweetFile)).toEqual(['SNAPPY']);
    expect(await parquetRows(tweetFile)).toEqual(
      rowsAsSent(p0, 0, (sent: Tweet) => ({
        usuario: sent.usuario,
        texto: sent.texto,
        hashtag_principal: sent.hashtag_principal ?? null,
        // Event time is floored to the millisecond (contracts/event-time.ts), as Spark does.
        event_time: new Date(Math.floor(sent.timestamp * 1000)),
      })),
    );
    expect((await stat(tweetFile)).size).toBe(
      outcome.files.find((f) => f.key.endsWith(fileOf(tweetsTopic, 0, p0)))?.bytes,
    );

    const issFile = path.join(root, fileOf(issTopic, 0, iss));
    expect(await parquetColumns(issFile)).toEqual(COLUMN_TYPES.iss_positions);
    expect(await parquetRows(issFile)).toEqual(
      rowsAsSent(iss, 0, (sent: IssPosition) => ({
        latitude: sent.latitude,
        longitude: sent.longitude,
        event_time: new Date(sent.timestamp * 1000),
        source: sent.source,
      })),
    );
  });

  it('splits a batch that crosses an hour boundary into one file per event-time hour', async () => {
    // 09:59:57, :58, :59, 10:00:00, then a late one back in 09:59, then 10:00:02.
    const eventTimes = [-3000, -2000, -1000, 0, -500, 2000].map((d) => T0 + HOUR + d);
    const produced = await kafka.produce(
      tweetsTopic,
      1,
      eventTimes.map((eventTime, i) => ({ value: tweetValue(i, eventTime), timestamp: T0 + HOUR + 5000 })),
    );
    const offsets = produced.map((r) => r.offset);

    await archive(eventOf(produced), context);

    const o = (i: number) => offsets[i];
    expect(await lakeFiles(root)).toEqual([
      `topic=${tweetsTopic}/date=2026-01-17/hour=09/1-${o(0)}-${o(4)}.parquet`,
      `topic=${tweetsTopic}/date=2026-01-17/hour=10/1-${o(3)}-${o(5)}.parquet`,
    ]);
    const perHour = await queryLake(
      root,
      topics,
      'SELECT hour, list(kafka_offset ORDER BY kafka_offset) AS offsets FROM tweets GROUP BY hour ORDER BY hour',
    );
    expect(perHour).toEqual([
      { hour: 9, offsets: [o(0), o(1), o(2), o(4)] },
      { hour: 10, offsets: [o(3), o(5)] },
    ]);
  });

  it('leaves no duplicate rows when a batch is delivered twice, whole or cut differently', async () => {
    const produced = await produceTweets(0, 20, (i) => T0 + 2 * HOUR + i * 1000);
    const o = produced.map((r) => r.offset);

    await archive(eventOf(produced.slice(0, 10)), context);
    const afterFirst = await lakeFiles(root);
    await archive(eventOf(produced.slice(0, 10)), context); // redelivered whole: same name, overwritten
    expect(await lakeFiles(root)).toEqual(afterFirst);
    await archive(eventOf(produced.slice(5, 15)), context); // cut differently (after a rebalance)
    await archive(eventOf(produced.slice(0, 20)), context); // and again, larger
    await archive(eventOf(produced.slice(12, 13)), context); // bisected down to one record

    expect(await lakeFiles(root)).toHaveLength(4);
    const rows = await queryLake(
      root,
      topics,
      'SELECT kafka_offset, count(*) AS n FROM tweets GROUP BY 1 ORDER BY 1',
    );
    expect(rows).toEqual(o.map((offset) => ({ kafka_offset: offset, n: 1 })));
    const total = await queryLake(
      root,
      topics,
      'SELECT count(*) AS n, count(DISTINCT usuario) AS users FROM tweets',
    );
    expect(total).toEqual([{ n: 20, users: 20 }]);
  });

  it('sends records that do not fit the contract to the topic dead-letter topic with a reason, and archives the rest', async () => {
    const good = JSON.stringify({ latitude: 10, longitude: 20, timestamp: T0 / 1000, source: 'wheretheiss' });
    const produced = await kafka.produce(issTopic, 0, [
      { value: good, timestamp: T0 },
      { value: 'not json', timestamp: T0 },
      {
        value: JSON.stringify({ latitude: 91, longitude: 0, timestamp: T0 / 1000, source: 'sgp4' }),
        timestamp: T0,
      },
      {
        value: JSON.stringify({ latitude: 1, longitude: 1, timestamp: (T0 + HOUR) / 1000, source: 'sgp4' }),
        timestamp: T0,
      },
    ]);
    const tweetProduced = await kafka.produce(tweetsTopic, 2, [
      { value: Buffer.from([0xff, 0xfe, 0x00]), timestamp: T0 },
      { value: tweetValue(1, T0), timestamp: T0 },
    ]);

    const outcome = await archive(eventOf([...produced, ...tweetProduced]), context);

    expect(outcome.rejections).toEqual({
      'not-json': 1,
      'invalid-shape': 1,
      'future-event-time': 1,
      'not-utf8': 1,
    });
    const issLetters = await kafka.read(deadLetterTopicOf(issTopic), 3);
    expect(
      issLetters.map((l) => [l.headers['dlq-original-offset'], l.headers['dlq-reason']?.split(':')[0]]),
    ).toEqual([
      [String(produced[1]?.offset), 'not-json'],
      [String(produced[2]?.offset), 'invalid-shape'],
      [String(produced[3]?.offset), 'future-event-time'],
    ]);
    expect(issLetters[0]?.value?.toString('utf8')).toBe('not json');
    expect(issLetters[0]?.headers['dlq-original-topic']).toBe(issTopic);
    const tweetLetters = await kafka.read(deadLetterTopicOf(tweetsTopic), 1);
    expect(tweetLetters[0]?.headers['dlq-reason']).toMatch(/^not-utf8: /);

    const archived = await queryLake(
      root,
      topics,
      'SELECT source, kafka_offset FROM iss_positions UNION ALL SELECT usuario, kafka_offset FROM tweets ORDER BY 1',
    );
    expect(archived).toEqual([
      { source: '@user1', kafka_offset: tweetProduced[1]?.offset },
      { source: 'wheretheiss', kafka_offset: produced[0]?.offset },
    ]);
  });

  it('fails the batch, writing nothing, for records of a topic it does not archive', async () => {
    const stray = {
      ...(await produceTweets(0, 1, () => T0))[0],
      topic: 'someone-elses-topic',
    } as ProducedRecord;
    await expect(archive(eventOf([stray]), context)).rejects.toThrow(
      /someone-elses-topic.*event source mapping/,
    );
    expect(await lakeFiles(root)).toEqual([]);
  });
});
