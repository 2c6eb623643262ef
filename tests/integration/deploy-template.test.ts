/**
 * What `serverless package --stage dev|prod` produces for AWS, read as a reviewer of the deploy
 * would: the functions and how they are sized, the schedules, the Kafka event source mapping and
 * its error handling, the HTTP API routes, the shared layer on every function, the VPC, and IAM
 * roles that grant each function only the topics, group and secrets it uses.
 * Packaging runs offline with the example parameters of serverless.yml (no AWS account), once
 * per stage for all deploy tests (tests/support/deploy-package.ts), hence the integration tier.
 */
import path from 'node:path';
import {
  asArray,
  type CfnResource,
  type CfnTemplate,
  type PackagedService,
  type PolicyStatement,
  packageStage,
  resourcesOfType,
  roleStatements,
  zipEntries,
} from '../support/deploy-package.ts';

const SERVICE = 'trending-hashtags';
const FUNCTIONS = ['iss-poller', 'tweet-generator', 'hashtag-counter', 'top-hashtags'] as const;
type FunctionName = (typeof FUNCTIONS)[number];
const LOGICAL: Record<FunctionName, { fn: string; role: string }> = {
  'iss-poller': { fn: 'IssDashpollerLambdaFunction', role: 'IssPollerRole' },
  'tweet-generator': { fn: 'TweetDashgeneratorLambdaFunction', role: 'TweetGeneratorRole' },
  'hashtag-counter': { fn: 'HashtagDashcounterLambdaFunction', role: 'HashtagCounterRole' },
  'top-hashtags': { fn: 'TopDashhashtagsLambdaFunction', role: 'TopHashtagsRole' },
};

/** The example parameters of serverless.yml that the assertions below check against. */
const STAGES = {
  dev: {
    cluster:
      'arn:aws:kafka:eu-west-1:123456789012:cluster/trending-dev/4a1b2c3d-5e6f-4a7b-8c9d-0e1f2a3b4c5d-2',
    subnets: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
    securityGroups: ['sg-0a1b2c3d4e5f60001'],
    redisSecret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:trending-dev/redis-auth-AbCdEf',
    logRetention: 7,
    batchSize: 1000,
    maxPollers: 2,
  },
  prod: {
    cluster:
      'arn:aws:kafka:eu-west-1:123456789012:cluster/trending-prod/9f8e7d6c-5b4a-4c3d-9e2f-1a0b9c8d7e6f-3',
    subnets: ['subnet-0f1e2d3c4b5a60001', 'subnet-0f1e2d3c4b5a60002', 'subnet-0f1e2d3c4b5a60003'],
    securityGroups: ['sg-0f1e2d3c4b5a60001'],
    redisSecret: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:trending-prod/redis-auth-GhIjKl',
    logRetention: 30,
    batchSize: 1000,
    maxPollers: 6,
  },
} as const;
type Stage = keyof typeof STAGES;

const topicArn = (cluster: string, topic: string) => `${cluster.replace(':cluster/', ':topic/')}/${topic}`;
const groupArn = (cluster: string, group: string) => `${cluster.replace(':cluster/', ':group/')}/${group}`;

const packaged: Partial<Record<Stage, PackagedService>> = {};

beforeAll(async () => {
  // One after the other: two esbuild runs at once would only compete for the two cores.
  packaged.dev = await packageStage('dev');
  packaged.prod = await packageStage('prod');
}, 300_000);

function pkg(stage: Stage): PackagedService {
  const p = packaged[stage];
  if (!p) throw new Error(`stage ${stage} was not packaged`);
  return p;
}
const tpl = (stage: Stage): CfnTemplate => pkg(stage).template;
function resource(stage: Stage, id: string): CfnResource {
  const r = tpl(stage).Resources[id];
  if (!r) throw new Error(`${id} is not in the ${stage} template`);
  return r;
}
const fnProps = (stage: Stage, name: FunctionName) => resource(stage, LOGICAL[name].fn).Properties;
const statementsOf = (stage: Stage, name: FunctionName) =>
  roleStatements(resource(stage, LOGICAL[name].role));
