/**
 * The emulator's error handling and filtering against the real broker, with the settings the
 * deployed event source mapping has (custom.eventSourceMappings): finite retries and the
 * on-failure destination, bisect on error, filters. The function is a tiny in-process invoker
 * that fails on a poison record; everything Kafka is real.
 */
import { randomUUID } from 'node:crypto';
import { type EmulatorOptions, KafkaEventSourceEmulator } from '../../tooling/offline-kafka/emulator.ts';
import type { KafkaLambdaEvent, KafkaLambdaRecord } from '../../tooling/offline-kafka/event-shape.ts';
import { FunctionInvocationError } from '../../tooling/offline-kafka/invoker.ts';
import { type EventSourceMapping, eventSourceMappings } from '../../tooling/offline-kafka/sources.ts';
import { brokers, emulatorKafka, quietLog, suiteBroker, waitFor } from '../support/emulator-broker.ts';
import { readMessages } from '../support/kafka-read.ts';

const kafka = emulatorKafka('emulator-errors-test');
const fastRetry = { initialDelayMs: 10, maxDelayMs: 50, maxAttempts: Number.POSITIVE_INFINITY };

/** The mapping as sources.ts reads it from serverless.yml: a kafka event plus its CloudFormation extras. */
function mappingWith(topic: string, event: Record<string, unknown>, properties: Record<string, unknown>) {
  const [mapping] = eventSourceMappings(
    {
      getAllFunctions: () => ['fn'],
      getFunction: () => ({ name: 'svc-local-fn', timeout: 30 }),
      getAllEventsInFunction: () => [
        {
          kafka: {
            topic,
            bootstrapServers: brokers,
            startingPosition: 'TRIM_HORIZON',
            consumerGroupId: `emulator-errors-${randomUUID()}`,
            ...event,
          },
        },
      ],
      custom: { eventSourceMappings: { fn: properties } },
    },
    'svc',
    'local',
    { localBrokers: brokers },
  );
  if (!mapping) throw new Error('no mapping');
  return mapping;
}

const textOf = (r: KafkaLambdaRecord) => Buffer.from(r.value ?? '', 'base64').toString();
const recordsOf = (event: KafkaLambdaEvent) => Object.values(event.records).flat() as KafkaLambdaRecord[];

/** A function that throws (as a Lambda FunctionError) when a batch holds the value `poison`. */
function poisonSensitive() {
  const calls: KafkaLambdaRecord[][] = [];
  const delivered: KafkaLambdaRecord[] = [];
  const invoke = async (_name: string, event: KafkaLambdaEvent) => {
    const records = recordsOf(event);
    calls.push(records);
    if (records.some((r) => textOf(r) === 'poison')) {
      throw new FunctionInvocationError('svc-local-fn', 'Unhandled', '{"errorMessage":"poison"}');
    }
    delivered.push(...records);
  };
  return { invoke, calls, delivered };
}

