// Over 300 lines: one consumer per mapping and its life cycle (connect, rebalance hand-over between workers, pause, lag, stop) share one state; the facade at the end is small.
/**
 * The Kafka event-source emulator: for each `kafka`/`msk` event of serverless.yml, a kafkajs consumer
 * in the event's consumer group feeds per-partition workers (see partition-worker.ts) that invoke
 * the function with AWS-shaped batches and commit offsets only after success.
 *
 * kafkajs is used with eachBatch, autoCommit off and manual offset resolution: it only fetches;
 * delivery, retries and commits are ours. A partition whose buffer holds two batches and two
 * fetches' worth is paused until it no longer does. On every rebalance the workers are replaced:
 * each successor waits for its predecessor's batch in flight, so a partition never has two batches
 * in flight.
 */
import { type Admin, type Consumer, type EachBatchPayload, Kafka, type LogEntry, logLevel } from 'kafkajs';
import { errorMessage } from '#lib/errors.ts';
import { AWS_KAFKA_LIMITS, type BatchLimits } from './batching.ts';
import { KafkaFailureDestination } from './destination.ts';
import type { EventOrigin, KafkaLambdaEvent } from './event-shape.ts';
import { passesFilters } from './filter.ts';
import type { EmulatorLog } from './log.ts';
import { CoalescedCommits } from './offset-commits.ts';
import { type BatchOutcome, PartitionWorker } from './partition-worker.ts';
import { batchRetryPolicy, DEFAULT_RETRY, type RetrySettings } from './retry.ts';
import { describeDelivery, type EventSourceMapping } from './sources.ts';

export interface MappingStats {
  readonly functionKey: string;
  readonly topic: string;
  readonly consumerGroupId: string;
  readonly records: number;
  readonly batches: number;
  readonly failedInvocations: number;
  readonly assignedPartitions: readonly number[];
  /** Partitions with a batch being delivered right now. */
  readonly inFlight: number;
  /** Partitions paused until their buffer drains (backpressure). */
  readonly paused: number;
  /** Records fetched and waiting for their batch. */
  readonly buffered: number;
  /** Per assigned partition with a worker: how long its records have waited for a delivered batch. */
  readonly waitingMs: ReadonlyMap<number, number>;
}

export interface EmulatorOptions {
  readonly mappings: readonly EventSourceMapping[];
  /** Invokes a function by name; rejects when the invocation failed. */
  invoke(functionName: string, event: KafkaLambdaEvent, signal: AbortSignal): Promise<void>;
  readonly log: EmulatorLog;
  /** Backoff between retries (the attempt limit is each mapping's MaximumRetryAttempts). */
  readonly retry?: RetrySettings;
  readonly clientId?: string;
  /** For the function ARN in on-failure destination records (default us-east-1). */
  readonly region?: string;
  onBatch?(mapping: EventSourceMapping, outcome: BatchOutcome): void;
}

/** Thrown at start when the topic of an event does not exist on the broker. */
export class MissingTopicError extends Error {
  override name = 'MissingTopicError';
}

/**
 * kafkajs's own log, into ours at WARN at most: what it reports (a coordinator still loading after
 * a broker restart, a rebalance in progress, a lost connection) it retries itself. What needs a
 * person shows up as a stuck partition or an unreachable broker instead (see local-runner.ts).
 */
function kafkaLog(log: EmulatorLog, context: string) {
  return () =>
    ({ level, namespace, log: entry }: LogEntry) => {
      if (level > logLevel.WARN) return;
      const { message, timestamp: _ignored, logger: _logger, ...rest } = entry;
      log.warn(`kafkajs ${context}: ${message}${entry.error ? ` (${entry.error})` : ''}`, {
        event: 'kafkajs',
        kafkajsLevel: level === logLevel.ERROR ? 'ERROR' : 'WARN',
        namespace,
        ...rest,
      });
    };
}

// Group membership, tuned so that records move again within seconds of a restart: a member that
// died without leaving (kill -9, a crashed npm start) holds its partitions until its session
// expires, and kafkajs's defaults (30 s session, 60 s rebalance) made a restart wait 31 s.
// AWS runs the event source mapping's consumers itself and exposes none of these settings: its
// pollers are replaced by the service and the group rebalances on the broker's own timers.
// https://kafka.js.org/docs/consuming#options
const GROUP_TIMING = {
  // A dead member's partitions move after 10 s; the broker's floor is 6 s (group.min.session.timeout.ms).
  sessionTimeout: 10_000,
  // Live members rejoin a rebalance within a heartbeat; one that takes longer than this is dropped.
  rebalanceTimeout: 10_000,
  // A third of the session or less, as Kafka recommends.
  heartbeatInterval: 1_000,
} as const;

