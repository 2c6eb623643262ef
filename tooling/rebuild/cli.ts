/**
 * `npm run rebuild -- --topic <topic> [--since <ISO 8601>] [--group <consumer group>]`: restores,
 * now, every partition of `topic` whose counts Redis has lost, from Kafka, exactly as the counter
 * does on its next batch (state/windows/rebuild.ts): up to the consumer group's committed offset,
 * from `--since` (default now − retention − allowed lateness) or where counting started, whichever
 * is later. Idempotent: a partition Redis still holds is left alone, a second run changes nothing,
 * and it is safe while the counter runs (each chunk is a compare-and-set on the applied offset).
 * Useful when a topic is quiet: the counter only rebuilds when a batch arrives.
 *
 * The environment is the functions' (lib/config.ts: KAFKA_BROKERS or MSK_CLUSTER_ARN, REDIS_URL,
 * CONSUMER_GROUP_ID, REDIS_KEY_PREFIX, the window settings). docs/faults.md gives the invocation
 * against a deployed stage.
 */
import { parseArgs } from 'node:util';
import { DEFAULT_MAX_VALUE_BYTES } from '#contracts/tweet.ts';
import { loadConfig } from '#lib/config.ts';
import { errorMessage } from '#lib/errors.ts';
import { createKafka, resolveConnection } from '#lib/kafka.ts';
import { kafkaPartitionLog } from '#lib/kafka-partition-log.ts';
import { createRedisWithAuth, pingRedis } from '#lib/redis.ts';
import {
  advanceWatermark,
  readPartitionProgress,
  restorePartition,
  windowSettingsFrom,
} from '#state/windows/index.ts';

const USAGE = `usage: npm run rebuild -- --topic <topic> [--since <ISO 8601 instant>] [--group <consumer group>]
  restores the partitions of <topic> whose counts Redis has lost, from Kafka; leaves the others alone
  --since   replay records from this instant on (default: now - RETENTION_SECONDS - ALLOWED_LATENESS_SECONDS)
  --group   the counter's consumer group (default: CONSUMER_GROUP_ID, "hashtag-counter")`;

function parse(argv: readonly string[]) {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      topic: { type: 'string' },
      since: { type: 'string' },
      group: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return { help: true as const };
  if (!values.topic) throw new Error('--topic is required');
  let sinceMs: number | undefined;
  if (values.since !== undefined) {
    sinceMs = Date.parse(values.since);
    if (Number.isNaN(sinceMs))
      throw new Error(`--since is not an ISO 8601 instant: ${JSON.stringify(values.since)}`);
  }
  return { help: false as const, topic: values.topic, sinceMs, group: values.group };
}

async function main(argv: readonly string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (error) {
    process.stderr.write(`${errorMessage(error)}\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const config = loadConfig();
  const settings = windowSettingsFrom(config);
  const consumerGroup = args.group ?? config.consumerGroupId;
  const connection = await resolveConnection(config);
  const kafka = createKafka(config, connection);
  const admin = kafka.admin();
  const log = kafkaPartitionLog({ kafka: async () => kafka, consumerGroup });
  const redis = await createRedisWithAuth(config);
  try {
    await pingRedis(redis, config.redis.url);
    try {
      await admin.connect();
    } catch (error) {
      throw new Error(
        `Kafka is not reachable at ${(connection.brokers as string[]).join(',')} (${errorMessage(error)}); start it with npm run infra:up`,
      );
    }
    const [committed] = await admin.fetchOffsets({ groupId: consumerGroup, topics: [args.topic] });
    const partitions = (committed?.partitions ?? []).map((p) => ({
      partition: p.partition,
      next: Number(p.offset),
    }));
    const progress = await readPartitionProgress(
      redis,
      settings,
      consumerGroup,
      args.topic,
      partitions.map((p) => p.partition),
    );
    let total = 0;
    let seconds = 0;
    for (const { partition, next } of partitions) {
      const line = `${args.topic}-${partition}`;
      if (next < 0) {
        process.stdout.write(`${line}: nothing counted yet by group ${consumerGroup}\n`);
        continue;
      }
      const outcome = await restorePartition(redis, settings, log, {
        consumerGroup,
        topic: args.topic,
        partition,
        upTo: next,
        progress: progress.get(partition) ?? { applied: null, rebuildTo: null },
        limits: {
          maxValueBytes: DEFAULT_MAX_VALUE_BYTES,
          maxFutureSkewMs: config.windows.maxFutureSkewSeconds * 1000,
        },
        nowMs: Date.now(),
        ...(args.sinceMs === undefined ? {} : { sinceMs: args.sinceMs }),
      });
      if (outcome.status === 'intact') {
        process.stdout.write(`${line}: intact up to ${next - 1}, left alone\n`);
        // State from before the marker existed: without one, a later loss would pass for a first start.
        if ((await log.countedFrom(args.topic, partition)) === null) {
          const { earliest } = await log.bounds(args.topic, partition);
          await log.markCounted(args.topic, partition, earliest);
          process.stdout.write(`${line}: had no marker; counting recorded as started at ${earliest}\n`);
        }
      } else if (outcome.status === 'first-start')
        process.stdout.write(`${line}: no state and no marker: counting starts at ${outcome.markedAt}\n`);
      else if (outcome.status === 'not-in-log')
        process.stdout.write(`${line}: the broker has no such partition: nothing to rebuild\n`);
      else {
        total += outcome.records;
        seconds += outcome.seconds;
        process.stdout.write(
          `${line}: replayed offsets ${outcome.from}..${outcome.to - 1}: ${outcome.records} records (${outcome.accepted} counted, ${outcome.rejected} rejected) in ${outcome.seconds.toFixed(2)} s\n`,
        );
        if (outcome.uncovered) {
          process.stdout.write(
            `${line}: WARNING offsets ${outcome.uncovered.from}..${outcome.uncovered.to - 1} had been counted but the broker no longer holds them (topic retention too short)\n`,
          );
        }
      }
    }
    await advanceWatermark(redis, settings, args.topic);
    if (total > 0) {
      process.stdout.write(
        `rebuilt ${total} records at ${Math.round(total / Math.max(seconds, 1e-6))} records/s\n`,
      );
    }
    return 0;
  } finally {
    await Promise.allSettled([log.close(), admin.disconnect()]);
    redis.disconnect();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`rebuild failed: ${errorMessage(error)}\n`);
    process.exitCode = 1;
  },
);
