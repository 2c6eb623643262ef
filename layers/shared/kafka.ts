/**
 * The Kafka client shared by the functions (kafkajs). Locally the brokers come from
 * KAFKA_BROKERS; on AWS they may be discovered from the MSK cluster ARN (see `resolveBrokers`).
 * kafkajs's own log lines are routed into our structured logger.
 */
import { Kafka, type KafkaConfig, logLevel as KafkaLogLevel, type LogEntry, type Producer } from 'kafkajs';
import type { AppConfig } from './config.ts';
import { ServiceUnavailableError } from './errors.ts';
import type { Logger } from './logger.ts';

export type { Producer };

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

/** Options the layer adds to a plain broker list (auth, TLS); extended for MSK IAM and SCRAM. */
export type KafkaConnection = Pick<KafkaConfig, 'brokers' | 'ssl' | 'sasl'>;

/** Brokers and security settings for `config` (local: the broker list as configured). */
export async function resolveConnection(config: AppConfig): Promise<KafkaConnection> {
  return { brokers: [...config.kafka.brokers], ssl: config.kafka.ssl };
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
