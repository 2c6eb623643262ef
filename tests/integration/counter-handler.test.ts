/**
 * The Lambda handler as AWS invokes it: the documented MSK and self-managed Kafka events, the
 * handler built as handler.ts builds it (middy, logger, metrics, dead-letter sink) on real Redis
 * and Kafka, the local failure switch, logs and metrics.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { DEFAULT_MAX_VALUE_BYTES } from '#contracts/tweet.ts';
import { kafkaDeadLetterSink } from '#lib/dead-letter.ts';
import { createLogger } from '#lib/logger.ts';
import { createMetrics } from '#lib/metrics.ts';
import { readCounterStats, readTopHashtags, type WindowSettings } from '#state/windows/index.ts';
import { createHashtagCounterHandler } from '../../functions/hashtag-counter/app.ts';
import { BROKERS, REDIS_URL } from '../fixtures/msk/harness.ts';
import { deleteKeysWithPrefix, loadKafkaFixture } from '../fixtures/msk/kafka-events.ts';
import { lambdaContext } from '../support/lambda.ts';

const id = randomUUID();
const prefix = `test-${id}`;
const dlqTopic = `counter-handler-dlq-${id}`;
const switchKey = `${prefix}:fail-next-batch`;
const settings: WindowSettings = {
  keyPrefix: prefix,
  windowSeconds: 60,
  slideSeconds: 10,
  allowedLatenessSeconds: 60,
  retentionSeconds: 3600,
};
const context = lambdaContext('trending-hashtags-local-hashtag-counter');

const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
const kafka = new Kafka({ clientId: `counter-handler-${id}`, brokers: BROKERS, logLevel: logLevel.NOTHING });
const admin = kafka.admin();
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
const handler = createHashtagCounterHandler({
  redis: async () => redis,
  settings,
  consumerGroup: `group-${id}`,
  deadLetters: kafkaDeadLetterSink(async () => producer, dlqTopic),
  limits: { maxValueBytes: DEFAULT_MAX_VALUE_BYTES, maxFutureSkewMs: 300_000 },
  failureSwitchKey: switchKey,
  logger: createLogger('hashtag-counter', 'INFO'),
  metrics: createMetrics('hashtag-counter'),
});
let output: string[] = [];

beforeAll(async () => {
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: dlqTopic, numPartitions: 1 }], waitForLeaders: true });
  await producer.connect();
});

beforeEach(() => {
  output = [];
  // Capture the JSON log lines (Powertools writes info to stdout and errors to stderr).
  for (const stream of [process.stdout, process.stderr]) {
    jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
      output.push(String(chunk));
      return true;
    });
  }
});

afterEach(() => {
  jest.restoreAllMocks();
});

afterAll(async () => {
  await producer.disconnect();
  await deleteKeysWithPrefix(redis, prefix);
  await admin.deleteTopics({ topics: [dlqTopic] }).catch(() => undefined);
  await admin.disconnect();
  redis.disconnect();
});

const jsonLines = () =>
  output
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('hashtag-counter handler', () => {
  it('counts the documented typical MSK batch and logs the batch with its context and metrics', async () => {
    await handler(loadKafkaFixture('msk', 'typical-batch'), context);

    expect(await readCounterStats(redis, settings, 'mytopic')).toEqual({
      accepted: 100,
      late: 0,
      duplicate: 0,
      rejected: 0,
    });
    const top = await readTopHashtags(redis, settings, {
      topic: 'mytopic',
      view: 'tumbling',
      limit: 3,
      at: 1545084650987,
    });
    expect(top.totals.count).toBeGreaterThan(0);

    const lines = jsonLines();
    const counted = lines.find((l) => l.message === 'batch counted');
    expect(counted).toMatchObject({
      level: 'INFO',
      service: 'hashtag-counter',
      function_request_id: context.awsRequestId,
      batch: { records: 100, topicPartitions: ['mytopic-0@15..48', 'mytopic-1@15..47', 'mytopic-2@15..47'] },
      topics: { mytopic: { records: 100, accepted: 100, late: 0, duplicate: 0, rejected: 0 } },
    });
    const emf = lines.find((l) => '_aws' in l) as Record<string, unknown>;
    expect(emf).toMatchObject({
      RecordsIn: 100,
      RecordsAccepted: 100,
      RecordsDuplicate: 0,
      DeadLetterWrites: 0,
    });
    expect(typeof emf.BatchLatency).toBe('number');
  });

  // In order: the same 100 records again, then the maximum batch that holds them among 10,000.
  it.each([
    [
      'treats the same records delivered as a self-managed Kafka event as duplicates',
      'typical-batch',
      100,
      100,
    ],
    [
      'counts a maximum-size batch of 10,000 records, skipping the ones already applied',
      'maximum-batch',
      10_000,
      200,
    ],
  ] as const)('%s', async (_title, fixture, accepted, duplicate) => {
    await handler(loadKafkaFixture('self-managed-kafka', fixture), context);

    expect(await readCounterStats(redis, settings, 'mytopic')).toEqual({
      accepted,
      late: 0,
      duplicate,
      rejected: 0,
    });
  });

  it('dead-letters the documented single record (its value is not a tweet) and succeeds', async () => {
    const event = structuredClone(loadKafkaFixture('msk', 'single-record'));
    const record = event.records['mytopic-0']?.[0];
    if (record) record.offset = 1_000_000;

    await handler(event, context);

    expect((await readCounterStats(redis, settings, 'mytopic')).rejected).toBe(1);
    const emf = jsonLines().find((l) => '_aws' in l);
    expect(emf).toMatchObject({ RecordsIn: 1, RecordsRejected: 1, DeadLetterWrites: 1 });
  });

  it('fails exactly one batch after applying it when the local failure switch is set, and the retry does not count it twice', async () => {
    const event = structuredClone(loadKafkaFixture('msk', 'single-record'));
    const record = event.records['mytopic-0']?.[0];
    if (record) {
      record.offset = 2_000_000;
      record.timestamp += 2_500_000; // after the maximum batch, so not late
      record.value = Buffer.from(
        JSON.stringify({
          usuario: '@a',
          texto: 't',
          hashtag_principal: '#Retry',
          timestamp: record.timestamp / 1000,
        }),
      ).toString('base64');
    }
    await redis.set(switchKey, '1');

    await expect(handler(structuredClone(event), context)).rejects.toThrow(/local failure switch/);
    expect(await redis.exists(switchKey)).toBe(0);
    // The switch fires once the counts are in: the record is counted, but Lambda sees a failure.
    expect((await readCounterStats(redis, settings, 'mytopic')).accepted).toBe(10_001);
    expect(jsonLines().find((l) => l.level === 'ERROR')).toMatchObject({
      message: 'batch failed; Lambda will retry it whole',
      batch: { records: 1, topicPartitions: ['mytopic-0@2000000..2000000'] },
    });

    const before = await readCounterStats(redis, settings, 'mytopic');
    await handler(structuredClone(event), context);
    const after = await readCounterStats(redis, settings, 'mytopic');
    expect(after.accepted).toBe(10_001);
    expect(after.duplicate).toBe(before.duplicate + 1);
  });
});
