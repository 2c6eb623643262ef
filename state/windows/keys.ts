/**
 * The Redis key schema of the windowed counts. This module is the only place these keys are
 * spelled (the HTTP side and the counter both go through `state/`).
 *
 * Every key of one topic carries the Redis Cluster hash tag `{<topic>}`, so all keys that one
 * atomic apply step touches (offsets, watermark, stats, windows, buckets) live in one slot and the
 * step also runs on ElastiCache in cluster mode. Kafka topic names only use `[a-zA-Z0-9._-]`, so a
 * topic can never break out of its hash tag.
 *
 * ```
 * <prefix>:{<topic>}:meta                 hash   maxEventTime, watermark (epoch ms)        no TTL
 * <prefix>:{<topic>}:stats                hash   accepted, late, duplicate, rejected       no TTL
 * <prefix>:{<topic>}:offsets:<group>      hash   partition -> last applied offset          no TTL
 * <prefix>:{<topic>}:rebuild:<group>      hash   partition -> offset a rebuild replays to  no TTL
 * <prefix>:{<topic>}:win:<startMs>        zset   hashtag key -> count (tumbling window)    TTL
 * <prefix>:{<topic>}:win:<startMs>:info   hash   total; n:<form> -> count; d:<key> -> form TTL
 * <prefix>:{<topic>}:bkt:<startMs>        zset   hashtag key -> count (slide bucket)       TTL
 * ```
 */

const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;

/** Builds the keys of one topic under one prefix. */
export class TopicKeys {
  private readonly base: string;

  constructor(keyPrefix: string, topic: string) {
    if (/[{}]/.test(keyPrefix)) throw new RangeError(`key prefix must not contain "{" or "}": ${keyPrefix}`);
    if (!TOPIC_NAME.test(topic)) throw new RangeError(`not a Kafka topic name: ${JSON.stringify(topic)}`);
    this.base = `${keyPrefix}:{${topic}}`;
  }

  /** Hash: `maxEventTime` and `watermark`, epoch ms. */
  get meta(): string {
    return `${this.base}:meta`;
  }

  /** Hash: `accepted`, `late`, `duplicate`, `rejected` record counts. */
  get stats(): string {
    return `${this.base}:stats`;
  }

  /** Hash: partition number -> last applied offset, for one consumer group. */
  offsets(consumerGroup: string): string {
    return `${this.base}:offsets:${consumerGroup}`;
  }

  /**
   * Hash: partition number -> the offset (exclusive) a rebuild of that partition replays up to,
   * present only while the rebuild is unfinished (state/windows/rebuild.ts).
   */
  rebuild(consumerGroup: string): string {
    return `${this.base}:rebuild:${consumerGroup}`;
  }

  /** Sorted set: hashtag key -> count in the tumbling window starting at `startMs`. */
  window(startMs: number): string {
    return `${this.base}:win:${startMs}`;
  }

  /** Hash: `total` records counted, `n:<form>` count per spelling, `d:<key>` display form. */
  windowInfo(startMs: number): string {
    return `${this.base}:win:${startMs}:info`;
  }

  /** Sorted set: hashtag key -> count in the slide bucket starting at `startMs`. */
  bucket(startMs: number): string {
    return `${this.base}:bkt:${startMs}`;
  }
}

/** Field names inside the window info hash. */
export const INFO_TOTAL = 'total';
export const infoFormField = (form: string): string => `n:${form}`;
export const infoDisplayField = (key: string): string => `d:${key}`;
