/**
 * The Kafka side of a rebuild (state/windows/rebuild.ts, {@link PartitionLog}) with kafkajs.
 *
 * - The marker that tells a loss from a first start is a commit of the consumer group
 *   `<group>.counted` ({@link markerGroupOf}): durable in Kafka, outside the Redis it guards, and
 *   readable with the OffsetFetch right the counter already has on groups. It never has members.
 * - Reading one partition from an offset, without a consumer group (see readRange): no group to
 *   join, so nothing to wait out after a killed rebuild, no rebalance between concurrent rebuilds of
 *   different partitions, and no IAM on group names made up per read.
 *
 * IAM (tooling/serverless-plugins/least-privilege.cjs): DescribeGroup/AlterGroup on
 * `<group>.counted`; DescribeTopic and ReadData on the topic (the counter has them already).
 */
import { ExponentialBackoff, handleWhen, retry } from 'cockatiel';
import type { Admin, Kafka } from 'kafkajs';
import type { LogRecord, PartitionLog } from '#state/windows/index.ts';

/** A rejection handler: `fallback()` for UNKNOWN_TOPIC_OR_PARTITION (no such topic on the cluster), the error again otherwise. */
function noSuchTopic<T>(fallback: () => T): (error: unknown) => T {
  return (error) => {
    if ((error as { type?: unknown } | null)?.type === 'UNKNOWN_TOPIC_OR_PARTITION') return fallback();
    throw error;
  };
}

/** The marker group of `consumerGroup`: its committed offset = where counting started. */
export const markerGroupOf = (consumerGroup: string): string => `${consumerGroup}.counted`;

export interface KafkaPartitionLogOptions {
  /** The kafkajs client (resolved lazily: most batches never need it). */
  readonly kafka: () => Promise<Kafka>;
  readonly consumerGroup: string;
  /** Bytes per fetch of the replayed partition, i.e. roughly per rebuild chunk (default 1 MiB). */
  readonly maxBytesPerPartition?: number;
}

export interface KafkaPartitionLog extends PartitionLog {
  close(): Promise<void>;
}

// Two markers at once (other processes, other partitions) rebalance the group under each other.
const markerRetry = retry(
  handleWhen(
    (e) => e instanceof Error && /rebalanc|generation|not.*coordinator|unknown member/i.test(e.message),
  ),
  { maxAttempts: 8, backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 2_000 }) },
);

/** An idle admin connection is closed after this: a rebuild is rare, and an open socket keeps `invoke local` alive. */
const ADMIN_IDLE_MS = 1_000;

export function kafkaPartitionLog(options: KafkaPartitionLogOptions): KafkaPartitionLog {
  const markerGroup = markerGroupOf(options.consumerGroup);
  let client: Promise<Kafka> | undefined;
  const kafkaClient = (): Promise<Kafka> => {
    if (!client) {
      const pending = options.kafka();
      client = pending;
      pending.catch(() => {
        if (client === pending) client = undefined;
      });
    }
    return client;
  };
  let admin: Promise<Admin> | undefined;
  let idle: NodeJS.Timeout | undefined;
  let markers: Promise<unknown> = Promise.resolve();
  const closeAdmin = async () => {
    const pending = admin;
    admin = undefined;
    if (pending) await (await pending.catch(() => undefined))?.disconnect();
  };
  let inUse = 0;
  const withAdmin = async <T>(use: (admin: Admin) => Promise<T>): Promise<T> => {
    clearTimeout(idle);
    inUse += 1;
    try {
      return await use(await connected());
    } finally {
      inUse -= 1;
      if (inUse === 0) idle = setTimeout(() => void closeAdmin(), ADMIN_IDLE_MS);
    }
  };
  const connected = (): Promise<Admin> => {
    if (!admin) {
      const pending = kafkaClient().then(async (kafka) => {
        const a = kafka.admin();
        await a.connect();
        return a;
      });
      admin = pending;
      pending.catch(() => {
        if (admin === pending) admin = undefined;
      });
    }
    return admin;
  };

  return {
    async countedFrom(topic, partition) {
      const [committed] = await withAdmin((a) =>
        a.fetchOffsets({ groupId: markerGroup, topics: [topic] }).catch(noSuchTopic(() => [])),
      );
      const offset = Number(committed?.partitions.find((p) => p.partition === partition)?.offset ?? -1);
      return offset >= 0 ? offset : null;
    },

    markCounted(topic, partition, offset) {
      // One at a time in this process; across processes the retry above.
      const next = markers.then(() =>
        markerRetry.execute(async () =>
          commitAsMember(await kafkaClient(), markerGroup, topic, partition, offset),
        ),
      );
      markers = next.catch(() => undefined);
      return next;
    },

    async holds(topic, partition) {
      const [metadata] = await withAdmin((a) =>
        a.fetchTopicMetadata({ topics: [topic] }).then(
          (m) => m.topics,
          noSuchTopic(() => []),
        ),
      );
      return metadata?.partitions.some((p) => p.partitionId === partition) ?? false;
    },

    async bounds(topic, partition) {
      const offsets = await withAdmin((a) => a.fetchTopicOffsets(topic));
      const p = offsets.find((o) => o.partition === partition);
      if (!p) throw new Error(`topic ${topic} has no partition ${partition}`);
      return { earliest: Number(p.low), end: Number(p.high) };
    },

    async offsetAt(topic, partition, timestampMs) {
      const offsets = await withAdmin((a) => a.fetchTopicOffsetsByTimestamp(topic, timestampMs));
      const p = offsets.find((o) => o.partition === partition);
      if (!p) throw new Error(`topic ${topic} has no partition ${partition}`);
      return Number(p.offset);
    },

    async read(topic, partition, from, to, onChunk) {
      if (from >= to) return;
      const maxBytes = options.maxBytesPerPartition ?? 1024 * 1024;
      await readRange(await kafkaClient(), topic, partition, from, to, maxBytes, onChunk);
    },

    async close() {
      clearTimeout(idle);
      await closeAdmin();
    },
  };
}

