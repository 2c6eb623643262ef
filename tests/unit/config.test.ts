import { ConfigError, loadConfig } from '#lib/config.ts';

describe('loadConfig', () => {
  it('gives the documented local defaults for an empty environment', () => {
    const config = loadConfig({});

    expect(config.stage).toBe('local');
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
    expect(config.topics).toEqual({
      tweets: 'tweets_topic',
      iss: 'iss-positions',
      deadLetter: 'tweets_topic.dlq',
    });
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
    expect(config.windows).toEqual({
      windowSeconds: 60,
      slideSeconds: 10,
      allowedLatenessSeconds: 60,
      retentionSeconds: 3600,
      maxFutureSkewSeconds: 300,
    });
  });

  it('names every invalid variable in one error', () => {
    const attempt = () =>
      loadConfig({ WINDOW_SECONDS: 'sixty', KAFKA_BROKERS: 'localhost', REDIS_URL: 'http://x', STAGE: 'qa' });

    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const problems = (error as ConfigError).problems.join('\n');
      for (const name of ['WINDOW_SECONDS', 'KAFKA_BROKERS', 'REDIS_URL', 'STAGE'])
        expect(problems).toContain(name);
    }
  });

  it('reports rules between variables in the same error as invalid variables', () => {
    let problems: readonly string[] = [];
    try {
      loadConfig({
        STAGE: 'qa',
        WINDOW_SECONDS: '60',
        SLIDE_SECONDS: '7',
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
      });
    } catch (error) {
      problems = (error as ConfigError).problems;
    }

    expect(problems.map((p) => p.split(':')[0])).toEqual(['STAGE', 'SLIDE_SECONDS', 'KAFKA_SASL_SECRET_ARN']);
  });

  it('rejects a slide that does not divide the window', () => {
    expect(() => loadConfig({ WINDOW_SECONDS: '60', SLIDE_SECONDS: '7' })).toThrow(
      /SLIDE_SECONDS: must divide/,
    );
  });

  it('derives the dead-letter topic from the tweets topic and uses IAM with TLS for an MSK cluster', () => {
    const config = loadConfig({
      TWEETS_TOPIC: 'tweets',
      MSK_CLUSTER_ARN: 'arn:aws:kafka:eu-west-1:123456789012:cluster/trending/abc-1',
    });

    expect(config.topics.deadLetter).toBe('tweets.dlq');
    expect(config.kafka.saslMechanism).toBe('aws-iam');
    expect(config.kafka.ssl).toBe(true);
  });

  it('uses a standalone Redis unless REDIS_CLUSTER says the endpoint is a cluster', () => {
    expect(loadConfig({}).redis.cluster).toBe(false);
    expect(loadConfig({ REDIS_CLUSTER: 'true' }).redis.cluster).toBe(true);
    expect(loadConfig({ REDIS_CLUSTER: 'false' }).redis.cluster).toBe(false);
    expect(() => loadConfig({ REDIS_CLUSTER: 'cluster' })).toThrow(/REDIS_CLUSTER/);
    // Cluster mode has no SELECT: a database other than 0 in the URL would be silently ignored.
    expect(() => loadConfig({ REDIS_CLUSTER: 'true', REDIS_URL: 'redis://127.0.0.1:7000/2' })).toThrow(
      /REDIS_URL: Redis Cluster has only database 0/,
    );
    expect(loadConfig({ REDIS_CLUSTER: 'true', REDIS_URL: 'redis://127.0.0.1:7000/0' }).redis.cluster).toBe(
      true,
    );
  });

  it('honours the failure switch only on the local stage', () => {
    expect(loadConfig({ LOCAL_FAILURE_SWITCH_KEY: 'fail' }).localFailureSwitchKey).toBe('fail');
    expect(
      loadConfig({ STAGE: 'prod', LOCAL_FAILURE_SWITCH_KEY: 'fail' }).localFailureSwitchKey,
    ).toBeUndefined();
  });

  it('returns a frozen object', () => {
    const config = loadConfig({});

    expect(Object.isFrozen(config)).toBe(true);
    expect(Object.isFrozen(config.kafka.brokers)).toBe(true);
  });
});
