/** The pipeline's topics on the local broker: created when missing, listed for `infra:status`. */
import { Kafka, logLevel } from 'kafkajs';
import type { TopicSpec } from './settings.ts';

function admin(brokers: string, clientId: string) {
  return new Kafka({ clientId, brokers: [brokers], logLevel: logLevel.NOTHING }).admin();
}

/** Creates the topics that are missing; existing topics are left as they are. Returns the names created. */
export async function ensureTopics(brokers: string, topics: readonly TopicSpec[]): Promise<string[]> {
  const client = admin(brokers, 'infra-topics');
  await client.connect();
  try {
    const existing = new Set(await client.listTopics());
    const missing = topics.filter((t) => !existing.has(t.name));
    if (missing.length > 0) {
      await client.createTopics({
        waitForLeaders: true,
        topics: missing.map((t) => ({ topic: t.name, numPartitions: t.partitions, replicationFactor: 1 })),
      });
    }
    return missing.map((t) => t.name);
  } finally {
    await client.disconnect();
  }
}

/** The topics on the broker, Kafka's internal ones (`__consumer_offsets`) left out, sorted. */
export async function listTopics(brokers: string): Promise<string[]> {
  const client = admin(brokers, 'infra-status');
  await client.connect();
  try {
    return (await client.listTopics()).filter((t) => !t.startsWith('__')).sort();
  } finally {
    await client.disconnect();
  }
}
