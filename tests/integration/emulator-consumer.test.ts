/**
 * The Kafka event-source emulator against the real broker: what the function receives, in which
 * order and grouping, what happens when it fails, and what the consumer group has committed.
 * The function is an in-process recorder here (the e2e tests invoke the real counter through
 * serverless offline); everything Kafka is real.
 */
import { randomUUID } from 'node:crypto';
import { type EmulatorOptions, KafkaEventSourceEmulator } from '../../tooling/offline-kafka/emulator.ts';
import type { KafkaLambdaEvent } from '../../tooling/offline-kafka/event-shape.ts';
import { DEFAULT_ERROR_HANDLING, type EventSourceMapping } from '../../tooling/offline-kafka/sources.ts';
import {
  brokers,
  emulatorKafka,
  quietLog as quiet,
  suiteBroker,
  waitFor,
} from '../support/emulator-broker.ts';

const kafka = emulatorKafka('emulator-test');

interface Invocation {
  readonly event: KafkaLambdaEvent;
  readonly ok: boolean;
}

function mapping(topic: string, overrides: Partial<EventSourceMapping> = {}): EventSourceMapping {
  return {
    functionKey: 'recorder',
    functionName: 'svc-local-recorder',
    kind: 'kafka',
    topic,
    bootstrapServers: brokers,
    clusterArn: undefined,
    batchSize: 20,
    batchingWindowMs: 100,
    startingPosition: 'TRIM_HORIZON',
    startingPositionTimestamp: undefined,
    consumerGroupId: `emulator-test-${randomUUID()}`,
    timeoutSeconds: 30,
    errorHandling: DEFAULT_ERROR_HANDLING,
    filters: [],
    provisionedPollers: undefined,
    ...overrides,
  };
}

/** A function that records what it receives; `fail(event)` decides whether the invocation throws. */
function recorder(fail: (event: KafkaLambdaEvent, calls: number) => boolean = () => false) {
  const invocations: Invocation[] = [];
  const inFlight = new Map<string, number>();
  let overlapping = 0;
  const invoke = async (_name: string, event: KafkaLambdaEvent) => {
    const key = Object.keys(event.records).join(',');
    inFlight.set(key, (inFlight.get(key) ?? 0) + 1);
    if ((inFlight.get(key) ?? 0) > 1) overlapping += 1;
    await new Promise((r) => setTimeout(r, 5));
    inFlight.set(key, (inFlight.get(key) ?? 1) - 1);
    const failed = fail(event, invocations.length);
    invocations.push({ event, ok: !failed });
    if (failed) throw new Error('injected failure');
  };
  const delivered = () =>
    invocations
      .filter((i) => i.ok)
      .flatMap((i) => Object.values(i.event.records).flat())
      .map((r) => ({
        partition: r.partition,
        offset: r.offset,
        value: Buffer.from(r.value, 'base64').toString(),
      }));
  return { invoke, invocations, delivered, overlapping: () => overlapping };
}

/** An emulator for the one mapping `m`, invoking the recorder `fn`. */
function emulatorFor(m: EventSourceMapping, fn: { invoke: EmulatorOptions['invoke'] }) {
  return new KafkaEventSourceEmulator({ mappings: [m], invoke: fn.invoke, log: quiet });
}

/** A recorder and a started emulator feeding it the one mapping `m`. */
async function startedWithRecorder(m: EventSourceMapping) {
  const fn = recorder();
  const emulator = emulatorFor(m, fn);
  await emulator.start();
  return { fn, emulator };
}

