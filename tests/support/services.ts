/**
 * Where the tests' Kafka broker and Redis server are: the ones the global setup starts or reuses,
 * from the same settings (KAFKA_PORT, REDIS_PORT; npm run test:kafka-4 moves both to run the
 * Kafka-facing suites against a 4.x broker beside a running 3.9 one).
 */
import { infraSettings } from '../../tooling/infra/infra.ts';

const settings = infraSettings();

/** The broker list, for kafkajs. */
export const KAFKA_BROKERS: string[] = [`${settings.host}:${settings.kafkaPort}`];
export const REDIS_URL = `redis://${settings.host}:${settings.redisPort}`;
