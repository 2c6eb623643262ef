import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { MSKEvent, SelfManagedKafkaEvent } from 'aws-lambda';
import {
  type ConsumedMessage,
  type EventOrigin,
  messagePayloadBytes,
  toLambdaEvent,
  toLambdaRecord,
} from '../../tooling/offline-kafka/event-shape.ts';

const fixture = <T>(source: string, variant: string): T =>
  JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', source, `${variant}.json`), 'utf8')) as T;

/** What kafkajs hands the emulator for a record that AWS delivered as `record`. */
function consumedFrom(record: MSKEvent['records'][string][number]): ConsumedMessage {
  const headers: Record<string, Buffer> = {};
  for (const header of record.headers) {
    for (const [name, bytes] of Object.entries(header)) headers[name] = Buffer.from(bytes);
  }
  return {
    offset: String(record.offset),
    timestamp: String(record.timestamp),
    key: Buffer.from(record.key, 'base64'),
    value: Buffer.from(record.value, 'base64'),
    headers,
    batchContext: { timestampType: record.timestampType === 'LOG_APPEND_TIME' ? 1 : 0 },
  };
}

function rebuild(event: MSKEvent | SelfManagedKafkaEvent, origin: EventOrigin) {
  const records = Object.values(event.records)
    .flat()
    .map((r) => toLambdaRecord(r.topic, r.partition, consumedFrom(r)));
  return toLambdaEvent(origin, records);
}

describe('AWS Kafka event shape', () => {
  it('rebuilds the documented MSK batch byte for byte from the consumed records', () => {
    const expected = structuredClone(fixture<MSKEvent>('msk', 'typical-batch'));

    const event = rebuild(expected, {
      kind: 'msk',
      bootstrapServers: expected.bootstrapServers.split(','),
      clusterArn: expected.eventSourceArn,
    });

    expect(JSON.stringify(event)).toBe(JSON.stringify(expected));
  });

  it('rebuilds the documented self-managed Kafka batch without an eventSourceArn', () => {
    const expected = structuredClone(fixture<SelfManagedKafkaEvent>('self-managed-kafka', 'typical-batch'));

    const event = rebuild(expected, {
      kind: 'kafka',
      bootstrapServers: expected.bootstrapServers.split(','),
    });

    expect(event).toEqual(expected);
    expect(event).not.toHaveProperty('eventSourceArn');
  });

  it('encodes key and value in base64 and headers as arrays of byte values, one entry per occurrence', () => {
    const record = toLambdaRecord('tweets_topic', 2, {
      offset: '41',
      timestamp: '1733940000250',
      key: Buffer.from('@SparkGuru'),
      value: Buffer.from('{"texto":"#Spark"}'),
      headers: { trace: ['a', Buffer.from([0, 255])], source: 'kcat' },
    });

    expect(record).toEqual({
      topic: 'tweets_topic',
      partition: 2,
      offset: 41,
      timestamp: 1733940000250,
      timestampType: 'CREATE_TIME',
      key: Buffer.from('@SparkGuru').toString('base64'),
      value: Buffer.from('{"texto":"#Spark"}').toString('base64'),
      headers: [{ trace: [97] }, { trace: [0, 255] }, { source: [107, 99, 97, 116] }],
    });
  });

  it('leaves out a null key and a tombstone value, and reports broker-set timestamps as LOG_APPEND_TIME', () => {
    const record = toLambdaRecord('t', 0, {
      offset: '7',
      timestamp: '1700000000000',
      key: null,
      value: null,
      batchContext: { timestampType: 1 },
    });

    expect(record).not.toHaveProperty('key');
    expect(record).not.toHaveProperty('value');
    expect(record.timestampType).toBe('LOG_APPEND_TIME');
    expect(record.headers).toEqual([]);
  });

  it('groups records under "topic-partition" keys in the order given', () => {
    const message = (offset: number): ConsumedMessage => ({
      offset: String(offset),
      timestamp: '1',
      key: null,
      value: Buffer.from(String(offset)),
    });
    const records = [toLambdaRecord('t', 1, message(5)), toLambdaRecord('t', 1, message(6))];

    const event = toLambdaEvent({ kind: 'kafka', bootstrapServers: ['127.0.0.1:9092'] }, records);

    expect(Object.keys(event.records)).toEqual(['t-1']);
    expect(event.records['t-1']?.map((r) => r.offset)).toEqual([5, 6]);
    expect(event.bootstrapServers).toBe('127.0.0.1:9092');
  });

  it('counts a record as the bytes it adds to the JSON payload', () => {
    const message: ConsumedMessage = { offset: '1', timestamp: '1', key: null, value: Buffer.from('x') };
    const record = toLambdaRecord('t', 0, message);
    const one = JSON.stringify(toLambdaEvent({ kind: 'kafka', bootstrapServers: ['h:1'] }, [record]));
    const two = JSON.stringify(toLambdaEvent({ kind: 'kafka', bootstrapServers: ['h:1'] }, [record, record]));

    expect(Buffer.byteLength(two) - Buffer.byteLength(one)).toBe(messagePayloadBytes('t', 0, message));
  });

  it('counts keys, headers, non-ASCII topics and header names as their serialised bytes, without serialising', () => {
    const messages: Array<[string, number, ConsumedMessage]> = [
      [
        'tópico',
        12,
        {
          offset: '123456',
          timestamp: '1700000000000',
          key: Buffer.from('k'),
          value: null,
          headers: { ñ: 'x', a: [Buffer.from('1'), 'yy'] },
        },
      ],
      [
        't',
        0,
        {
          offset: '0',
          timestamp: '0',
          key: Buffer.alloc(0),
          value: Buffer.alloc(0),
          batchContext: { timestampType: 1 },
        },
      ],
      // Every base64 padding (1, 2, 3 bytes), a partition of several digits, an absent header value.
      [
        't',
        100,
        {
          offset: '9',
          timestamp: '5',
          key: Buffer.from('ab'),
          value: Buffer.from('abc'),
          headers: { h: undefined },
        },
      ],
      ['t', 7, { offset: '10', timestamp: '55', key: null, value: Buffer.from('abcd') }],
    ];

    for (const [topic, partition, message] of messages) {
      const record = toLambdaRecord(topic, partition, message);
      expect(messagePayloadBytes(topic, partition, message)).toBe(
        Buffer.byteLength(JSON.stringify(record)) + 1,
      );
    }
  });
});
