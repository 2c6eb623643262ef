/**
 * Reading what a test produced, from the real broker: a fresh consumer group from the beginning of
 * a topic until `count` records are in, or a timeout that says how far it got.
 */
import { randomUUID } from 'node:crypto';
import type { EachMessagePayload, IHeaders, Kafka } from 'kafkajs';

export interface ReadOptions {
  /** The consumer group's name before its random suffix (`reader` unless given). */
  readonly group?: string;
  readonly timeoutMs?: number;
}

/**
 * The first `count` messages of `topic` that `toRecord` keeps (it returns undefined to skip one),
 * in the order they arrive: per partition, in offset order.
 */
export async function readMessages<R>(
  kafka: Kafka,
  topic: string,
  count: number,
  toRecord: (payload: EachMessagePayload) => R | undefined,
  { group = 'reader', timeoutMs = 20_000 }: ReadOptions = {},
): Promise<R[]> {
  const records: R[] = [];
  if (count === 0) return records;
  const consumer = kafka.consumer({ groupId: `${group}-${randomUUID()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`read ${records.length}/${count} records of ${topic}`)),
        timeoutMs,
      );
      consumer
        .run({
          eachMessage: async (payload) => {
            const record = toRecord(payload);
            if (record === undefined) return;
            records.push(record);
            if (records.length >= count) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}

/** A message's headers as strings (kafkajs gives Buffers). */
export function headerStrings(headers: IHeaders | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers ?? {})) out[k] = String(v);
  return out;
}
