/**
 * An unreachable service is named, with where it was looked for and what to do about it where the
 * code runs: the local scripts on a laptop, the network path on AWS.
 */
import { howToReach, ServiceUnavailableError } from '#lib/errors.ts';

describe('ServiceUnavailableError', () => {
  it('names the service, its address, the cause and how to start it locally', () => {
    const error = new ServiceUnavailableError(
      'Redis',
      'redis://127.0.0.1:6379',
      new Error('connect ECONNREFUSED 127.0.0.1:6379'),
    );

    expect(error.service).toBe('Redis');
    expect(error.message).toMatch(/^Redis\b/);
    expect(error.message).toContain('redis://127.0.0.1:6379');
    expect(error.message).toContain('ECONNREFUSED');
    expect(error.message).toContain('npm run infra:up');
    expect(error.message).toContain('REDIS_URL');
    expect(error.message.split('\n')).toHaveLength(1);
  });

  it('gives Kafka its own advice: the broker, KAFKA_BROKERS', () => {
    const error = new ServiceUnavailableError('Kafka', '127.0.0.1:9092');

    expect(error.message).toMatch(/^Kafka\b/);
    expect(error.message).toContain('127.0.0.1:9092');
    expect(error.message).toContain('npm run infra:up');
    expect(error.message).toContain('KAFKA_BROKERS');
    expect(error.message).not.toContain('REDIS_URL');
  });

  it('points at the VPC and the stage parameters inside a Lambda on AWS, not at local scripts', () => {
    const aws = { AWS_LAMBDA_FUNCTION_NAME: 'trending-hashtags-prod-hashtag-counter' };

    expect(howToReach('Kafka', aws)).toMatch(/VPC subnets and security groups .* mskClusterArn/);
    expect(howToReach('Redis', aws)).toMatch(/ElastiCache, and the stage's redisUrl/);
    expect(howToReach('Redis', aws)).not.toMatch(/infra:up/);
  });

  it('keeps the local advice under serverless offline and invoke local, which also set a function name', () => {
    const name = { AWS_LAMBDA_FUNCTION_NAME: 'trending-hashtags-local-top-hashtags' };

    expect(howToReach('Kafka', { ...name, IS_OFFLINE: 'true' })).toMatch(/npm run infra:up/);
    expect(howToReach('Kafka', { ...name, IS_LOCAL: 'true' })).toMatch(/npm run infra:up/);
    expect(howToReach('Kafka', {})).toMatch(/npm run infra:up/);
  });
});
