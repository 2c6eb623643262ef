/**
 * iss-tracker through its real handler chain (middy, logger, metrics), fed Lambda events built
 * from records on the real Kafka broker, writing to the real Redis; GET /iss/position read through
 * the real HTTP handler. Positions are produced by the test's own kafkajs producer, as any outside
 * producer (kcat) would.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { encodeIssPosition, type IssPosition } from '#contracts/iss-position.ts';
import { deadLetterTopicOf } from '#contracts/topics.ts';
import { kafkaDeadLetterSink } from '#lib/dead-letter.ts';
import { createLogger } from '#lib/logger.ts';
import { createMetrics } from '#lib/metrics.ts';
import { issTrackKey, readIssPosition } from '#state/iss/index.ts';
import { createIssTrackerHandler } from '../../functions/iss-tracker/app.ts';
import { deleteKeysWithPrefix } from '../fixtures/msk/kafka-events.ts';
import {
  type ArchiverKafka,
  BROKERS,
  eventOf,
  type ProducedRecord,
  startArchiverKafka,
} from '../support/archiver-kafka.ts';
import { call, createTestApi, testSettings } from '../support/http-api.ts';
import { captureJsonLines } from '../support/json-lines.ts';
import { readMessages } from '../support/kafka-read.ts';
import { lambdaContext } from '../support/lambda.ts';
import { REDIS_URL } from '../support/services.ts';
import { testProducer } from './producers-helpers.ts';

const NOW_S = Math.floor(Date.now() / 1000);
const at = (offsetS: number, source: IssPosition['source'] = 'open-notify'): IssPosition => ({
  latitude: Math.round(((offsetS % 160) - 80) * 1000) / 1000,
  longitude: Math.round(((offsetS * 7) % 340) - 170),
  timestamp: NOW_S - 600 + offsetS,
  source,
});
/** A record value and a Kafka timestamp just after the position's own time, as the poller writes. */
const produced = (p: IssPosition) => ({ value: encodeIssPosition(p), timestamp: p.timestamp * 1000 + 200 });

let kafka: ArchiverKafka;
const redis = new Redis(REDIS_URL, {
  lazyConnect: true,
  maxRetriesPerRequest: 1,
});
const producer = testProducer();
const prefix = `test:iss-tracker:${randomUUID()}`;
const track = { trackLength: 5, ttlSeconds: 600 };

beforeAll(async () => {
  kafka = await startArchiverKafka();
  await redis.connect();
  process.env.POWERTOOLS_METRICS_DISABLED = 'true';
});

afterAll(async () => {
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
  await producer.close();
  await kafka.close();
});

/** The real handler on its own key prefix and consumer group, dead letters to `<topic>.dlq`. */
function tracker(
  keyPrefix: string,
  topic: string,
  consumerGroup = 'iss-tracker',
  level = process.env.TEST_LOG_LEVEL ?? 'SILENT',
) {
  return createIssTrackerHandler({
    redis: async () => redis,
    keyPrefix,
    consumerGroup,
    track,
    deadLetters: kafkaDeadLetterSink(producer.get, deadLetterTopicOf(topic)),
    limits: { maxValueBytes: 16 * 1024, maxFutureSkewMs: 300_000 },
    logger: createLogger('iss-tracker', level),
    metrics: createMetrics('iss-tracker'),
  });
}

const invoke = (handler: ReturnType<typeof tracker>, records: readonly ProducedRecord[]) =>
  handler(eventOf(records, 'self-managed-kafka'), lambdaContext('iss-tracker'));

/** Every record of `topic` as a consumer reads it (offsets and timestamps from the broker). */
async function consumeAll(topic: string, count: number): Promise<ProducedRecord[]> {
  const client = new Kafka({ clientId: 'iss-tracker-test', brokers: BROKERS, logLevel: logLevel.NOTHING });
  return readMessages<ProducedRecord>(client, topic, count, ({ partition, message }) => ({
    topic,
    partition,
    offset: Number(message.offset),
    timestamp: Number(message.timestamp),
    value: message.value ?? Buffer.alloc(0),
  }));
}

