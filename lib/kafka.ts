/**
 * The Kafka client shared by the functions (kafkajs).
 *
 * - Brokers: `KAFKA_BROKERS` locally; on AWS discovered from `MSK_CLUSTER_ARN` with
 *   GetBootstrapBrokers, once per container.
 * - Authentication: MSK IAM (SASL/OAUTHBEARER with a token from aws-msk-iam-sasl-signer-js) or
 *   SASL/SCRAM with credentials from Secrets Manager; both over TLS.
 * - Producing: one idempotent producer per container (`getSharedProducer`), acks=-1; batching
 *   on top of it in kafka-publisher.ts.
 *
 * kafkajs's own log lines are routed into our structured logger.
 */
import type { KafkaClient } from '@aws-sdk/client-kafka';
import {
  Kafka,
  type KafkaConfig,
  logLevel as KafkaLogLevel,
  type LogEntry,
  type Message,
  Partitioners,
  type Producer,
  type SASLOptions,
} from 'kafkajs';
import type { AppConfig } from './config.ts';
import { ServiceUnavailableError } from './errors.ts';
import type { Logger } from './logger.ts';
import { readUsernamePassword, type SecretReader } from './secrets.ts';

export type { Message, Producer };

/** Maps kafkajs log entries onto a structured logger, at WARN and above only. */
export function kafkaLogCreator(logger: Logger | undefined) {
  return () =>
    ({ level, log }: LogEntry) => {
      if (!logger) return;
      const { message, timestamp: _ts, logger: _l, ...extra } = log;
      const entry = { kafkajs: extra };
      if (level === KafkaLogLevel.ERROR) logger.error(`kafkajs: ${message}`, entry);
      else if (level === KafkaLogLevel.WARN) logger.warn(`kafkajs: ${message}`, entry);
    };
}

/** Options the layer adds to a plain broker list (auth, TLS). */
export type KafkaConnection = Pick<KafkaConfig, 'brokers' | 'ssl' | 'sasl'>;

/** Returns an MSK IAM auth token; injectable for tests. */
export type MskTokenProvider = (region: string) => Promise<{ token: string; expiryTime: number }>;

/** What {@link resolveConnection} talks to; every field has an AWS default and is injectable for tests. */
export interface ConnectionDependencies {
  /** An `@aws-sdk/client-kafka` client for GetBootstrapBrokers (default: one for the ARN's region). */
  readonly mskClient?: Pick<KafkaClient, 'send'>;
  /** Reads the SCRAM secret (default: Secrets Manager, cached). */
  readonly readSecret?: SecretReader;
  /** Signs an MSK IAM token (default: aws-msk-iam-sasl-signer-js with the default credential chain). */
  readonly mskToken?: MskTokenProvider;
}

/** The region part of an ARN (`arn:aws:kafka:<region>:<account>:cluster/...`). */
export function regionOfArn(arn: string): string {
  const region = arn.split(':')[3];
  if (!region) throw new Error(`cannot read a region from ARN ${arn}`);
  return region;
}

const brokerCache = new Map<string, Promise<string[]>>();

/**
 * Bootstrap brokers of an MSK cluster for the listener that matches the SASL mechanism
 * (IAM: port 9098, SCRAM: 9096, TLS: 9094, plaintext: 9092). Cached per container: the call
 * is made once at cold start, not once per invocation. A failed call is not cached.
 * https://docs.aws.amazon.com/msk/1.0/apireference/clusters-clusterarn-bootstrap-brokers.html
 */
export function discoverMskBrokers(
  clusterArn: string,
  mechanism: AppConfig['kafka']['saslMechanism'],
  tls: boolean,
  mskClient?: Pick<KafkaClient, 'send'>,
): Promise<string[]> {
  const cacheKey = `${clusterArn}|${mechanism}|${tls}`;
  let pending = brokerCache.get(cacheKey);
  if (!pending) {
    pending = (async () => {
      const { KafkaClient: Client, GetBootstrapBrokersCommand } = await import('@aws-sdk/client-kafka');
      const client = mskClient ?? new Client({ region: regionOfArn(clusterArn) });
      const out = await client.send(new GetBootstrapBrokersCommand({ ClusterArn: clusterArn }));
      const list =
        mechanism === 'aws-iam'
          ? out.BootstrapBrokerStringSaslIam
          : mechanism === 'scram-sha-256' || mechanism === 'scram-sha-512'
            ? out.BootstrapBrokerStringSaslScram
            : tls
              ? out.BootstrapBrokerStringTls
              : out.BootstrapBrokerString;
      if (!list) {
        throw new Error(
          `MSK cluster ${clusterArn} has no bootstrap brokers for ${mechanism === 'none' ? (tls ? 'TLS' : 'plaintext') : mechanism}; enable that authentication on the cluster or change KAFKA_SASL_MECHANISM`,
        );
      }
      return list
        .split(',')
        .map((b) => b.trim())
        .filter((b) => b.length > 0);
    })();
    pending.catch(() => brokerCache.delete(cacheKey));
    brokerCache.set(cacheKey, pending);
  }
  return pending;
}

const defaultMskToken: MskTokenProvider = async (region) => {
  // Loaded lazily: local runs never sign, and the signer pulls in the AWS SDK credential chain.
  const { generateAuthToken } = await import('aws-msk-iam-sasl-signer-js');
  return generateAuthToken({ region });
};

