/**
 * Where the local Kafka and Redis listen and keep their files. Every port, folder and topic name
 * can be overridden from the environment; nothing here touches a process or the disk.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InfraError } from './infra-error.ts';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The broker version `infra:up` runs unless KAFKA_VERSION says otherwise: the 3.9 line, which
 * Amazon MSK runs and kafkajs was tested against. `npm test` also runs the Kafka-facing suites
 * against the newest 4.x line (KAFKA_4_VERSION): README "Kafka versions" says what differs.
 */
export const KAFKA_VERSION = '3.9.1';
export const KAFKA_4_VERSION = '4.4.0';

export type ServiceKey = 'kafka' | 'redis';

/** Where progress lines go (the terminal for the CLI, stderr with a prefix for the tests). */
export type Log = (line: string) => void;

export interface TopicSpec {
  readonly name: string;
  readonly partitions: number;
}

export interface InfraSettings {
  readonly host: string;
  readonly kafkaPort: number;
  readonly kafkaControllerPort: number;
  readonly redisPort: number;
  /** Pid files, logs, generated broker config and both services' data. */
  readonly stateDir: string;
  /** The broker's jars, resolved from Maven Central once; shared by every state folder. */
  readonly kafkaJarsDir: string;
  readonly kafkaHeap: string;
  /** The Apache Kafka release to run (KAFKA_VERSION): its jars and its data folder are its own. */
  readonly kafkaVersion: string;
  readonly topics: readonly TopicSpec[];
  /**
   * Environment of the commands run here (this process's, overlaid with the one the settings were
   * read from): its PATH decides which mvn, java and redis-server run, MAVEN_OPTS reaches Maven.
   */
  readonly env: NodeJS.ProcessEnv;
}

function intFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new InfraError(`${name} must be a port or count between 1 and 65535 (got ${JSON.stringify(raw)})`);
  }
  return value;
}

/** Settings from the environment; every port, folder and topic name can be overridden. */
export function infraSettings(env: NodeJS.ProcessEnv = process.env): InfraSettings {
  const tweets = env.TWEETS_TOPIC || 'tweets_topic';
  const cacheDir = env.INFRA_CACHE_DIR || path.join(repoRoot, '.cache');
  // `3` and `4` name the lines this project tests against; anything else is a release number.
  const asked = env.KAFKA_VERSION || KAFKA_VERSION;
  const kafkaVersion = asked === '3' ? KAFKA_VERSION : asked === '4' ? KAFKA_4_VERSION : asked;
  if (!/^\d+\.\d+\.\d+$/.test(kafkaVersion)) {
    throw new InfraError(
      `KAFKA_VERSION must be 3, 4 or an Apache Kafka release such as ${KAFKA_VERSION} (got ${JSON.stringify(asked)})`,
    );
  }
  return {
    host: '127.0.0.1',
    kafkaPort: intFromEnv(env, 'KAFKA_PORT', 9092),
    kafkaControllerPort: intFromEnv(env, 'KAFKA_CONTROLLER_PORT', 9093),
    redisPort: intFromEnv(env, 'REDIS_PORT', 6379),
    stateDir: env.INFRA_STATE_DIR || path.join(cacheDir, 'infra'),
    kafkaJarsDir: env.KAFKA_JARS_DIR || path.join(cacheDir, `kafka-${kafkaVersion}`, 'libs'),
    kafkaHeap: env.KAFKA_HEAP || '512m',
    kafkaVersion,
    topics: [
      { name: tweets, partitions: intFromEnv(env, 'TWEETS_TOPIC_PARTITIONS', 3) },
      { name: env.ISS_TOPIC || 'iss-positions', partitions: 1 },
      { name: env.DLQ_TOPIC || `${tweets}.dlq`, partitions: 1 },
      { name: `${env.ISS_TOPIC || 'iss-positions'}.dlq`, partitions: 1 },
    ],
    env: env === process.env ? env : { ...process.env, ...env },
  };
}

/** The files of one local service under the state folder. */
export interface ServiceFiles {
  /** What `infra:down -- --wipe` removes: Redis's append-only file, Kafka's log segments. */
  readonly dataDir: string;
  readonly logFile: string;
  readonly pidFile: string;
}

export function serviceFiles(s: InfraSettings, key: ServiceKey): ServiceFiles {
  return {
    // Each Kafka release formats its own storage: switching KAFKA_VERSION never reuses another's.
    dataDir:
      key === 'redis' ? path.join(s.stateDir, 'redis') : path.join(s.stateDir, kafkaDirName(s), 'data'),
    logFile: path.join(s.stateDir, `${key}.log`),
    pidFile: path.join(s.stateDir, `${key}.pid.json`),
  };
}

/** The 3.9 default keeps the folder name it always had, so an existing broker's data stays in use. */
function kafkaDirName(s: InfraSettings): string {
  return s.kafkaVersion === KAFKA_VERSION ? 'kafka' : `kafka-${s.kafkaVersion}`;
}

export const SERVICE_NAME: Readonly<Record<ServiceKey, string>> = { kafka: 'Kafka', redis: 'Redis' };

/** The port a service answers on (Kafka's broker listener, not its controller). */
export function servicePort(s: InfraSettings, key: ServiceKey): number {
  return key === 'kafka' ? s.kafkaPort : s.redisPort;
}
