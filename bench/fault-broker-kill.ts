/**
 * The one fault the CI tier (tests/faults/) leaves out: the Kafka broker killed with SIGKILL
 * mid-stream and started again. On a PRIVATE broker and redis-server (tooling/infra on free ports
 * and a state folder of their own, as tests/integration/infra-lifecycle.test.ts does; the shared
 * 9092 and 6379 are never touched), with `npm start` pointed at them, an outside producer at
 * `rate` tweets/s for `seconds`, the kill `killAfter` seconds in. Prints the same figures as the
 * tier: records, lost, doubled, seconds the fault lasted, seconds to resume, seconds to exact.
 * Too slow for CI: the private broker's start (and restart) takes most of a minute on 2 cores.
 *
 *   npx tsx bench/fault-broker-kill.ts [rate, default 1000] [seconds, default 30] [killAfter, default 8]
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Redis } from 'ioredis';
import { startPipeline } from '../tests/e2e/pipeline-harness.ts';
import {
  appliedTotal,
  compare,
  countsInRedis,
  countTopic,
  figuresTable,
  SteadyProducer,
  secondsToResume,
  secondsUntil,
} from '../tests/faults/fault-harness.ts';
import { privateInfraSettings, removePrivateInfra } from '../tests/support/private-infra.ts';
import { infraUp } from '../tooling/infra/infra.ts';

const rate = Number(process.argv[2] ?? 1_000);
const seconds = Number(process.argv[3] ?? 30);
const killAfter = Number(process.argv[4] ?? 8);
const say = (line: string) => process.stderr.write(`[infra] ${line}\n`);

const settings = await privateInfraSettings('fault-broker-kill-');
const env = {
  KAFKA_PORT: String(settings.kafkaPort),
  KAFKA_CONTROLLER_PORT: String(settings.kafkaControllerPort),
  REDIS_PORT: String(settings.redisPort),
  INFRA_STATE_DIR: settings.stateDir,
};
const brokers = [`127.0.0.1:${settings.kafkaPort}`];
let pipeline: Awaited<ReturnType<typeof startPipeline>> | undefined;
const reader = new Redis(`redis://127.0.0.1:${settings.redisPort}`, {
  lazyConnect: true,
  maxRetriesPerRequest: 1,
  retryStrategy: () => 100,
});
try {
  await infraUp(settings, say);
  await reader.connect();
  pipeline = await startPipeline({ schedules: false, env: { ...env, KAFKA_BROKERS: brokers.join(',') } });
  const { topic, keyPrefix, consumerGroupId } = pipeline;
  const producer = await SteadyProducer.connect(brokers);
  const streaming = producer.run(topic, rate, seconds);
  await new Promise((r) => setTimeout(r, killAfter * 1000));
  const before = await appliedTotal(reader, keyPrefix, topic, consumerGroupId);
  const started = Date.now();
  const { pid } = JSON.parse(await readFile(path.join(settings.stateDir, 'kafka.pid.json'), 'utf8')) as {
    pid: number;
  };
  process.kill(pid, 'SIGKILL');
  await new Promise((r) => setTimeout(r, 2_000));
  await infraUp(settings, say);
  const cleared = Date.now();
  const resumeSeconds = await secondsToResume(reader, pipeline, before, cleared, 120_000);
  await streaming;
  const ended = Date.now();
  const expected = await countTopic(topic, brokers);
  let diff = { lost: 0, doubled: 0 };
  const exactSeconds = await secondsUntil(
    async () => {
      diff = compare(expected.counts, await countsInRedis(reader, keyPrefix, topic));
      return diff.lost === 0 && diff.doubled === 0;
    },
    ended,
    { intervalMs: 250, timeoutMs: 120_000 },
  );
  await producer.close();
  const row = {
    fault: 'broker `kill -9`, restarted (private broker)',
    faultSeconds: (cleared - started) / 1000,
    records: expected.records,
    ...diff,
    resumeSeconds,
    exactSeconds,
  };
  console.log(JSON.stringify(row));
  console.log(figuresTable([row]));
} finally {
  reader.disconnect();
  await pipeline?.stop();
  await removePrivateInfra(settings);
}