/** Resources granted an action by a role (flattened; '*' stays '*'). */
function resourcesFor(statements: PolicyStatement[], action: string): unknown[] {
  return statements.filter((s) => asArray(s.Action).includes(action)).flatMap((s) => asArray(s.Resource));
}

describe.each(Object.keys(STAGES) as Stage[])('the packaged %s stage', (stage) => {
  const expected = STAGES[stage];

  it('has the four functions on arm64 Node.js 22, each with the shared layer and the VPC', () => {
    const functions = resourcesOfType(tpl(stage), 'AWS::Lambda::Function');
    expect(functions.map(([id]) => id).sort()).toEqual(FUNCTIONS.map((f) => LOGICAL[f].fn).sort());
    for (const name of FUNCTIONS) {
      const props = fnProps(stage, name);
      expect(props.FunctionName).toBe(`${SERVICE}-${stage}-${name}`);
      expect(props.Runtime).toBe('nodejs22.x');
      expect(props.Architectures).toEqual(['arm64']);
      expect(props.Layers).toEqual([{ Ref: 'RuntimeLambdaLayer' }]);
      expect(props.VpcConfig).toEqual({
        SubnetIds: expected.subnets,
        SecurityGroupIds: expected.securityGroups,
      });
      expect(props.Role).toEqual({ 'Fn::GetAtt': [LOGICAL[name].role, 'Arn'] });
    }
  });

  it('publishes one layer for arm64 Node.js 22', () => {
    const layer = resource(stage, 'RuntimeLambdaLayer').Properties;
    expect(layer.LayerName).toBe(`${SERVICE}-${stage}-runtime`);
    expect(layer.CompatibleRuntimes).toEqual(['nodejs22.x']);
    expect(layer.CompatibleArchitectures).toEqual(['arm64']);
  });

  it('sizes each function for its work: the poller fits its 1-minute schedule, producers never run twice at once', () => {
    const poller = fnProps(stage, 'iss-poller');
    const generator = fnProps(stage, 'tweet-generator');
    expect(poller.Timeout).toBeLessThanOrEqual(60);
    expect(poller.ReservedConcurrentExecutions).toBe(1);
    expect(generator.Timeout).toBeLessThanOrEqual(60);
    expect(generator.ReservedConcurrentExecutions).toBe(1);
    expect(fnProps(stage, 'hashtag-counter').MemorySize).toBeGreaterThanOrEqual(512);
    // API Gateway HTTP APIs give up after 30 s; the function must answer well before.
    expect(fnProps(stage, 'top-hashtags').Timeout).toBeLessThanOrEqual(10);
  });

  it('keeps every function log group for the stage retention', () => {
    const groups = resourcesOfType(tpl(stage), 'AWS::Logs::LogGroup');
    expect(groups.map(([, g]) => g.Properties.LogGroupName).sort()).toEqual(
      FUNCTIONS.map((f) => `/aws/lambda/${SERVICE}-${stage}-${f}`).sort(),
    );
    for (const [, group] of groups) expect(group.Properties.RetentionInDays).toBe(expected.logRetention);
  });

  it('runs the poller and the generator every minute', () => {
    const rules = resourcesOfType(tpl(stage), 'AWS::Events::Rule').map(([, r]) => ({
      schedule: r.Properties.ScheduleExpression,
      targets: JSON.stringify(r.Properties.Targets),
    }));
    for (const name of ['iss-poller', 'tweet-generator'] as const) {
      const rule = rules.find((r) => r.targets.includes(`"${LOGICAL[name].fn}"`));
      expect(rule?.schedule).toBe('rate(1 minute)');
    }
    expect(rules).toHaveLength(2);
  });

  it('feeds the counter from MSK with batching, a consumer group, retries until success, bisecting and a failure topic', () => {
    const mappings = resourcesOfType(tpl(stage), 'AWS::Lambda::EventSourceMapping');
    expect(mappings).toHaveLength(1);
    const [, mapping] = mappings[0] as [string, CfnResource];
    expect(mapping.Properties).toMatchObject({
      EventSourceArn: expected.cluster,
      FunctionName: { 'Fn::GetAtt': [LOGICAL['hashtag-counter'].fn, 'Arn'] },
      Topics: ['tweets_topic'],
      StartingPosition: 'TRIM_HORIZON',
      BatchSize: expected.batchSize,
      AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'hashtag-counter' },
      ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: expected.maxPollers },
      // Giving up on a batch would lose its good records: retry until it succeeds.
      MaximumRetryAttempts: -1,
      MaximumRecordAgeInSeconds: -1,
      BisectBatchOnFunctionError: true,
      DestinationConfig: { OnFailure: { Destination: 'kafka://tweets_topic.failed' } },
      MetricsConfig: { Metrics: ['EventCount', 'ErrorCount', 'KafkaMetrics'] },
    });
    // The mapping must not be created before the role that lets it read the cluster.
    expect(asArray(mapping.DependsOn)).toContain(LOGICAL['hashtag-counter'].role);
  });

  it('alarms when the counter stays behind its topic, as retries until success show up as lag', () => {
    const alarms = resourcesOfType(tpl(stage), 'AWS::CloudWatch::Alarm').map(([, r]) => r.Properties);
    expect(alarms).toEqual([
      expect.objectContaining({
        Namespace: 'AWS/Lambda',
        MetricName: 'OffsetLag',
        Dimensions: [{ Name: 'FunctionName', Value: { Ref: LOGICAL['hashtag-counter'].fn } }],
        Statistic: 'Maximum',
        Threshold: 100000,
        ComparisonOperator: 'GreaterThanThreshold',
      }),
    ]);
  });

  it('routes GET /top-hashtags and the other HTTP routes to the top-hashtags function', () => {
    const routes = resourcesOfType(tpl(stage), 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties);
    expect(routes.map((r) => r.RouteKey)).toEqual(
      expect.arrayContaining(['GET /top-hashtags', 'GET /iss/position', 'GET /']),
    );
    for (const route of routes) {
      expect(JSON.stringify(route.Target)).toContain('HttpApiIntegrationTopDashhashtags');
    }
  });

  it('passes the stage wiring to the functions: MSK with IAM auth, Redis over TLS with its AUTH secret', () => {
    for (const name of FUNCTIONS) {
      const env = (fnProps(stage, name).Environment as { Variables: Record<string, string> }).Variables;
      expect(env).toMatchObject({
        STAGE: stage,
        MSK_CLUSTER_ARN: expected.cluster,
        KAFKA_SASL_MECHANISM: 'aws-iam',
        REDIS_AUTH_SECRET_ARN: expected.redisSecret,
        // The example endpoints are cluster mode disabled; `--param redisCluster=true` switches it.
        REDIS_CLUSTER: 'false',
        TWEETS_TOPIC: 'tweets_topic',
        ISS_TOPIC: 'iss-positions',
      });
      expect(env.REDIS_URL).toMatch(/^rediss:\/\//);
    }
  });

  it('gives every function a role of its own and no shared execution role', () => {
    expect(tpl(stage).Resources.IamRoleLambdaExecution).toBeUndefined();
    const roles = resourcesOfType(tpl(stage), 'AWS::IAM::Role').map(([id]) => id);
    expect(roles.sort()).toEqual(FUNCTIONS.map((f) => LOGICAL[f].role).sort());
  });

  it('grants no wildcard on any Kafka, MSK, Secrets Manager or ElastiCache action or resource', () => {
    const sensitive = /^(kafka|kafka-cluster|secretsmanager|elasticache):/;
    for (const name of FUNCTIONS) {
      for (const statement of statementsOf(stage, name)) {
        const actions = asArray(statement.Action);
        expect(actions).not.toContain('*');
        for (const action of actions.filter((a) => sensitive.test(a))) {
          expect(action).not.toMatch(/\*/);
          expect(asArray(statement.Resource)).not.toContain('*');
          for (const arn of asArray(statement.Resource)) expect(String(arn)).not.toMatch(/\*/);
        }
      }
    }
  });

  it('lets each producer write exactly its own topic, idempotently', () => {
    const producers = { 'iss-poller': 'iss-positions', 'tweet-generator': 'tweets_topic' } as const;
    for (const [name, topic] of Object.entries(producers) as Array<[FunctionName, string]>) {
      const statements = statementsOf(stage, name);
      expect(resourcesFor(statements, 'kafka-cluster:WriteData')).toEqual([
        topicArn(expected.cluster, topic),
      ]);
      expect(resourcesFor(statements, 'kafka-cluster:DescribeTopic')).toEqual([
        topicArn(expected.cluster, topic),
      ]);
      expect(resourcesFor(statements, 'kafka-cluster:Connect')).toEqual([expected.cluster]);
      expect(resourcesFor(statements, 'kafka-cluster:WriteDataIdempotently')).toEqual([expected.cluster]);
      expect(resourcesFor(statements, 'kafka-cluster:ReadData')).toEqual([]);
    }
  });

  it('lets the counter read its topic in its own group and write only its dead-letter and failure topics', () => {
    const statements = statementsOf(stage, 'hashtag-counter');
    expect(resourcesFor(statements, 'kafka-cluster:ReadData')).toEqual([
      topicArn(expected.cluster, 'tweets_topic'),
    ]);
    expect(resourcesFor(statements, 'kafka-cluster:DescribeGroup')).toEqual([
      groupArn(expected.cluster, 'hashtag-counter'),
    ]);
    expect(resourcesFor(statements, 'kafka-cluster:AlterGroup')).toEqual([
      groupArn(expected.cluster, 'hashtag-counter'),
    ]);
    expect(resourcesFor(statements, 'kafka-cluster:WriteData').sort()).toEqual(
      [
        topicArn(expected.cluster, 'tweets_topic.dlq'),
        topicArn(expected.cluster, 'tweets_topic.failed'),
      ].sort(),
    );
    expect(resourcesFor(statements, 'kafka:DescribeClusterV2')).toEqual([expected.cluster]);
    expect(resourcesFor(statements, 'kafka:GetBootstrapBrokers')).toEqual([expected.cluster]);
    // The event source mapping attaches to the VPC to reach the brokers.
    expect(resourcesFor(statements, 'ec2:CreateNetworkInterface')).toEqual(['*']);
    expect(resourcesFor(statements, 'ec2:DescribeVpcs')).toEqual(['*']);
  });

  it('gives the HTTP function no Kafka access at all', () => {
    const actions = statementsOf(stage, 'top-hashtags').flatMap((s) => asArray(s.Action));
    expect(actions.filter((a) => a.startsWith('kafka'))).toEqual([]);
  });

  it('lets each function read the Redis AUTH secret and nothing else from Secrets Manager', () => {
    for (const name of FUNCTIONS) {
      expect(resourcesFor(statementsOf(stage, name), 'secretsmanager:GetSecretValue')).toEqual([
        expected.redisSecret,
      ]);
    }
  });

  it('lets each function write only its own log group', () => {
    for (const name of FUNCTIONS) {
      const [logs] = resourcesFor(statementsOf(stage, name), 'logs:PutLogEvents');
      expect(JSON.stringify(logs)).toContain(`log-group:/aws/lambda/${SERVICE}-${stage}-${name}:*`);
    }
  });

  it('ships small function zips with no node_modules, and a layer without the AWS SDK or type declarations', async () => {
    const { artifacts, artifactsDir } = pkg(stage);
    for (const name of FUNCTIONS) {
      expect(artifacts[`${name}.zip`]).toBeLessThan(300 * 1024);
      const entries = await zipEntries(path.join(artifactsDir, `${name}.zip`));
      expect(entries.filter((e) => e.includes('node_modules/'))).toEqual([]);
      expect(entries).toContain(`functions/${name}/handler.mjs`);
    }
    const layer = await zipEntries(path.join(artifactsDir, 'runtime.zip'));
    for (const dependency of ['kafkajs', 'ioredis', '@middy/core', 'zod', '@aws-lambda-powertools/logger']) {
      expect(layer).toContain(`nodejs/node_modules/${dependency}/package.json`);
    }
    expect(layer.filter((e) => /node_modules\/@aws-sdk\//.test(e))).toEqual([]);
    expect(layer.filter((e) => /node_modules\/@types\//.test(e))).toEqual([]);
    expect(layer.filter((e) => /\.d\.[cm]?ts$|\.map$/.test(e))).toEqual([]);
  });
});