/** What one fetch brings of a partition at most (kafkajs's default, stated: read-ahead depends on it). */
const FETCH_BYTES_PER_PARTITION = 1024 * 1024;

// Reconnecting to a broker that went away: kafkajs doubles from 300 ms up to 30 s by default, so a
// broker back after a minute was noticed up to 30 s late. Capped at 2 s here.
const BROKER_RETRY = { initialRetryTime: 250, maxRetryTime: 2_000, retries: 12 } as const;

class MappingConsumer {
  private readonly kafka: Kafka;
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private readonly workers = new Map<number, PartitionWorker>();
  /** Predecessors still finishing their batch in flight, by partition, resolving to their committed offset. */
  private readonly stopping = new Map<number, Promise<number>>();
  private readonly limits: BatchLimits;
  private readonly origin: EventOrigin;
  private readonly retryPolicy;
  private readonly destinationRetryPolicy;
  private readonly destination: KafkaFailureDestination | undefined;
  private readonly commits: CoalescedCommits;
  private assigned: number[] = [];
  records = 0;
  batches = 0;
  failedInvocations = 0;

  constructor(
    readonly mapping: EventSourceMapping,
    private readonly options: EmulatorOptions,
  ) {
    const context = `${mapping.functionKey} <- ${mapping.topic}`;
    this.kafka = new Kafka({
      clientId: options.clientId ?? 'kafka-event-source',
      brokers: [...mapping.bootstrapServers],
      connectionTimeout: 3000,
      retry: BROKER_RETRY,
      logLevel: logLevel.WARN,
      logCreator: kafkaLog(options.log, context),
    });
    this.consumer = this.kafka.consumer({
      groupId: mapping.consumerGroupId,
      ...GROUP_TIMING,
      // How long the broker holds a fetch that finds no records (the batching window is ours, not
      // the broker's), and how long kafkajs sleeps when every partition is paused: at 250 ms a
      // backlog drained at a fifth of the speed, its partitions waiting on that sleep.
      maxWaitTimeInMs: 50,
      maxBytesPerPartition: FETCH_BYTES_PER_PARTITION,
      allowAutoTopicCreation: false,
    });
    this.admin = this.kafka.admin();
    this.commits = new CoalescedCommits((offsets) =>
      this.consumer.commitOffsets(offsets.map((o) => ({ topic: mapping.topic, ...o }))),
    );
    this.limits = {
      maxRecords: mapping.batchSize,
      maxBytes: AWS_KAFKA_LIMITS.maxPayloadBytes,
      windowMs: mapping.batchingWindowMs,
    };
    this.origin =
      mapping.kind === 'msk'
        ? { kind: 'msk', bootstrapServers: mapping.bootstrapServers, clusterArn: mapping.clusterArn ?? '' }
        : { kind: 'kafka', bootstrapServers: mapping.bootstrapServers };
    const backoff = options.retry ?? DEFAULT_RETRY;
    // cockatiel's maxAttempts counts retries, as MaximumRetryAttempts does.
    this.retryPolicy = batchRetryPolicy({
      ...backoff,
      maxAttempts: mapping.errorHandling.maximumRetryAttempts,
    });
    this.destinationRetryPolicy = batchRetryPolicy({ ...backoff, maxAttempts: Number.POSITIVE_INFINITY });
    const destinationTopic = mapping.errorHandling.onFailureTopic;
    this.destination =
      destinationTopic === undefined
        ? undefined
        : new KafkaFailureDestination(this.kafka, destinationTopic, {
            functionArn: `arn:aws:lambda:${options.region ?? 'us-east-1'}:000000000000:function:${mapping.functionName}`,
            origin: this.origin,
          });
  }

  get assignedPartitions(): readonly number[] {
    return this.assigned;
  }

  get workerStates(): {
    inFlight: number;
    paused: number;
    buffered: number;
    waitingMs: ReadonlyMap<number, number>;
  } {
    const workers = [...this.workers.values()];
    const now = Date.now();
    return {
      inFlight: workers.filter((w) => w.inFlight).length,
      paused: workers.filter((w) => w.paused).length,
      buffered: workers.reduce((sum, w) => sum + w.buffered, 0),
      waitingMs: new Map([...this.workers].map(([partition, w]) => [partition, w.waitingMs(now)])),
    };
  }

