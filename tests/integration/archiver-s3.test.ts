/**
 * The archiver writing to a real S3 server on loopback (moto, tests/support/s3-server.ts) through
 * the AWS SDK, and `npm run sql`'s path for an S3 lake: the objects copied locally and queried.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HeadObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { Context } from 'aws-lambda';
import { deadLetterTopicOf } from '#contracts/topics.ts';
import { kafkaDeadLetterSink } from '#lib/dead-letter.ts';
import { PARQUET_CONTENT_TYPE, s3LakeStore } from '#lib/lake/store.ts';
import type { LakeTableName } from '#lib/lake/tables.ts';
import { createLogger } from '#lib/logger.ts';
import { createMetrics } from '#lib/metrics.ts';
import { type ArchiverHandler, createArchiverHandler } from '../../functions/archiver/app.ts';
import { runLakeQuery } from '../../tooling/sql/query.ts';
import { mirrorS3Lake } from '../../tooling/sql/s3-mirror.ts';
import { type ArchiverKafka, eventOf, startArchiverKafka } from '../support/archiver-kafka.ts';
import { parquetRows } from '../support/lake-reader.ts';
import { type S3Server, startS3Server } from '../support/s3-server.ts';

const T0 = Date.UTC(2026, 0, 17, 23, 59, 58); // a batch across midnight: two dates
const context = {} as Context;

let s3: S3Server;
let kafka: ArchiverKafka;
let bucket: string;
let tweetsTopic: string;
let issTopic: string;
let archive: ArchiverHandler;
let cache: string;

beforeAll(async () => {
  [s3, kafka] = await Promise.all([startS3Server(), startArchiverKafka()]);
  bucket = await s3.createBucket('lake-test');
  tweetsTopic = await kafka.createTopic('archiver-s3-tweets', 1);
  issTopic = await kafka.createTopic('archiver-s3-iss', 1);
  const producer = kafka.kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  const connected = producer.connect();
  archive = createArchiverHandler({
    store: s3LakeStore(s3.client, bucket, 'lake/v1'),
    tables: new Map<string, LakeTableName>([
      [tweetsTopic, 'tweets'],
      [issTopic, 'iss_positions'],
    ]),
    deadLetters: (topic) =>
      kafkaDeadLetterSink(async () => {
        await connected;
        return producer;
      }, deadLetterTopicOf(topic)),
    limits: { maxValueBytes: 16 * 1024, maxFutureSkewMs: 300_000 },
    logger: createLogger('archiver-test', 'SILENT'),
    metrics: createMetrics('archiver-test'),
  });
  cache = await mkdtemp(path.join(tmpdir(), 'lake-s3-'));
  cleanup = async () => {
    await connected;
    await producer.disconnect();
  };
});

let cleanup: () => Promise<void> = async () => undefined;
afterAll(async () => {
  await cleanup();
  await Promise.all([
    s3?.stop(),
    kafka?.close(),
    cache ? rm(cache, { recursive: true, force: true }) : undefined,
  ]);
});

async function keys(): Promise<string[]> {
  const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket }));
  return (listed.Contents ?? []).map((o) => o.Key ?? '').sort();
}

describe('archiver on S3', () => {
  it('puts one Parquet object per partition and date-hour under the prefix, and a redelivery overwrites them', async () => {
    const positions = await kafka.produce(
      issTopic,
      0,
      [0, 1, 2, 3].map((i) => ({
        value: JSON.stringify({
          latitude: i,
          longitude: -i,
          timestamp: (T0 + i * 1000) / 1000,
          source: 'open-notify',
        }),
        timestamp: T0 + i * 1000,
      })),
    );
    const [a, b, c, d] = positions.map((p) => p.offset);

    await archive(eventOf(positions), context);
    await archive(eventOf(positions, 'self-managed-kafka'), context);

    expect(await keys()).toEqual([
      `lake/v1/topic=${issTopic}/date=2026-01-17/hour=23/0-${a}-${b}.parquet`,
      `lake/v1/topic=${issTopic}/date=2026-01-18/hour=00/0-${c}-${d}.parquet`,
    ]);
    const head = await s3.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'lake/v1/' }));
    expect(head.KeyCount).toBe(2);

    const mirror = await mirrorS3Lake(s3.client, bucket, 'lake/v1', cache);
    expect(mirror).toMatchObject({ files: 2, downloaded: 2 });
    const rows = await parquetRows(
      path.join(mirror.root, `topic=${issTopic}/date=2026-01-18/hour=00/0-${c}-${d}.parquet`),
    );
    expect(rows.map((r) => [r.latitude, r.longitude, r.source, r.kafka_offset])).toEqual([
      [2, -2, 'open-notify', c],
      [3, -3, 'open-notify', d],
    ]);
    expect((await mirrorS3Lake(s3.client, bucket, 'lake/v1', cache)).downloaded).toBe(0);
  });

  it('answers SQL over the copied S3 lake through the views', async () => {
    const tweets = await kafka.produce(
      tweetsTopic,
      0,
      ['#Spark', '#Kafka', '#Spark'].map((tag, i) => ({
        value: JSON.stringify({
          usuario: '@u',
          texto: `sobre ${tag}`,
          hashtag_principal: tag,
          timestamp: (T0 + i) / 1000,
        }),
        timestamp: T0 + i,
      })),
    );
    await archive(eventOf(tweets), context);

    const mirror = await mirrorS3Lake(s3.client, bucket, 'lake/v1', cache);
    const result = await runLakeQuery(
      mirror.root,
      { tweets: tweetsTopic, iss_positions: issTopic },
      'SELECT hashtag_principal, count(*) AS n FROM tweets GROUP BY 1 ORDER BY 2 DESC',
    );
    expect(result).toEqual({
      columns: ['hashtag_principal', 'n'],
      rows: [
        ['#Spark', 2],
        ['#Kafka', 1],
      ],
    });
    const objects = await s3.client.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: `lake/v1/topic=${tweetsTopic}/` }),
    );
    expect(objects.KeyCount).toBe(1);
    const head = await s3.client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: objects.Contents?.[0]?.Key }),
    );
    expect(head.ContentType).toBe(PARQUET_CONTENT_TYPE);
  });
});