/**
 * SASL/OAUTHBEARER options carrying an MSK IAM token. kafkajs calls the provider on every
 * (re)authentication, so a token (valid 15 min) is never reused after it expires.
 * https://docs.aws.amazon.com/msk/latest/developerguide/iam-access-control.html
 */
export function mskIamSasl(region: string, mskToken: MskTokenProvider = defaultMskToken): SASLOptions {
  return {
    mechanism: 'oauthbearer',
    oauthBearerProvider: async () => {
      const { token } = await mskToken(region);
      return { value: token };
    },
  };
}

/**
 * Brokers and security settings for `config`: the configured list, or the MSK cluster's
 * bootstrap brokers; SASL (IAM or SCRAM) and TLS as configured. Call once per container.
 */
export async function resolveConnection(
  config: AppConfig,
  dependencies: ConnectionDependencies = {},
): Promise<KafkaConnection> {
  const { mskClusterArn, saslMechanism, ssl } = config.kafka;
  const brokers = mskClusterArn
    ? await discoverMskBrokers(mskClusterArn, saslMechanism, ssl, dependencies.mskClient)
    : [...config.kafka.brokers];
  if (saslMechanism === 'aws-iam') {
    if (!mskClusterArn) {
      throw new Error(
        'KAFKA_SASL_MECHANISM=aws-iam needs MSK_CLUSTER_ARN (the token is signed for its region)',
      );
    }
    return { brokers, ssl: true, sasl: mskIamSasl(regionOfArn(mskClusterArn), dependencies.mskToken) };
  }
  if (saslMechanism === 'scram-sha-256' || saslMechanism === 'scram-sha-512') {
    // config.ts guarantees the secret ARN is set for SCRAM.
    const secretArn = config.kafka.saslSecretArn ?? '';
    const { username, password } = await readUsernamePassword(secretArn, dependencies.readSecret);
    const sasl: SASLOptions =
      saslMechanism === 'scram-sha-256'
        ? { mechanism: 'scram-sha-256', username, password }
        : { mechanism: 'scram-sha-512', username, password };
    return { brokers, ssl: true, sasl };
  }
  return { brokers, ssl };
}

/** A kafkajs client. Connection settings are resolved once per container by the caller. */
export function createKafka(config: AppConfig, connection: KafkaConnection, logger?: Logger): Kafka {
  return new Kafka({
    clientId: config.kafka.clientId,
    ...connection,
    connectionTimeout: 3000,
    requestTimeout: 10000,
    retry: { initialRetryTime: 100, retries: 5 },
    logLevel: KafkaLogLevel.WARN,
    logCreator: kafkaLogCreator(logger),
  });
}

/** Wraps a connection failure into an error that names Kafka, the brokers and how to start it. */
export function kafkaUnavailable(brokers: readonly string[], cause: unknown): ServiceUnavailableError {
  return new ServiceUnavailableError('Kafka', brokers.join(','), cause);
}

/**
 * An idempotent producer: the broker de-duplicates kafkajs's internal retries, so a retried
 * request never writes a record twice, and it requires acks=-1 (all in-sync replicas).
 * https://kafka.apache.org/documentation/#producerconfigs_enable.idempotence
 */
export function createIdempotentProducer(kafka: Kafka): Producer {
  return kafka.producer({
    idempotent: true,
    // Keeps per-partition order across kafkajs's retries.
    maxInFlightRequests: 1,
    allowAutoTopicCreation: false,
    createPartitioner: Partitioners.DefaultPartitioner,
    // Unbounded retries as idempotence requires (bounded ones "may invalidate EoS guarantees");
    // the Lambda timeout bounds a send that never succeeds.
    retry: { initialRetryTime: 100, maxRetryTime: 2000, retries: Number.MAX_SAFE_INTEGER },
  });
}

let sharedProducer: Promise<{ producer: Producer; brokers: string[] }> | undefined;

/**
 * The container's one connected producer, created and connected on first use and reused by
 * every warm invocation. A failed connection is not cached (the next invocation retries) and is
 * reported as a {@link ServiceUnavailableError} naming Kafka and its brokers.
 */
export async function getSharedProducer(
  config: AppConfig,
  logger?: Logger,
  dependencies: ConnectionDependencies = {},
): Promise<Producer> {
  if (!sharedProducer) {
    const pending = (async () => {
      const connection = await resolveConnection(config, dependencies);
      const brokers = (connection.brokers as string[]) ?? [];
      const producer = createIdempotentProducer(createKafka(config, connection, logger));
      try {
        await producer.connect();
      } catch (error) {
        await producer.disconnect().catch(() => undefined);
        throw kafkaUnavailable(brokers, error);
      }
      return { producer, brokers };
    })();
    sharedProducer = pending;
    pending.catch(() => {
      if (sharedProducer === pending) sharedProducer = undefined;
    });
  }
  return (await sharedProducer).producer;
}

/** Disconnects the shared producer (tests, scripts). Lambda containers simply freeze. */
export async function disconnectSharedProducer(): Promise<void> {
  const pending = sharedProducer;
  sharedProducer = undefined;
  if (pending) await (await pending.catch(() => undefined))?.producer.disconnect();
}
