/**
 * The templates pass cfn-lint (PyPI; tooling/ci/cfn-lint.sh installs a pinned copy in .cache/ when
 * missing), for dev and prod as shipped and for dev switched to self-managed Kafka with
 * SASL/SCRAM, the way docs/deploy.md tells a user to switch it. Integration tier: the first run
 * may download cfn-lint from PyPI.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import {
  asArray,
  type PackagedService,
  packageStage,
  resourcesOfType,
  roleStatements,
  SERVICE_ROOT,
} from '../support/deploy-package.ts';

const SCRAM_SECRET = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:trending-dev/kafka-scram-XyZ123';
const BROKERS = ['b-1.kafka.internal.example:9096', 'b-2.kafka.internal.example:9096'];

/** docs/deploy.md, "Self-managed Kafka": the dev stage's Kafka lines, switched from MSK to SCRAM. */
function switchDevToSelfManagedKafka(yaml: string): string {
  const replace = (from: RegExp, to: string) => {
    if (!from.test(yaml)) throw new Error(`serverless.yml no longer has ${from}`);
    yaml = yaml.replace(from, to);
  };
  replace(
    /( {2}dev:\n(?: {4}.*\n)*? {4})kafkaSource: msk\n {4}kafkaSaslMechanism: aws-iam\n/,
    `$1kafkaSource: kafka\n    kafkaSaslMechanism: scram-sha-512\n    kafkaSaslSecretArn: ${SCRAM_SECRET}\n    kafkaBrokers: ${BROKERS.join(',')}\n    kafkaBootstrapServers: [${BROKERS.join(', ')}]\n`,
  );
  replace(/( {2}dev:\n(?: {4}.*\n)*? {4})mskClusterArn: arn:.*\n/, '$1mskClusterArn: ""\n');
  replace(
    /( {2}dev:\n(?: {4}.*\n| {6}.*\n)*? {4}kafkaAccess:\n {6}vpcSubnet: .*\n {6}vpcSecurityGroup: .*\n)/,
    `$1      saslScram512Auth: [${SCRAM_SECRET}]\n`,
  );
  return yaml;
}

const packaged: Record<string, PackagedService> = {};

beforeAll(async () => {
  // The self-managed variant first: dev and prod are most likely packaged already, or being
  // packaged by deploy-template.test.ts in the other worker.
  packaged.selfManaged = await packageStage('dev', {
    editServerlessYml: switchDevToSelfManagedKafka,
    variant: 'self-managed-kafka',
  });
  packaged.dev = await packageStage('dev');
  packaged.prod = await packageStage('prod');
}, 400_000);

describe('cfn-lint', () => {
  it('passes the dev, prod and self-managed-Kafka templates', async () => {
    const templates = Object.values(packaged).map((p) => p.templatePath);

    const { stdout } = await promisify(execFile)(
      'bash',
      [path.join(SERVICE_ROOT, 'tooling/ci/cfn-lint.sh'), ...templates],
      {
        timeout: 300_000,
        maxBuffer: 8 * 1024 * 1024,
      },
    );

    expect(stdout).toMatch(/3 template\(s\) pass/);
  }, 320_000);
});

describe('dev switched to self-managed Kafka', () => {
  const template = () => packaged.selfManaged?.template ?? { Resources: {} };

  it('triggers the counter with a kafka event: bootstrap servers, SCRAM secret, VPC and the same error handling', () => {
    const mappings = resourcesOfType(template(), 'AWS::Lambda::EventSourceMapping');
    // The counter's, iss-tracker's and the archiver's two.
    expect(mappings).toHaveLength(4);
    const [, mapping] =
      mappings.find(([, m]) =>
        JSON.stringify(m.Properties.FunctionName).includes('"HashtagDashcounterLambdaFunction"'),
      ) ?? [];
    expect(mapping?.Properties).toMatchObject({
      SelfManagedEventSource: { Endpoints: { KafkaBootstrapServers: BROKERS } },
      SelfManagedKafkaEventSourceConfig: { ConsumerGroupId: 'hashtag-counter' },
      Topics: ['tweets_topic'],
      MaximumRetryAttempts: -1,
      BisectBatchOnFunctionError: true,
    });
    expect(mapping?.Properties.SourceAccessConfigurations).toEqual(
      expect.arrayContaining([
        { Type: 'SASL_SCRAM_512_AUTH', URI: SCRAM_SECRET },
        { Type: 'VPC_SUBNET', URI: 'subnet:subnet-0a1b2c3d4e5f60001' },
        { Type: 'VPC_SECURITY_GROUP', URI: 'security_group:sg-0a1b2c3d4e5f60001' },
      ]),
    );
    expect(mapping?.Properties.EventSourceArn).toBeUndefined();
  });

  it('lets only the five Kafka functions read the SCRAM secret, and grants no MSK actions', () => {
    const readers = resourcesOfType(template(), 'AWS::IAM::Role')
      .filter(([, role]) =>
        roleStatements(role).some(
          (s) =>
            asArray(s.Action).includes('secretsmanager:GetSecretValue') &&
            asArray(s.Resource).includes(SCRAM_SECRET),
        ),
      )
      .map(([id]) => id)
      .sort();
    expect(readers).toEqual([
      'ArchiverRole',
      'HashtagCounterRole',
      'IssPollerRole',
      'IssTrackerRole',
      'TweetGeneratorRole',
    ]);
    const actions = resourcesOfType(template(), 'AWS::IAM::Role').flatMap(([, role]) =>
      roleStatements(role).flatMap((s) => asArray(s.Action)),
    );
    expect(actions.filter((a) => a.startsWith('kafka'))).toEqual([]);
  });

  it('tells the functions to use SCRAM with the brokers, not MSK', () => {
    const fn = template().Resources.IssDashpollerLambdaFunction;
    if (!fn) throw new Error('the self-managed template has no iss-poller function');
    const env = (fn.Properties.Environment as { Variables: Record<string, string> }).Variables;
    expect(env).toMatchObject({
      KAFKA_BROKERS: BROKERS.join(','),
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_SECRET_ARN: SCRAM_SECRET,
      MSK_CLUSTER_ARN: '',
    });
  });
});