describe('emulator error handling and filters (real broker)', () => {
  const { admin, producer, createTopic } = suiteBroker(kafka, 'emulator-errors');
  const topic = () => createTopic(1);

  async function committed(m: EventSourceMapping): Promise<string | undefined> {
    const [offsets] = await admin.fetchOffsets({ groupId: m.consumerGroupId, topics: [m.topic] });
    return offsets?.partitions[0]?.offset;
  }

  /** The first `expected` records on `name`, read from the beginning by a throwaway consumer. */
  const readAll = (name: string, expected: number) =>
    readMessages(
      kafka,
      name,
      expected,
      ({ message }) => ({
        key: message.key?.toString(),
        value: message.value?.toString() ?? '',
      }),
      { timeoutMs: 30_000 },
    );

  /** A source topic and an on-failure topic, with the DestinationConfig that points at the latter. */
  async function sourceAndDestination() {
    const source = await topic();
    const failed = await topic();
    return {
      source,
      failed,
      onFailure: { DestinationConfig: { OnFailure: { Destination: `kafka://${failed}` } } },
    };
  }

  /**
   * Runs the emulator on `m` with a poison-sensitive function until the group has committed
   * `offset`; the caller stops it (after more steps, if any).
   */
  async function runUntilCommitted(
    m: EventSourceMapping,
    offset: string,
    options: Partial<EmulatorOptions> = {},
  ) {
    const fn = poisonSensitive();
    const emulator = new KafkaEventSourceEmulator({
      mappings: [m],
      invoke: fn.invoke,
      log: quietLog,
      retry: fastRetry,
      ...options,
    });
    await emulator.start();
    await waitFor(async () => (await committed(m)) === offset);
    return { fn, emulator };
  }

  // https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html (MaximumRetryAttempts)
  // https://docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure-destination.html (record format, partition key)
  it('sends a poison record to the on-failure topic with the documented metadata after its retries, and moves on', async () => {
    const { source, failed, onFailure } = await sourceAndDestination();
    const m = mappingWith(source, { batchSize: 1 }, { MaximumRetryAttempts: 2, ...onFailure });
    await producer.send({
      topic: source,
      messages: [
        { key: 'a', value: 'good 0' },
        { key: 'p', value: 'poison' },
        { key: 'b', value: 'good 2' },
      ],
    });
    const { fn, emulator } = await runUntilCommitted(m, '3');
    await emulator.stop();
    const [written] = await readAll(failed, 1);

    expect(fn.delivered.map(textOf)).toEqual(['good 0', 'good 2']);
    // The first attempt and two retries.
    expect(fn.calls.filter((c) => c.some((r) => textOf(r) === 'poison'))).toHaveLength(3);
    expect(written?.key).toBe('p');
    const body = JSON.parse(written?.value ?? '{}');
    expect(body).toMatchObject({
      requestContext: {
        functionArn: 'arn:aws:lambda:us-east-1:000000000000:function:svc-local-fn:$LATEST',
        condition: 'RetriesExhausted',
        approximateInvokeCount: 3,
      },
      responseContext: { statusCode: 200, executedVersion: '$LATEST', functionError: 'Unhandled' },
      version: '1.0',
      KafkaBatchInfo: {
        batchSize: 1,
        bootstrapServers: brokers.join(','),
        recordInfo: { offset: '1' },
      },
      payload: { eventSource: 'SelfManagedKafka', bootstrapServers: brokers.join(',') },
    });
    expect(typeof body.requestContext.requestId).toBe('string');
    expect(Number.isNaN(Date.parse(body.timestamp))).toBe(false);
    expect(body.KafkaBatchInfo.payloadSize).toBe(Buffer.byteLength(JSON.stringify(body.payload)));
    const [record] = body.payload.records[`${source}-0`];
    expect(record).toMatchObject({ topic: source, partition: 0, offset: 1, timestampType: 'CREATE_TIME' });
    expect(Buffer.from(record.value, 'base64').toString()).toBe('poison');
  });

  // https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html (split batch on error)
  it('isolates one poison record in a batch of 1,000 in at most ⌈log2 1000⌉ + 1 splits, keeping partition order', async () => {
    const { source, failed, onFailure } = await sourceAndDestination();
    const m = mappingWith(
      source,
      { batchSize: 1000, maximumBatchingWindow: 2 },
      { BisectBatchOnFunctionError: true, MaximumRetryAttempts: 1, ...onFailure },
    );
    await producer.send({
      topic: source,
      messages: Array.from({ length: 1000 }, (_, i) => ({ value: i === 613 ? 'poison' : `good ${i}` })),
    });
    const splits: number[] = [];
    const { fn, emulator } = await runUntilCommitted(m, '1000', {
      onBatch: (_m, outcome) => splits.push(outcome.splits),
    });
    await emulator.stop();
    const written = await readAll(failed, 1);

    expect(fn.calls[0]).toHaveLength(1000);
    expect(splits).toEqual([expect.any(Number)]);
    expect(splits[0]).toBeLessThanOrEqual(Math.ceil(Math.log2(1000)) + 1);
    expect(fn.delivered.map((r) => r.offset)).toEqual(
      Array.from({ length: 1000 }, (_, i) => i).filter((i) => i !== 613),
    );
    expect(written).toHaveLength(1);
    expect(JSON.parse(written[0]?.value ?? '{}').KafkaBatchInfo.recordInfo.offset).toBe('613');
  });

  // https://docs.aws.amazon.com/lambda/latest/dg/kafka-filtering.html
  // https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
  it('never delivers filtered records, and commits them', async () => {
    const source = await topic();
    const m = mappingWith(
      source,
      { batchSize: 100, maximumBatchingWindow: 0.1 },
      { FilterCriteria: { Filters: [{ Pattern: JSON.stringify({ value: { lang: ['es'] } }) }] } },
    );
    await producer.send({
      topic: source,
      messages: Array.from({ length: 60 }, (_, i) => ({
        value: JSON.stringify({ n: i, lang: i % 3 === 0 ? 'es' : 'en' }),
      })),
    });
    const { fn, emulator } = await runUntilCommitted(m, '60');
    // Only filtered records after this: they are committed without an invocation.
    const callsBefore = fn.calls.length;
    await producer.send({ topic: source, messages: [{ value: JSON.stringify({ n: 60, lang: 'en' }) }] });
    await waitFor(async () => (await committed(m)) === '61');
    await emulator.stop();

    const langs = fn.delivered.map((r) => JSON.parse(textOf(r)).lang);
    expect(fn.delivered).toHaveLength(20);
    expect(new Set(langs)).toEqual(new Set(['es']));
    expect(fn.calls.length).toBe(callsBefore);
  });

  // https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html (MaximumRetryAttempts, no destination)
  it('discards a record past its retries when there is no destination, and moves on', async () => {
    const source = await topic();
    const m = mappingWith(source, { batchSize: 1 }, { MaximumRetryAttempts: 0 });
    await producer.send({ topic: source, messages: [{ value: 'poison' }, { value: 'good 1' }] });
    const { fn, emulator } = await runUntilCommitted(m, '2');
    await emulator.stop();

    expect(fn.calls.map((c) => c.map(textOf))).toEqual([['poison'], ['good 1']]);
  });

  // https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html (maximum record age)
  it('sends records older than MaximumRecordAgeInSeconds to the destination without invoking the function', async () => {
    const { source, failed, onFailure } = await sourceAndDestination();
    const m = mappingWith(
      source,
      { batchSize: 10, maximumBatchingWindow: 0.1 },
      { MaximumRecordAgeInSeconds: 60, ...onFailure },
    );
    await producer.send({
      topic: source,
      messages: [
        { value: 'old', timestamp: String(Date.now() - 120_000) },
        { value: 'fresh', timestamp: String(Date.now()) },
      ],
    });
    const { fn, emulator } = await runUntilCommitted(m, '2');
    await emulator.stop();
    const [written] = await readAll(failed, 1);

    expect(fn.delivered.map(textOf)).toEqual(['fresh']);
    expect(JSON.parse(written?.value ?? '{}').requestContext).toMatchObject({
      condition: 'RecordAgeExceeded',
      approximateInvokeCount: 0,
    });
  });

  it('fails at start when the on-failure destination topic does not exist', async () => {
    const source = await topic();
    const m = mappingWith(
      source,
      {},
      { DestinationConfig: { OnFailure: { Destination: 'kafka://no-such-topic-x' } } },
    );
    const emulator = new KafkaEventSourceEmulator({
      mappings: [m],
      invoke: async () => undefined,
      log: quietLog,
    });

    await expect(emulator.start()).rejects.toThrow(/no-such-topic-x/);
    await emulator.stop();
  });
});