describe('iss-tracker', () => {
  it('shows a position produced to the topic by an outside producer in GET /iss/position', async () => {
    const topic = await kafka.createTopic('iss-outside', 1);
    const settings = testSettings();
    const position = at(1, 'wheretheiss');
    const outside = new Kafka({ clientId: 'kcat-like', brokers: BROKERS, logLevel: logLevel.NOTHING });
    const p = outside.producer();
    await p.connect();
    await p.send({ topic, messages: [{ key: '25544', value: encodeIssPosition(position) }] });
    await p.disconnect();

    await invoke(tracker(settings.keyPrefix, topic), await consumeAll(topic, 1));
    const answer = await call(createTestApi(redis, settings), '/iss/position');

    expect(answer.status).toBe(200);
    expect(answer.json).toEqual({
      latest: { ...position, timestamp: new Date(position.timestamp * 1000).toISOString() },
      track: [{ ...position, timestamp: new Date(position.timestamp * 1000).toISOString() }],
    });
    await deleteKeysWithPrefix(redis, settings.keyPrefix);
  });

  it('changes nothing when a batch is delivered again, whole or cut differently', async () => {
    const topic = await kafka.createTopic('iss-redelivery', 1);
    const keyPrefix = `${prefix}:redelivery`;
    const records = await kafka.produce(
      topic,
      0,
      [1, 2, 3, 4].map((s) => produced(at(s))),
    );
    const handler = tracker(keyPrefix, topic);
    await invoke(handler, records);
    const first = await readIssPosition(redis, keyPrefix);
    const ttlBefore = await redis.pttl(issTrackKey(keyPrefix));

    const again = await invoke(handler, records);
    const recut = await invoke(handler, records.slice(1, 3));
    const after = await readIssPosition(redis, keyPrefix);

    expect(first.track).toEqual([at(1), at(2), at(3), at(4)]);
    expect(after).toEqual(first);
    expect(again.partitions[0]).toMatchObject({ records: 4, applied: 0, duplicate: 4 });
    expect(recut.partitions[0]).toMatchObject({ records: 2, applied: 0, duplicate: 2 });
    // A redelivery writes nothing, so it does not even renew the TTL.
    expect(await redis.pttl(issTrackKey(keyPrefix))).toBeLessThanOrEqual(ttlBefore);
  });

  it('never lets an older position replace a newer one, within a batch or across batches', async () => {
    const topic = await kafka.createTopic('iss-order', 1);
    const keyPrefix = `${prefix}:order`;
    const handler = tracker(keyPrefix, topic);
    const newer = await kafka.produce(topic, 0, [
      produced(at(20)),
      produced(at(10)),
      produced(at(20, 'sgp4')),
    ]);
    const older = await kafka.produce(topic, 0, [produced(at(15)), produced(at(25)), produced(at(5))]);

    const firstBatch = await invoke(handler, newer);
    const secondBatch = await invoke(handler, older);
    const { latest, track: kept } = await readIssPosition(redis, keyPrefix);

    expect(firstBatch.partitions[0]).toMatchObject({ applied: 1, stale: 2 });
    expect(secondBatch.partitions[0]).toMatchObject({ applied: 1, stale: 2 });
    expect(latest).toEqual(at(25));
    expect(kept).toEqual([at(20), at(25)]);
  });

  it('keeps the track to its length, newest last, with a TTL', async () => {
    const topic = await kafka.createTopic('iss-bounded', 1);
    const keyPrefix = `${prefix}:bounded`;
    const records = await kafka.produce(
      topic,
      0,
      [1, 2, 3, 4, 5, 6, 7].map((s) => produced(at(s * 5))),
    );

    await invoke(tracker(keyPrefix, topic), records);
    const { track: kept } = await readIssPosition(redis, keyPrefix);
    const ttl = await redis.ttl(issTrackKey(keyPrefix));

    expect(kept.map((p) => p.timestamp)).toEqual([15, 20, 25, 30, 35].map((s) => at(s).timestamp));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(track.ttlSeconds);
  });

  it('sends malformed records to the dead-letter topic with a reason, applies the rest, and sends them once', async () => {
    const topic = await kafka.createTopic('iss-bad', 1);
    const keyPrefix = `${prefix}:bad`;
    const good = at(30);
    const future = { ...at(31), timestamp: NOW_S + 3600 };
    const records = await kafka.produce(topic, 0, [
      { value: 'not json', timestamp: Date.now() },
      produced(good),
      { value: JSON.stringify({ ...at(32), latitude: 91 }), timestamp: Date.now() },
      { value: JSON.stringify(future), timestamp: Date.now() },
    ]);
    const handler = tracker(keyPrefix, topic, 'iss-tracker', 'INFO');

    const { result, lines } = await captureJsonLines(() => invoke(handler, records));
    const redelivered = await invoke(handler, records);
    const letters = await kafka.read(deadLetterTopicOf(topic), 3);
    const { latest } = await readIssPosition(redis, keyPrefix);

    expect(latest).toEqual(good);
    expect(result).toMatchObject({ deadLetters: 3 });
    expect(result.rejections).toEqual({ 'not-json': 1, 'invalid-shape': 1, 'future-event-time': 1 });
    expect(redelivered.deadLetters).toBe(0);
    expect(letters.map((l) => l.headers['dlq-original-offset'])).toEqual(
      [0, 2, 3].map((i) => String(records[i]?.offset)),
    );
    expect(letters.map((l) => l.headers['dlq-reason']?.split(':')[0])).toEqual([
      'not-json',
      'invalid-shape',
      'future-event-time',
    ]);
    expect(letters[0]?.value?.toString()).toBe('not json');
    expect(letters.every((l) => l.headers['dlq-original-topic'] === topic)).toBe(true);
    const summary = lines.find((l) => l.message === 'batch tracked');
    expect(summary).toMatchObject({ deadLetters: 3, rejections: result.rejections });
  });

  it('keeps one offset per consumer group: another group applies the same records again', async () => {
    const topic = await kafka.createTopic('iss-groups', 1);
    const keyPrefix = `${prefix}:groups`;
    const records = await kafka.produce(topic, 0, [produced(at(40))]);
    await invoke(tracker(keyPrefix, topic, 'group-a'), records);
    await redis.del(issTrackKey(keyPrefix));

    const sameGroup = await invoke(tracker(keyPrefix, topic, 'group-a'), records);
    const otherGroup = await invoke(tracker(keyPrefix, topic, 'group-b'), records);

    expect(sameGroup.partitions[0]).toMatchObject({ applied: 0, duplicate: 1 });
    expect(otherGroup.partitions[0]).toMatchObject({ applied: 1, duplicate: 0 });
    expect((await readIssPosition(redis, keyPrefix)).latest).toEqual(at(40));
  });
});
