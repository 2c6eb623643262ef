/**
 * `archiver` (Kafka event source mappings on `tweets_topic` and `iss-positions`): writes every
 * batch to the lake as Parquet, one file per topic-partition and event-time hour (app.ts).
 * The lake is a folder (`ARCHIVE_DIR`) or S3 (`ARCHIVE_BUCKET`), see lib/lake/config.ts.
 */
import { deadLetterTopicOf } from '#contracts/topics.ts';
import { DEFAULT_MAX_VALUE_BYTES } from '#contracts/tweet.ts';
import { loadConfig } from '#lib/config.ts';
import { type DeadLetterSink, kafkaDeadLetterSink } from '#lib/dead-letter.ts';
import { closingAfterLocalInvoke } from '#lib/invoke-local.ts';
import { disconnectSharedProducer, getSharedProducer } from '#lib/kafka.ts';
import { lakeStoreFor, loadLakeConfig } from '#lib/lake/config.ts';
import type { LakeTableName } from '#lib/lake/tables.ts';
import { createLogger } from '#lib/logger.ts';
import { createMetrics } from '#lib/metrics.ts';
import { createArchiverHandler } from './app.ts';

const config = loadConfig();
const logger = createLogger('archiver', config.logLevel);
const metrics = createMetrics('archiver');
const store = lakeStoreFor(loadLakeConfig());

const tables = new Map<string, LakeTableName>([
  [config.topics.tweets, 'tweets'],
  [config.topics.iss, 'iss_positions'],
]);
const producer = () => getSharedProducer(config, logger);
const sinks = new Map<string, DeadLetterSink>([
  [config.topics.tweets, kafkaDeadLetterSink(producer, config.topics.deadLetter)],
  [config.topics.iss, kafkaDeadLetterSink(producer, deadLetterTopicOf(config.topics.iss))],
]);

export const handler = closingAfterLocalInvoke(
  config.invokeLocal,
  createArchiverHandler({
    store,
    tables,
    deadLetters: (topic) => {
      const sink = sinks.get(topic);
      if (sink === undefined) throw new Error(`no dead-letter topic for ${topic}`);
      return sink;
    },
    limits: {
      maxValueBytes: DEFAULT_MAX_VALUE_BYTES,
      maxFutureSkewMs: config.windows.maxFutureSkewSeconds * 1000,
    },
    logger,
    metrics,
  }),
  disconnectSharedProducer,
);
