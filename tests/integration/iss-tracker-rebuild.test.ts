/**
 * Redis is a view of the log, for the ISS track too: after the state is lost (every key of the run
 * deleted, as a FLUSHALL or a Redis restart without its data does) the consumer group's offsets in
 * Kafka have moved on, so the next batch alone would bring back only the newest positions. The
 * tracker's real handler chain, reading the real topic back with lib/kafka-partition-log.ts, first
 * replays the track's worth of records before the batch, and the track comes back exactly as a
 * Redis that never lost it holds it. A first start replays nothing.
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { encodeIssPosition, type IssPosition } from '#contracts/iss-position.ts';
import { deadLetterTopicOf } from '#contracts/topics.ts';
import { kafkaDeadLetterSink } from '#lib/dead-letter.ts';
import { type KafkaPartitionLog, kafkaPartitionLog } from '#lib/kafka-partition-log.ts';
import { createLogger } from '#lib/logger.ts';
import { createMetrics } from '#lib/metrics.ts';
import { readIssPosition } from '#state/iss/index.ts';
import { createIssTrackerHandler } from '../../functions/iss-tracker/app.ts';
import { deleteKeysWithPrefix } from '../fixtures/msk/kafka-events.ts';
import {
  type ArchiverKafka,
  eventOf,
  type ProducedRecord,
  startArchiverKafka,
} from '../support/archiver-kafka.ts';
import { captureJsonLines } from '../support/json-lines.ts';
import { lambdaContext } from '../support/lambda.ts';
import { REDIS_URL } from '../support/services.ts';
import { testProducer } from './producers-helpers.ts';

const NOW_S = Math.floor(Date.now() / 1000);
const TRACK_LENGTH = 5;
const at = (s: number): IssPosition => ({
  latitude: Math.round(((s % 160) - 80) * 1000) / 1000,
  longitude: Math.round(((s * 7) % 340) - 170),
  timestamp: NOW_S - 600 + s,
  source: 'open-notify',
});
/** A record value and a Kafka timestamp just after the position's own time, as the poller writes. */
const produced = (p: IssPosition) => ({ value: encodeIssPosition(p), timestamp: p.timestamp * 1000 + 200 });

let kafka: ArchiverKafka;
const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
const producer = testProducer();
const prefix = `test:iss-rebuild:${randomUUID()}`;
const logs: KafkaPartitionLog[] = [];

beforeAll(async () => {
  kafka = await startArchiverKafka();
  await redis.connect();
});

afterAll(async () => {
  await Promise.all(logs.map((l) => l.close()));
  await deleteKeysWithPrefix(redis, prefix);
  await redis.quit();
  await producer.close();
  await kafka.close();
});

/** The real handler on its own key prefix and consumer group, reading `topic` back from the broker. */
function tracker(keyPrefix: string, topic: string, consumerGroup = 'iss-tracker') {
  const log = kafkaPartitionLog({ kafka: async () => kafka.kafka, consumerGroup });
  logs.push(log);
  return createIssTrackerHandler({
    redis: async () => redis,
    keyPrefix,
    consumerGroup,
    track: { trackLength: TRACK_LENGTH, ttlSeconds: 600 },
    deadLetters: kafkaDeadLetterSink(producer.get, deadLetterTopicOf(topic)),
    limits: { maxValueBytes: 16 * 1024, maxFutureSkewMs: 300_000 },
    log,
    logger: createLogger('iss-tracker', 'INFO'),
    metrics: createMetrics('iss-tracker'),
  });
}

const invoke = (handler: ReturnType<typeof tracker>, records: readonly ProducedRecord[]) =>
  captureJsonLines(() => handler(eventOf(records), lambdaContext('iss-tracker')));

/** The dead-letter topic's end offset: how many letters were ever sent to it. */
async function letterCount(topic: string): Promise<number> {
  const admin = kafka.kafka.admin();
  await admin.connect();
  try {
    const [p] = await admin.fetchTopicOffsets(deadLetterTopicOf(topic));
    return Number(p?.high ?? 0);
  } finally {
    await admin.disconnect();
  }
}

