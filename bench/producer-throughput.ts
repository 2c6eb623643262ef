/**
 * Generator + producer throughput into the local broker: tweets/s at producer batch sizes 1, 100
 * and 1000 (records per produce request), with gzip and without compression, each into a fresh
 * topic (3 partitions). Also the generator alone (no Kafka), to show where the ceiling is.
 *
 *   npx tsx bench/producer-throughput.ts [seconds-per-run=8]
 *
 * Needs the local Kafka (`npm run infra:up`). Prints one line per run and a table at the end.
 */
import { randomUUID } from 'node:crypto';
import { cpus } from 'node:os';
import { Kafka, logLevel } from 'kafkajs';
import { encodeTweet } from '#contracts/tweet.ts';
import { loadConfig } from '#lib/config.ts';
import { createIdempotentProducer, createKafka } from '#lib/kafka.ts';
import { BatchingPublisher, type ProducerCompression } from '#lib/kafka-publisher.ts';
import { TweetModel } from '../functions/tweet-generator/tweet-model.ts';

const seconds = Number(process.argv[2] ?? 8);
const brokers = ['127.0.0.1:9092'];
const admin = new Kafka({ clientId: 'bench-admin', brokers, logLevel: logLevel.NOTHING }).admin();

interface Row {
  run: string;
  batchSize: number | '-';
  compression: ProducerCompression | '-';
  tweets: number;
  seconds: number;
  tweetsPerSecond: number;
}

function generatorOnly(durationS: number): Row {
  const model = new TweetModel('bench');
  const start = performance.now();
  let n = 0;
  let bytes = 0;
  while (performance.now() - start < durationS * 1000) {
    for (let i = 0; i < 1000; i++) {
      const tweet = model.next(Date.now() / 1000);
      bytes += encodeTweet(tweet).length;
      n++;
    }
  }
  const elapsed = (performance.now() - start) / 1000;
  if (bytes === 0) throw new Error('nothing generated');
  return {
    run: 'generator only',
    batchSize: '-',
    compression: '-',
    tweets: n,
    seconds: elapsed,
    tweetsPerSecond: n / elapsed,
  };
}

async function produce(batchSize: number, compression: ProducerCompression, durationS: number): Promise<Row> {
  const topic = `bench-producer-${randomUUID()}`;
  await admin.createTopics({
    topics: [{ topic, numPartitions: 3, replicationFactor: 1 }],
    waitForLeaders: true,
  });
  const config = loadConfig({ KAFKA_BROKERS: brokers.join(',') });
  const producer = createIdempotentProducer(createKafka(config, { brokers }));
  await producer.connect();
  try {
    const publisher = new BatchingPublisher(producer, { topic, batchSize, compression });
    const model = new TweetModel('bench');
    const start = performance.now();
    let n = 0;
    while (performance.now() - start < durationS * 1000) {
      const tweet = model.next(Date.now() / 1000);
      await publisher.publish({ key: tweet.usuario, value: encodeTweet(tweet) });
      n++;
    }
    await publisher.flush();
    const elapsed = (performance.now() - start) / 1000;
    const offsets = await admin.fetchTopicOffsets(topic);
    const onTopic = offsets.reduce((sum, o) => sum + Number(o.high), 0);
    if (onTopic !== n) throw new Error(`${n} sent but ${onTopic} on the topic`);
    return {
      run: 'generate + produce',
      batchSize,
      compression,
      tweets: n,
      seconds: elapsed,
      tweetsPerSecond: n / elapsed,
    };
  } finally {
    await producer.disconnect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  }
}

async function main(): Promise<void> {
  await admin.connect().catch((error: unknown) => {
    throw new Error(
      `Kafka is unreachable at ${brokers.join(',')}: start it with \`npm run infra:up\` (${String(error)})`,
    );
  });
  console.log(
    `node ${process.version}, ${cpus().length} CPU(s): ${cpus()[0]?.model ?? 'unknown'}; ${seconds} s per run`,
  );
  const rows: Row[] = [generatorOnly(Math.min(seconds, 3))];
  console.log(JSON.stringify(rows[0]));
  for (const batchSize of [1, 100, 1000]) {
    for (const compression of ['none', 'gzip'] as const) {
      // Batch size 1 is one request per tweet: a short run tells the story.
      const row = await produce(batchSize, compression, batchSize === 1 ? Math.min(seconds, 4) : seconds);
      console.log(JSON.stringify(row));
      rows.push(row);
    }
  }
  await admin.disconnect();
  console.log(
    '\n| run | batch size | compression | tweets | seconds | tweets/s |\n| --- | ---: | --- | ---: | ---: | ---: |',
  );
  for (const r of rows) {
    console.log(
      `| ${r.run} | ${r.batchSize} | ${r.compression} | ${r.tweets} | ${r.seconds.toFixed(1)} | ${Math.round(r.tweetsPerSecond).toLocaleString('en')} |`,
    );
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
