/**
 * Where a polled position goes: first claimed in Redis (atomically, so that two overlapping
 * invocations publish it once), then published to the ISS topic under the contract's key.
 */
import { encodeIssPosition, ISS_POSITION_KEY } from '#contracts/iss-position.ts';
import type { Producer } from '#lib/kafka.ts';
import { BatchingPublisher } from '#lib/kafka-publisher.ts';
import type { RedisClient } from '#lib/redis.ts';
import { type SaveIssPositionOptions, saveIssPosition } from '#state/iss/index.ts';
import type { PollerDependencies } from './poller.ts';

export type PositionSinks = Pick<PollerDependencies, 'claim' | 'publish'>;

export interface PositionSinkOptions {
  readonly redis: () => Promise<RedisClient>;
  readonly producer: () => Promise<Producer>;
  readonly topic: string;
  readonly keyPrefix: string;
  readonly track: SaveIssPositionOptions;
}

/** Opens the sinks of one invocation (connected clients, a publisher of its own). */
export function redisKafkaPositionSinks(options: PositionSinkOptions): () => Promise<PositionSinks> {
  return async () => {
    const [client, producer] = await Promise.all([options.redis(), options.producer()]);
    const publisher = new BatchingPublisher(producer, {
      topic: options.topic,
      batchSize: 1,
      compression: 'none',
    });
    return {
      claim: (position) => saveIssPosition(client, options.keyPrefix, position, options.track),
      publish: async (position) => {
        // One key: every position lands on one partition, in order.
        await publisher.publish({ key: ISS_POSITION_KEY, value: encodeIssPosition(position) });
        await publisher.flush();
      },
    };
  };
}