  async start(): Promise<void> {
    const { topic, consumerGroupId, startingPosition } = this.mapping;
    await this.admin.connect();
    const topics = await this.admin.listTopics();
    if (!topics.includes(topic)) {
      throw new MissingTopicError(
        `Topic "${topic}" (event of function ${this.mapping.functionKey}) does not exist on ${this.mapping.bootstrapServers.join(',')}. Create it with \`npm run infra:up\` (TWEETS_TOPIC=${topic}) or your Kafka tools.`,
      );
    }
    const destination = this.mapping.errorHandling.onFailureTopic;
    // AWS requires the destination topic to exist in the same cluster.
    // https://docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure-destination.html
    if (destination !== undefined && !topics.includes(destination)) {
      throw new MissingTopicError(
        `Topic "${destination}" (on-failure destination kafka://${destination} of function ${this.mapping.functionKey}) does not exist on ${this.mapping.bootstrapServers.join(',')}. Create it with \`npm run infra:up\` or your Kafka tools.`,
      );
    }
    if (startingPosition === 'AT_TIMESTAMP') await this.seekToTimestampIfNew();

    let joined: () => void = () => undefined;
    const firstJoin = new Promise<void>((resolve) => {
      joined = resolve;
    });
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
      this.assigned = [...(payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b);
      this.replaceWorkers();
      joined();
    });
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
      const text = `${this.mapping.functionKey} <- ${topic}: consumer crashed (${errorMessage(payload.error)})`;
      const fields = { event: 'consumer-crashed', topic, error: errorMessage(payload.error) };
      // A restart is kafkajs's own retry; a consumer that stays down needs a person.
      if (payload.restart) this.options.log.warn(`${text}; kafkajs restarts it`, fields);
      else
        this.options.log.error(`${text}; it is not restarted: restart the emulator (npm start)`, {
          ...fields,
          attention: 'open',
        });
    });
    await this.consumer.connect();
    // Without committed offsets the group starts where the event says: TRIM_HORIZON = earliest.
    await this.consumer.subscribe({ topics: [topic], fromBeginning: startingPosition !== 'LATEST' });
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Partitions are independent, as in AWS: each has its own worker and batch in flight.
      partitionsConsumedConcurrently: 64,
      eachBatch: (payload) => this.onFetch(payload),
    });
    // Ready once the group has its partitions: with LATEST, what is produced after start() is read.
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000).unref());
    if ((await Promise.race([firstJoin, timeout])) === 'timeout') {
      this.options.log.warn(
        `${this.mapping.functionKey} <- ${topic}: group "${consumerGroupId}" has not joined after 20 s; still trying`,
        { event: 'group-join-slow', topic, consumerGroupId, attention: 'notice' },
      );
    }
    this.options.log.info(
      `${this.mapping.functionKey} <- ${topic}: consuming as group "${consumerGroupId}" on ${this.mapping.bootstrapServers.join(',')} (batch ${this.limits.maxRecords}, window ${this.limits.windowMs} ms, start ${startingPosition}; ${describeDelivery(this.mapping)})`,
      {
        event: 'consuming',
        attention: 'notice',
        functionKey: this.mapping.functionKey,
        topic,
        consumerGroupId,
      },
    );
  }

  private async seekToTimestampIfNew(): Promise<void> {
    const { topic, consumerGroupId, startingPositionTimestamp } = this.mapping;
    const [committed] = await this.admin.fetchOffsets({ groupId: consumerGroupId, topics: [topic] });
    if (committed?.partitions.some((p) => Number(p.offset) >= 0)) return;
    const offsets = await this.admin.fetchTopicOffsetsByTimestamp(
      topic,
      (startingPositionTimestamp ?? 0) * 1000,
    );
    await this.admin.setOffsets({ groupId: consumerGroupId, topic, partitions: offsets });
  }

  private replaceWorkers(): void {
    for (const [partition, worker] of this.workers) this.stopping.set(partition, worker.stop());
    this.workers.clear();
  }

  private worker(partition: number): PartitionWorker {
    let worker = this.workers.get(partition);
    if (worker) return worker;
    const { topic } = this.mapping;
    worker = new PartitionWorker(
      {
        functionKey: this.mapping.functionKey,
        topic,
        partition,
        origin: this.origin,
        limits: this.limits,
        retryPolicy: this.retryPolicy,
        destinationRetryPolicy: this.destinationRetryPolicy,
        errorHandling: this.mapping.errorHandling,
        ...(this.mapping.filters.length > 0
          ? { passes: (message) => passesFilters(this.mapping.filters, message.value) }
          : {}),
        ...(this.destination ? { sendToDestination: this.destination.send.bind(this.destination) } : {}),
        log: this.options.log,
        invoke: (event, signal) => this.options.invoke(this.mapping.functionName, event, signal),
        invokeTimeoutMs: this.mapping.timeoutSeconds * 1000,
        // Two fetches' worth, so that a partition is never paused by the fetch that just arrived.
        readAheadBytes: 2 * FETCH_BYTES_PER_PARTITION,
        commit: (nextOffset) => this.commits.commit(partition, nextOffset),
        onBatch: (outcome) => {
          this.records += outcome.records;
          this.batches += 1;
          this.options.onBatch?.(this.mapping, outcome);
        },
        onFailure: () => {
          this.failedInvocations += 1;
        },
      },
      this.stopping.get(partition) ?? Promise.resolve(-1),
    );
    this.workers.set(partition, worker);
    return worker;
  }

  private async onFetch({ batch, resolveOffset, heartbeat, pause, isStale, isRunning }: EachBatchPayload) {
    if (isStale() || !isRunning() || batch.messages.length === 0) return;
    const worker = this.worker(batch.partition);
    worker.push(batch.messages);
    // Resolving only moves kafkajs's fetch position; commits happen after the function succeeded.
    resolveOffset(batch.lastOffset());
    if (worker.full) worker.pausedUntilDrained(pause());
    await heartbeat();
  }

  abandonInFlight(reason: string): void {
    for (const worker of this.workers.values()) worker.abandonInFlight(reason);
  }

  /** Total lag: records on the broker that the group has not committed yet. */
  async lag(): Promise<number> {
    const { topic, consumerGroupId } = this.mapping;
    const [ends, [committed]] = await Promise.all([
      this.admin.fetchTopicOffsets(topic),
      this.admin.fetchOffsets({ groupId: consumerGroupId, topics: [topic] }),
    ]);
    let lag = 0;
    for (const end of ends) {
      const done = Number(committed?.partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
      lag += Math.max(0, Number(end.high) - (done >= 0 ? done : Number(end.low)));
    }
    return lag;
  }

  async stop(): Promise<void> {
    // Workers first: a batch in flight finishes and is committed while the consumer still runs.
    await Promise.all([...this.workers.values()].map((w) => w.stop()));
    await Promise.all([...this.stopping.values()]);
    this.workers.clear();
    await this.consumer
      .disconnect()
      .catch((error) =>
        this.options.log.warn(`consumer disconnect: ${errorMessage(error)}`, { event: 'disconnect-failed' }),
      );
    await this.admin.disconnect().catch(() => undefined);
    await this.destination?.stop().catch(() => undefined);
  }
}

/** Runs every mapping until `stop()`. */
export class KafkaEventSourceEmulator {
  private readonly consumers: MappingConsumer[];

  constructor(options: EmulatorOptions) {
    this.consumers = options.mappings.map((m) => new MappingConsumer(m, options));
  }

  async start(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.start()));
  }

  stats(): MappingStats[] {
    return this.consumers.map((c) => ({
      functionKey: c.mapping.functionKey,
      topic: c.mapping.topic,
      consumerGroupId: c.mapping.consumerGroupId,
      records: c.records,
      batches: c.batches,
      failedInvocations: c.failedInvocations,
      assignedPartitions: c.assignedPartitions,
      ...c.workerStates,
    }));
  }

  /** Invocations in flight will never answer (the runtime was replaced): fail them now, retry them. */
  abandonInFlight(reason: string): void {
    for (const c of this.consumers) c.abandonInFlight(reason);
  }

  /** Lag per mapping, in the order of `stats()`; undefined where the broker did not answer. */
  async lag(): Promise<Array<number | undefined>> {
    return Promise.all(this.consumers.map((c) => c.lag().catch(() => undefined)));
  }

  async stop(): Promise<void> {
    await Promise.all(this.consumers.map((c) => c.stop()));
  }
}