/**
 * Commits `offset` for the marker group as its one member for a moment: join, commit, leave (tens
 * of ms). kafkajs' admin.setOffsets does the same but waits for a fetch (5 s of max wait).
 */
async function commitAsMember(
  kafka: Kafka,
  groupId: string,
  topic: string,
  partition: number,
  offset: number,
): Promise<void> {
  // A short fetch wait: leaving waits for the fetch in flight.
  const consumer = kafka.consumer({
    groupId,
    allowAutoTopicCreation: false,
    sessionTimeout: 10_000,
    maxWaitTimeInMs: 50,
  });
  await consumer.connect();
  try {
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.subscribe({ topics: [topic] });
    const running = consumer.run({ autoCommit: false, eachBatch: async () => undefined });
    consumer.pause([{ topic }]);
    await running;
    await joined;
    await consumer.commitOffsets([{ topic, partition, offset: String(offset) }]);
  } finally {
    await consumer.disconnect().catch(() => undefined);
  }
}

/**
 * Reads offsets [from, to) of one partition with Fetch requests to its leader, as a consumer
 * without a group would (Java's `assign()`). kafkajs has no assign(), and a consumer in a group
 * needs a group of its own per read (IAM on a name pattern) and a join; so this uses kafkajs'
 * cluster and broker objects directly: `Kafka`'s cluster factory (a symbol-keyed member) and
 * `Broker.fetch`. Both are internal API, pinned by kafkajs 2.2.4 (its last release); the
 * integration tests exercise them against the real broker.
 */
async function readRange(
  kafka: Kafka,
  topic: string,
  partition: number,
  from: number,
  to: number,
  maxBytes: number,
  onChunk: (records: readonly LogRecord[]) => Promise<void>,
): Promise<void> {
  const cluster = clusterOf(kafka);
  await cluster.connect();
  try {
    await cluster.addTargetTopic(topic);
    let offset = from;
    while (offset < to) {
      const fetched = await fetchRetry.execute(async () => {
        const leader = cluster
          .findTopicPartitionMetadata(topic)
          .find((p) => p.partitionId === partition)?.leader;
        if (leader === undefined) throw new Error(`topic ${topic} has no partition ${partition}`);
        const broker = await cluster.findBroker({ nodeId: String(leader) });
        try {
          const response = await broker.fetch({
            maxWaitTime: 100,
            minBytes: 1,
            maxBytes,
            isolationLevel: 1, // READ_COMMITTED
            topics: [{ topic, partitions: [{ partition, fetchOffset: String(offset), maxBytes }] }],
          });
          return response.responses[0]?.partitions[0];
        } catch (error) {
          // A moved leader or stale metadata: refresh, then the retry asks the new leader.
          await cluster.refreshMetadata().catch(() => undefined);
          throw error;
        }
      });
      const messages = fetched?.messages ?? [];
      const last = messages.at(-1);
      // Nothing at or after `offset`: the end of the partition (a fetch returns at least one batch).
      if (last === undefined || Number(last.offset) < offset) return;
      const records: LogRecord[] = [];
      for (const m of messages) {
        const o = Number(m.offset);
        if (m.isControlRecord || o < offset || o >= to) continue;
        records.push({ offset: o, timestamp: Number(m.timestamp), value: m.value ?? null });
      }
      if (records.length > 0) await onChunk(records);
      offset = Number(last.offset) + 1;
    }
  } finally {
    await cluster.disconnect().catch(() => undefined);
  }
}

/** What readRange uses of kafkajs' internal Cluster and Broker. */
interface FetchedMessage {
  readonly offset: string;
  readonly timestamp: string;
  readonly value: Buffer | null;
  readonly isControlRecord?: boolean;
}
interface InternalBroker {
  fetch(request: {
    maxWaitTime: number;
    minBytes: number;
    maxBytes: number;
    isolationLevel: number;
    topics: Array<{
      topic: string;
      partitions: Array<{ partition: number; fetchOffset: string; maxBytes: number }>;
    }>;
  }): Promise<{ responses: Array<{ partitions: Array<{ messages: FetchedMessage[] }> }> }>;
}
interface InternalCluster {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  addTargetTopic(topic: string): Promise<void>;
  refreshMetadata(): Promise<void>;
  findTopicPartitionMetadata(topic: string): Array<{ partitionId: number; leader: number }>;
  findBroker(options: { nodeId: string }): Promise<InternalBroker>;
}

function clusterOf(kafka: Kafka): InternalCluster {
  const key = Object.getOwnPropertySymbols(kafka).find(
    (s) => s.description === 'private:Kafka:createCluster',
  );
  const create = key === undefined ? undefined : (kafka as unknown as Record<symbol, unknown>)[key];
  if (typeof create !== 'function') {
    throw new Error('this kafkajs version has no cluster factory; the rebuild reader needs kafkajs 2.2.x');
  }
  return create({ allowAutoTopicCreation: false, isolationLevel: 1 }) as InternalCluster;
}

// Leader moves and metadata refreshes during a broker restart.
const fetchRetry = retry(
  handleWhen((e) => (e as { retriable?: boolean }).retriable === true || /leader|not host/i.test(String(e))),
  { maxAttempts: 10, backoff: new ExponentialBackoff({ initialDelay: 100, maxDelay: 2_000 }) },
);