describe('Kafka event-source emulator (real broker)', () => {
  const { admin, producer, createTopic } = suiteBroker(kafka, 'emulator-test');

  async function topicWith(count: number, partitions = 3): Promise<string> {
    const topic = await createTopic(partitions);
    await produce(topic, 0, count, partitions);
    return topic;
  }

  async function produce(topic: string, from: number, count: number, partitions = 3): Promise<void> {
    await producer.send({
      topic,
      messages: Array.from({ length: count }, (_, i) => ({
        partition: (from + i) % partitions,
        key: `k${from + i}`,
        value: `tweet ${from + i}`,
        headers: { source: 'test' },
      })),
    });
  }

  async function committed(groupId: string, topic: string): Promise<Record<number, string>> {
    const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Object.fromEntries((offsets?.partitions ?? []).map((p) => [p.partition, p.offset]));
  }

  it('delivers every record once, per partition in offset order, one batch at a time, in the AWS shape', async () => {
    const topic = await topicWith(150);
    const m = mapping(topic);
    const { fn, emulator } = await startedWithRecorder(m);

    await waitFor(() => fn.delivered().length >= 150);
    await waitFor(async () =>
      Object.values(await committed(m.consumerGroupId, topic)).every((o) => o === '50'),
    );
    await emulator.stop();

    const delivered = fn.delivered();
    expect(delivered).toHaveLength(150);
    for (const partition of [0, 1, 2]) {
      const offsets = delivered.filter((r) => r.partition === partition).map((r) => r.offset);
      expect(offsets).toEqual(Array.from({ length: 50 }, (_, i) => i));
    }
    expect(new Set(delivered.map((r) => r.value)).size).toBe(150);
    for (const { event } of fn.invocations) {
      expect(event.eventSource).toBe('SelfManagedKafka');
      expect(event.bootstrapServers).toBe(brokers.join(','));
      const groups = Object.entries(event.records);
      expect(groups).toHaveLength(1);
      const [key, records] = groups[0] ?? ['', []];
      expect(records.length).toBeLessThanOrEqual(20);
      expect(records.every((r) => key === `${topic}-${r.partition}`)).toBe(true);
      expect(records[0]?.headers).toEqual([{ source: [...Buffer.from('test')] }]);
      expect(records[0]?.timestampType).toBe('CREATE_TIME');
    }
    expect(fn.overlapping()).toBe(0);
  });

  it('retries a failed batch whole and commits its offsets only after the retry succeeded', async () => {
    const topic = await topicWith(30, 1);
    const m = mapping(topic, { batchSize: 10 });
    let failedOnce = false;
    const fn = recorder((event) => {
      const first = Object.values(event.records)[0]?.[0]?.offset;
      if (first === 10 && !failedOnce) {
        failedOnce = true;
        return true;
      }
      return false;
    });
    const commitsSeen: string[] = [];
    const emulator = new KafkaEventSourceEmulator({
      mappings: [m],
      invoke: fn.invoke,
      log: quiet,
      retry: { initialDelayMs: 300, maxDelayMs: 300, maxAttempts: Infinity },
      onBatch: () => undefined,
    });

    await emulator.start();
    await waitFor(() => fn.invocations.some((i) => !i.ok));
    commitsSeen.push((await committed(m.consumerGroupId, topic))[0] ?? '');
    await waitFor(() => fn.delivered().length >= 30);
    await waitFor(async () => (await committed(m.consumerGroupId, topic))[0] === '30');
    await emulator.stop();

    const offsetsPerCall = fn.invocations.map((i) => Object.values(i.event.records)[0]?.map((r) => r.offset));
    const failedAt = fn.invocations.findIndex((i) => !i.ok);
    expect(offsetsPerCall[failedAt]).toEqual([10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    expect(offsetsPerCall[failedAt + 1]).toEqual(offsetsPerCall[failedAt]);
    expect(fn.invocations[failedAt + 1]?.event).toEqual(fn.invocations[failedAt]?.event);
    // While the batch at 10 was failing, the group had committed only the batch before it.
    expect(commitsSeen).toEqual(['10']);
    expect(fn.delivered().map((r) => r.offset)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(emulator.stats()[0]).toMatchObject({ records: 30, batches: 3, failedInvocations: 1 });
  });

  it('resumes after a restart from the committed offsets: nothing again, nothing skipped', async () => {
    const topic = await topicWith(40);
    const m = mapping(topic);
    const { fn: first, emulator: one } = await startedWithRecorder(m);
    await waitFor(() => first.delivered().length >= 40);
    await one.stop();

    await produce(topic, 40, 20);
    const { fn: second, emulator: two } = await startedWithRecorder(m);
    await waitFor(() => second.delivered().length >= 20);
    await new Promise((r) => setTimeout(r, 500));
    await two.stop();

    expect(
      second
        .delivered()
        .map((r) => r.value)
        .sort(),
    ).toEqual(Array.from({ length: 20 }, (_, i) => `tweet ${40 + i}`).sort());
  });

  it('starts at the end of the topic with LATEST when the group has no offsets', async () => {
    const topic = await topicWith(25);
    const m = mapping(topic, { startingPosition: 'LATEST' });
    const { fn, emulator } = await startedWithRecorder(m);

    await waitFor(() => emulator.stats()[0]?.assignedPartitions.length === 3);
    await new Promise((r) => setTimeout(r, 1000));
    await produce(topic, 25, 6);
    await waitFor(() => fn.delivered().length >= 6);
    await emulator.stop();

    expect(
      fn
        .delivered()
        .map((r) => r.value)
        .sort(),
    ).toEqual(Array.from({ length: 6 }, (_, i) => `tweet ${25 + i}`).sort());
  });

  it('reports the lag as the records the group has not committed', async () => {
    const topic = await topicWith(12);
    const m = mapping(topic);
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const emulator = new KafkaEventSourceEmulator({
      mappings: [m],
      invoke: async () => gate,
      log: quiet,
    });

    await emulator.start();
    const [before] = await emulator.lag();
    release();
    await waitFor(async () => (await emulator.lag())[0] === 0);
    await emulator.stop();

    expect(before).toBe(12);
  });

  it('loses nothing across rebalances when a second member joins and the first one leaves', async () => {
    const topic = await topicWith(60);
    const m = mapping(topic, { batchSize: 10, batchingWindowMs: 50 });
    const fn = recorder();
    const a = emulatorFor(m, fn);
    const b = emulatorFor(m, fn);

    await a.start();
    await produce(topic, 60, 30);
    await b.start();
    await produce(topic, 90, 30);
    await waitFor(
      () =>
        (a.stats()[0]?.assignedPartitions.length ?? 0) + (b.stats()[0]?.assignedPartitions.length ?? 0) === 3,
    );
    await a.stop();
    await produce(topic, 120, 30);
    await waitFor(async () =>
      Object.values(await committed(m.consumerGroupId, topic)).every((o) => o === '50'),
    );
    await b.stop();

    const values = new Set(fn.delivered().map((r) => r.value));
    expect(values.size).toBe(150);
    // Within each invocation the records are consecutive offsets of one partition.
    for (const { event } of fn.invocations) {
      const offsets = Object.values(event.records)[0]?.map((r) => r.offset) ?? [];
      expect(offsets).toEqual(offsets.map((_, i) => (offsets[0] ?? 0) + i));
    }
  });

  it('names the missing topic and how to create it', async () => {
    const m = mapping(`emulator-missing-${randomUUID()}`);
    const emulator = new KafkaEventSourceEmulator({
      mappings: [m],
      invoke: async () => undefined,
      log: quiet,
    });

    await expect(emulator.start()).rejects.toThrow(/does not exist on .*npm run infra:up/);
    await emulator.stop();
  });
});
