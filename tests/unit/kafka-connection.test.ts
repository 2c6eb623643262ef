import { GetBootstrapBrokersCommand, KafkaClient } from '@aws-sdk/client-kafka';
import { mockClient } from 'aws-sdk-client-mock';
import { loadConfig } from '#lib/config.ts';
import { discoverMskBrokers, regionOfArn, resolveConnection } from '#lib/kafka.ts';

const mskMock = mockClient(KafkaClient);
let arnCounter = 0;
/** A distinct ARN per test: discovered brokers are cached per container (per module). */
const freshArn = () => `arn:aws:kafka:eu-west-1:123456789012:cluster/trending/${++arnCounter}-abcd`;

const bootstrap = {
  BootstrapBrokerString: 'b-1.plain:9092,b-2.plain:9092',
  BootstrapBrokerStringTls: 'b-1.tls:9094,b-2.tls:9094',
  BootstrapBrokerStringSaslScram: 'b-1.scram:9096,b-2.scram:9096',
  BootstrapBrokerStringSaslIam: 'b-1.iam:9098,b-2.iam:9098',
};

beforeEach(() => mskMock.reset());

describe('MSK broker discovery', () => {
  it('uses the IAM listener when the ARN is set and no mechanism is given', async () => {
    const arn = freshArn();
    mskMock.on(GetBootstrapBrokersCommand, { ClusterArn: arn }).resolves(bootstrap);
    const config = loadConfig({ MSK_CLUSTER_ARN: arn });
    const tokens: string[] = [];

    const connection = await resolveConnection(config, {
      mskClient: new KafkaClient({ region: 'eu-west-1' }),
      mskToken: async (region) => {
        tokens.push(region);
        return { token: `signed-for-${region}`, expiryTime: Date.now() + 900_000 };
      },
    });

    expect(connection.brokers).toEqual(['b-1.iam:9098', 'b-2.iam:9098']);
    expect(connection.ssl).toBe(true);
    expect(connection.sasl?.mechanism).toBe('oauthbearer');
    const sasl = connection.sasl as { oauthBearerProvider: () => Promise<{ value: string }> };
    await expect(sasl.oauthBearerProvider()).resolves.toEqual({ value: 'signed-for-eu-west-1' });
    expect(tokens).toEqual(['eu-west-1']);
  });

  it('asks MSK once per container and reuses the brokers on warm invocations', async () => {
    const arn = freshArn();
    mskMock.on(GetBootstrapBrokersCommand).resolves(bootstrap);
    const client = new KafkaClient({ region: 'eu-west-1' });

    await discoverMskBrokers(arn, 'aws-iam', true, client);
    await discoverMskBrokers(arn, 'aws-iam', true, client);

    expect(mskMock.commandCalls(GetBootstrapBrokersCommand)).toHaveLength(1);
    expect(mskMock.commandCalls(GetBootstrapBrokersCommand)[0]?.args[0].input).toEqual({ ClusterArn: arn });
  });

  it('retries discovery after a failed call instead of caching the failure', async () => {
    const arn = freshArn();
    mskMock.on(GetBootstrapBrokersCommand).rejectsOnce(new Error('ThrottlingException')).resolves(bootstrap);
    const client = new KafkaClient({ region: 'eu-west-1' });

    await expect(discoverMskBrokers(arn, 'aws-iam', true, client)).rejects.toThrow('ThrottlingException');
    await expect(discoverMskBrokers(arn, 'aws-iam', true, client)).resolves.toEqual([
      'b-1.iam:9098',
      'b-2.iam:9098',
    ]);
  });

  it('picks the SCRAM listener and reads the credentials from the secret', async () => {
    const arn = freshArn();
    mskMock.on(GetBootstrapBrokersCommand).resolves(bootstrap);
    const config = loadConfig({
      MSK_CLUSTER_ARN: arn,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_trending',
    });
    const secretsRead: string[] = [];

    const connection = await resolveConnection(config, {
      mskClient: new KafkaClient({ region: 'eu-west-1' }),
      readSecret: async (id) => {
        secretsRead.push(id);
        return JSON.stringify({ username: 'producer', password: 's3cret' });
      },
    });

    expect(connection.brokers).toEqual(['b-1.scram:9096', 'b-2.scram:9096']);
    expect(connection.ssl).toBe(true);
    expect(connection.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'producer', password: 's3cret' });
    expect(secretsRead).toEqual(['arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_trending']);
  });

  it('uses SCRAM against self-managed brokers listed in KAFKA_BROKERS without calling MSK', async () => {
    const config = loadConfig({
      KAFKA_BROKERS: 'kafka-1.internal:9096,kafka-2.internal:9096',
      KAFKA_SASL_MECHANISM: 'scram-sha-256',
      KAFKA_SASL_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:kafka',
    });

    const connection = await resolveConnection(config, {
      readSecret: async () => JSON.stringify({ username: 'u', password: 'p' }),
    });

    expect(connection.brokers).toEqual(['kafka-1.internal:9096', 'kafka-2.internal:9096']);
    expect(connection.sasl).toEqual({ mechanism: 'scram-sha-256', username: 'u', password: 'p' });
    expect(mskMock.commandCalls(GetBootstrapBrokersCommand)).toHaveLength(0);
  });

  it('fails with a message naming the missing listener when the cluster does not offer it', async () => {
    const arn = freshArn();
    mskMock.on(GetBootstrapBrokersCommand).resolves({ BootstrapBrokerStringTls: 'b-1.tls:9094' });

    await expect(
      discoverMskBrokers(arn, 'aws-iam', true, new KafkaClient({ region: 'eu-west-1' })),
    ).rejects.toThrow(/no bootstrap brokers for aws-iam/);
  });

  it('rejects a SCRAM secret without username and password', async () => {
    const config = loadConfig({
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:bad',
    });

    await expect(
      resolveConnection(config, { readSecret: async () => JSON.stringify({ user: 'x' }) }),
    ).rejects.toThrow(/must be JSON with "username" and "password"/);
  });

  it('connects locally to KAFKA_BROKERS in plaintext with no SASL', async () => {
    const connection = await resolveConnection(loadConfig({ KAFKA_BROKERS: '127.0.0.1:9092' }));
    expect(connection).toEqual({ brokers: ['127.0.0.1:9092'], ssl: false });
  });

  it('reads the region from an MSK cluster ARN', () => {
    expect(regionOfArn('arn:aws:kafka:us-east-2:123456789012:cluster/x/y')).toBe('us-east-2');
  });
});

describe('MSK IAM token', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('signs a kafka-cluster:Connect URL for the cluster region with the default credential chain', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
    const arn = freshArn();
    mskMock.on(GetBootstrapBrokersCommand).resolves(bootstrap);
    const connection = await resolveConnection(loadConfig({ MSK_CLUSTER_ARN: arn }), {
      mskClient: new KafkaClient({ region: 'eu-west-1' }),
    });
    const sasl = connection.sasl as { oauthBearerProvider: () => Promise<{ value: string }> };

    const { value } = await sasl.oauthBearerProvider();

    const signedUrl = new URL(Buffer.from(value, 'base64url').toString('utf8'));
    expect(signedUrl.host).toBe('kafka.eu-west-1.amazonaws.com');
    expect(signedUrl.searchParams.get('Action')).toBe('kafka-cluster:Connect');
    expect(signedUrl.searchParams.get('X-Amz-Credential')).toMatch(
      /^AKIAIOSFODNN7EXAMPLE\/\d{8}\/eu-west-1\/kafka-cluster\/aws4_request$/,
    );
    expect(signedUrl.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });
});
