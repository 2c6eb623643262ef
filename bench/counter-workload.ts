/**
 * Synthetic Kafka events for the counter benchmarks: seed-era tweets in the documented Lambda
 * event shape, event time moving forward like a live stream. Not a benchmark itself.
 */
import type { MSKEvent, MSKRecord } from 'aws-lambda';

const TAGS = Array.from({ length: 200 }, (_, i) => `#Tag${i}`);
const SPELLINGS = ['#Spark', '#spark', '#Kafka', '#ISS', '#Lambda', '#Redis', '#Café', '#🚀'];
const USERS = Array.from({ length: 50 }, (_, i) => `@user${i}`);

export interface Workload {
  /** The next event of `size` records spread over `partitions`, offsets and event time continuing. */
  next(size: number): MSKEvent;
  /** Records generated so far. */
  readonly generated: number;
}

/**
 * @param recordsPerSecondOfEventTime how fast event time advances per record generated (a live
 *   stream of that rate), so that windows roll over and the watermark moves as in production.
 */
export function createWorkload(
  topic: string,
  partitions: number,
  startMs: number,
  recordsPerSecondOfEventTime = 50_000,
): Workload {
  const offsets = new Array<number>(partitions).fill(0);
  let generated = 0;
  return {
    get generated() {
      return generated;
    },
    next(size) {
      const records: Record<string, MSKRecord[]> = {};
      for (let i = 0; i < size; i++) {
        const n = generated++;
        const partition = n % partitions;
        const eventTime = startMs + Math.floor((n * 1000) / recordsPerSecondOfEventTime);
        // Zipf-like: a few hot tags, a long tail; a quarter without hashtag_principal.
        const hot = SPELLINGS[n % SPELLINGS.length] as string;
        const tail = TAGS[(n * 7919) % TAGS.length] as string;
        const tag = n % 3 === 0 ? tail : hot;
        const value =
          n % 4 === 3
            ? `{"usuario":"${USERS[n % USERS.length]}","texto":"hablando de ${tag} y ${hot} desde la #ISS","timestamp":${eventTime / 1000}}`
            : `{"usuario":"${USERS[n % USERS.length]}","texto":"proyecto sobre ${tag}","hashtag_principal":"${tag}","timestamp":${eventTime / 1000}}`;
        const offset = offsets[partition] ?? 0;
        offsets[partition] = offset + 1;
        const id = `${topic}-${partition}`;
        const list = records[id] ?? [];
        records[id] = list;
        list.push({
          topic,
          partition,
          offset,
          timestamp: eventTime + 5,
          timestampType: 'CREATE_TIME',
          key: '',
          value: Buffer.from(value).toString('base64'),
          headers: [],
        });
      }
      return {
        eventSource: 'aws:kafka',
        eventSourceArn:
          'arn:aws:kafka:us-east-1:123456789012:cluster/bench/00000000-0000-0000-0000-000000000000-1',
        bootstrapServers: '127.0.0.1:9092',
        records,
      };
    },
  };
}
