/**
 * Where a polled position goes: the ISS topic, under the contract's key, and nowhere else (Kafka is
 * the source of truth; `iss-tracker` derives the Redis state from the topic).
 */
import { encodeIssPosition, ISS_POSITION_KEY } from '#contracts/iss-position.ts';
import type { Producer } from '#lib/kafka.ts';
import { BatchingPublisher } from '#lib/kafka-publisher.ts';
import type { PollerDependencies } from './poller.ts';

export type PositionSinks = Pick<PollerDependencies, 'publish'>;

export interface PositionSinkOptions {
  readonly producer: () => Promise<Producer>;
  readonly topic: string;
}

/** Opens the sink of one invocation (a connected producer, a publisher of its own). */
export function kafkaPositionSinks(options: PositionSinkOptions): () => Promise<PositionSinks> {
  return async () => {
    const publisher = new BatchingPublisher(await options.producer(), {
      topic: options.topic,
      batchSize: 1,
      compression: 'none',
    });
    return {
      publish: async (position) => {
        // One key: every position lands on one partition, in order.
        await publisher.publish({ key: ISS_POSITION_KEY, value: encodeIssPosition(position) });
        await publisher.flush();
      },
    };
  };
}