describe('iss-tracker after Redis lost its state', () => {
  it('restores the track from Kafka before the next batch, exactly as a Redis that never lost it', async () => {
    const topic = await kafka.createTopic('iss-rebuild', 1);
    const lossy = `${prefix}:lossy`;
    const intact = `${prefix}:intact`;
    const records = await kafka.produce(
      topic,
      0,
      Array.from({ length: 15 }, (_, i) => produced(at((i + 1) * 5))),
    );
    const batches = [records.slice(0, 4), records.slice(4, 8), records.slice(8, 12)];
    const next = records.slice(12);
    const [lossyTracker, intactTracker] = [tracker(lossy, topic), tracker(intact, topic)];
    for (const batch of batches) {
      await invoke(lossyTracker, batch);
      await invoke(intactTracker, batch);
    }
    const before = await readIssPosition(redis, lossy);

    await deleteKeysWithPrefix(redis, lossy); // the loss
    const lost = await readIssPosition(redis, lossy);
    const { result, lines } = await invoke(lossyTracker, next);
    await invoke(intactTracker, next);
    const after = await readIssPosition(redis, lossy);

    expect(before.track).toEqual([8, 9, 10, 11, 12].map((i) => at(i * 5)));
    expect(lost.track).toEqual([]);
    expect(after.track).toEqual([...before.track.slice(next.length), ...[13, 14, 15].map((i) => at(i * 5))]);
    expect(after.latest).toEqual(at(75));
    expect(after).toEqual(await readIssPosition(redis, intact));
    expect(result.restored).toEqual([
      expect.objectContaining({ topic, partition: 0, from: 7, to: 12, records: 5, applied: 5, skipped: 0 }),
    ]);
    expect(result.partitions[0]).toMatchObject({ records: 3, applied: 3, duplicate: 0 });
    const replayed = lines.find((l) => String(l.message).includes('replayed its track from Kafka'));
    expect(replayed).toMatchObject({
      level: 'INFO',
      topicPartition: `${topic}-0`,
      replayedOffsets: '7..11',
      records: 5,
    });
    expect(typeof replayed?.ms).toBe('number');
    expect(lines.find((l) => '_aws' in l)).toMatchObject({ PartitionsRebuilt: 1, RecordsReplayed: 5 });
  });

  it('changes nothing when the batch after the loss is delivered again', async () => {
    const topic = await kafka.createTopic('iss-rebuild-again', 1);
    const keyPrefix = `${prefix}:again`;
    const records = await kafka.produce(
      topic,
      0,
      Array.from({ length: 10 }, (_, i) => produced(at(i + 1))),
    );
    const handler = tracker(keyPrefix, topic);
    await invoke(handler, records.slice(0, 7));
    await deleteKeysWithPrefix(redis, keyPrefix);
    await invoke(handler, records.slice(7));
    const restored = await readIssPosition(redis, keyPrefix);

    const { result } = await invoke(handler, records.slice(7));

    expect(restored.track).toEqual([6, 7, 8, 9, 10].map(at));
    expect(await readIssPosition(redis, keyPrefix)).toEqual(restored);
    expect(result.restored).toEqual([]);
    expect(result.partitions[0]).toMatchObject({ records: 3, applied: 0, duplicate: 3 });
  });

  it('skips records that are not positions in the replay, without sending them to the dead-letter topic again', async () => {
    const topic = await kafka.createTopic('iss-rebuild-bad', 1);
    const keyPrefix = `${prefix}:bad`;
    const records = await kafka.produce(topic, 0, [
      produced(at(1)),
      { value: 'not json', timestamp: Date.now() },
      produced(at(2)),
      produced(at(3)),
    ]);
    const handler = tracker(keyPrefix, topic);
    await invoke(handler, records.slice(0, 3));
    await deleteKeysWithPrefix(redis, keyPrefix);

    const { result } = await invoke(handler, records.slice(3));

    expect((await readIssPosition(redis, keyPrefix)).track).toEqual([at(1), at(2), at(3)]);
    expect(result.restored).toEqual([expect.objectContaining({ from: 0, to: 3, records: 3, skipped: 1 })]);
    expect(result.deadLetters).toBe(0);
    expect(await letterCount(topic)).toBe(1);
  });

  it('replays nothing on a first start: a new group reading from the start of the log', async () => {
    const topic = await kafka.createTopic('iss-rebuild-first', 1);
    const keyPrefix = `${prefix}:first`;
    const records = await kafka.produce(
      topic,
      0,
      Array.from({ length: 8 }, (_, i) => produced(at(i + 1))),
    );
    const fromZero = await invoke(tracker(`${keyPrefix}:a`, topic, 'group-a'), records.slice(0, 2));
    // Retention has deleted the oldest records: the log now starts at offset 3.
    const admin = kafka.kafka.admin();
    await admin.connect();
    try {
      await admin.fetchTopicMetadata({ topics: [topic] }); // kafkajs looks the leader up in its cache
      await admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '3' }] });
    } finally {
      await admin.disconnect();
    }
    const fromLogStart = await invoke(tracker(`${keyPrefix}:b`, topic, 'group-b'), records.slice(3, 5));

    expect(fromZero.result.restored).toEqual([]);
    expect(fromLogStart.result.restored).toEqual([]);
    expect((await readIssPosition(redis, `${keyPrefix}:b`)).track).toEqual([at(4), at(5)]);
    expect(fromLogStart.lines.some((l) => String(l.message).includes('replayed'))).toBe(false);
  });
});
