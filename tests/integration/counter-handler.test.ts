/**
 * The Lambda handler as AWS invokes it: the documented MSK and self-managed Kafka events, config
 * from the environment, real Redis and Kafka, the local failure switch, logs and metrics.
 */
import { randomUUID } from 'node:crypto';
import type { Context, MSKEvent, SelfManagedKafkaEvent } from 'aws-lambda';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { readCounterStats, readTopHashtags, type WindowSettings } from '#state/windows/index.ts';
import { BROKERS, REDIS_URL } from '../fixtures/msk/harness.ts';
import { deleteKeysWithPrefix, loadKafkaFixture } from '../fixtures/msk/kafka-events.ts';

type Handler = (event: MSKEvent | SelfManagedKafkaEvent, context: Context) => Promise<void>;
type HandlerModule = { handler: Handler; closeCounterClients: () => Promise<void> };

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
const context = {
  callbackWaitsForEmptyEventLoop: true,
  functionName: 'trending-hashtags-local-hashtag-counter',
  functionVersion: '$LATEST',
  invokedFunctionArn:
    'arn:aws:lambda:eu-west-1:123456789012:function:trending-hashtags-local-hashtag-counter',
  memoryLimitInMB: '512',
  awsRequestId: '5d1b7e5e-0000-4000-8000-000000000001',
  logGroupName: '/aws/lambda/trending-hashtags-local-hashtag-counter',
  logStreamName: '2026/11/22/[$LATEST]0123456789abcdef',
  getRemainingTimeInMillis: () => 60_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
} satisfies Context;

const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
const admin = new Kafka({
  clientId: `counter-handler-${id}`,
  brokers: BROKERS,
  logLevel: logLevel.NOTHING,
}).admin();
let handler: Handler;
let closeCounterClients: () => Promise<void>;
let output: string[] = [];
const savedEnv = { ...process.env };

beforeAll(async () => {
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: dlqTopic, numPartitions: 1 }], waitForLeaders: true });
  Object.assign(process.env, {
    STAGE: 'local',
    REDIS_URL,
    KAFKA_BROKERS: BROKERS.join(','),
    REDIS_KEY_PREFIX: prefix,
    DLQ_TOPIC: dlqTopic,
    CONSUMER_GROUP_ID: `group-${id}`,
    LOCAL_FAILURE_SWITCH_KEY: switchKey,
    LOG_LEVEL: 'INFO',
  });
  ({ handler, closeCounterClients } = (await import(
    '../../functions/hashtag-counter/handler.ts'
  )) as unknown as HandlerModule);
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
  await closeCounterClients();
  await deleteKeysWithPrefix(redis, prefix);
  await admin.deleteTopics({ topics: [dlqTopic] }).catch(() => undefined);
  await admin.disconnect();
  redis.disconnect();
  process.env = savedEnv;
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

  it('treats the same records delivered as a self-managed Kafka event as duplicates', async () => {
    await handler(loadKafkaFixture('self-managed-kafka', 'typical-batch'), context);

    expect(await readCounterStats(redis, settings, 'mytopic')).toEqual({
      accepted: 100,
      late: 0,
      duplicate: 100,
      rejected: 0,
    });
  });

  it('counts a maximum-size batch of 10,000 records, skipping the ones already applied', async () => {
    await handler(loadKafkaFixture('self-managed-kafka', 'maximum-batch'), context);

    expect(await readCounterStats(redis, settings, 'mytopic')).toEqual({
      accepted: 10_000,
      late: 0,
      duplicate: 200,
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
