/**
 * What the IAM roles of `serverless package --stage dev|prod` grant, read as a reviewer of the
 * deploy would: one role per function, each allowed only the topics, groups, secrets, log group and
 * S3 prefix it uses, and no wildcard on anything sensitive. Packaged once per stage for all deploy
 * tests (tests/support/deploy-package.ts), hence the integration tier.
 */
import { asArray, resourcesOfType } from '../support/deploy-package.ts';
import {
  describeEachStage,
  FUNCTIONS,
  type FunctionName,
  groupArn,
  LOGICAL,
  REDIS_USERS,
  resourcesFor,
  SERVICE,
  statementsOf,
  topicArn,
  tpl,
} from '../support/packaged-stages.ts';

/** Actions on which a wildcard would grant more than one function needs. */
const SENSITIVE = /^(kafka|kafka-cluster|secretsmanager|elasticache):/;

describeEachStage((stage, expected) => {
  it('gives every function a role of its own and no shared execution role', () => {
    expect(tpl(stage).Resources.IamRoleLambdaExecution).toBeUndefined();
    const roles = resourcesOfType(tpl(stage), 'AWS::IAM::Role').map(([id]) => id);
    expect(roles.sort()).toEqual(FUNCTIONS.map((f) => LOGICAL[f].role).sort());
  });

  it('lets the archiver put objects under the lake prefix and nothing else of S3', () => {
    const statements = statementsOf(stage, 'archiver');
    const s3 = statements.filter((st) => asArray(st.Action).some((a) => a.startsWith('s3:')));
    expect(s3).toEqual([
      {
        Sid: 'WriteLakeObjects',
        Effect: 'Allow',
        Action: ['s3:PutObject'],
        Resource: {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', { Ref: 'LakeBucket' }, '/lake/*']],
        },
      },
    ]);
    expect(resourcesFor(statements, 'kafka-cluster:ReadData').sort()).toEqual(
      [topicArn(expected.cluster, 'iss-positions'), topicArn(expected.cluster, 'tweets_topic')].sort(),
    );
    expect(resourcesFor(statements, 'kafka-cluster:AlterGroup').sort()).toEqual(
      [groupArn(expected.cluster, 'archiver-iss'), groupArn(expected.cluster, 'archiver-tweets')].sort(),
    );
    expect(resourcesFor(statements, 'kafka-cluster:WriteData').sort()).toEqual(
      ['iss-positions.dlq', 'tweets_topic.dlq'].map((t) => topicArn(expected.cluster, t)).sort(),
    );
    for (const name of FUNCTIONS.filter((f) => f !== 'archiver')) {
      expect(
        statementsOf(stage, name)
          .flatMap((st) => asArray(st.Action))
          .filter((a) => a.startsWith('s3:')),
      ).toEqual([]);
    }
  });

  it.each([
    ['iss-tracker', 'iss-positions'],
    ['hashtag-counter', 'tweets_topic'],
  ] as const)('lets %s read %s in its own group and write only its dead-letter topic', (name, topic) => {
    const statements = statementsOf(stage, name);
    expect(resourcesFor(statements, 'kafka-cluster:ReadData')).toEqual([topicArn(expected.cluster, topic)]);
    // The counter also commits its rebuild marker group (docs/faults.md).
    expect(resourcesFor(statements, 'kafka-cluster:AlterGroup')).toEqual(
      name === 'hashtag-counter'
        ? [groupArn(expected.cluster, name), groupArn(expected.cluster, `${name}.counted`)]
        : [groupArn(expected.cluster, name)],
    );
    expect(resourcesFor(statements, 'kafka-cluster:WriteData')).toEqual([
      topicArn(expected.cluster, `${topic}.dlq`),
    ]);
  });

  it('lets iss-tracker read its topic back to restore a lost track with what its mapping has, no marker group', () => {
    const statements = statementsOf(stage, 'iss-tracker');
    const actions = [...new Set(statements.flatMap((st) => asArray(st.Action)))].filter((a) =>
      a.startsWith('kafka-cluster:'),
    );
    const granted = Object.fromEntries(
      actions.sort().map((a) => [a, resourcesFor(statements, a).map(String).sort()]),
    );
    const topic = topicArn(expected.cluster, 'iss-positions');
    const group = groupArn(expected.cluster, 'iss-tracker');
    // The restore (functions/iss-tracker/restore-track.ts) reads without a group: Metadata and
    // ListOffsets (DescribeTopic) and Fetch (ReadData) on the topic, as the mapping does.
    expect(granted).toEqual({
      'kafka-cluster:AlterGroup': [group],
      'kafka-cluster:Connect': [expected.cluster],
      'kafka-cluster:DescribeClusterDynamicConfiguration': [expected.cluster],
      'kafka-cluster:DescribeGroup': [group],
      'kafka-cluster:DescribeTopic': [topic, topicArn(expected.cluster, 'iss-positions.dlq')].sort(),
      'kafka-cluster:ReadData': [topic],
      'kafka-cluster:WriteData': [topicArn(expected.cluster, 'iss-positions.dlq')],
      'kafka-cluster:WriteDataIdempotently': [expected.cluster],
    });
  });

  it('lets the counter describe its group and find the brokers, through the VPC', () => {
    const statements = statementsOf(stage, 'hashtag-counter');
    expect(resourcesFor(statements, 'kafka-cluster:DescribeGroup')).toEqual([
      groupArn(expected.cluster, 'hashtag-counter'),
      groupArn(expected.cluster, 'hashtag-counter.counted'),
    ]);
    expect(resourcesFor(statements, 'kafka:DescribeClusterV2')).toEqual([expected.cluster]);
    expect(resourcesFor(statements, 'kafka:GetBootstrapBrokers')).toEqual([expected.cluster]);
    // The event source mapping attaches to the VPC to reach the brokers.
    expect(resourcesFor(statements, 'ec2:CreateNetworkInterface')).toEqual(['*']);
    expect(resourcesFor(statements, 'ec2:DescribeVpcs')).toEqual(['*']);
  });

  it('grants no wildcard on any Kafka, MSK, Secrets Manager or ElastiCache action or resource', () => {
    for (const name of FUNCTIONS) {
      for (const statement of statementsOf(stage, name)) {
        const actions = asArray(statement.Action);
        expect(actions).not.toContain('*');
        for (const action of actions.filter((a) => SENSITIVE.test(a))) {
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

  it('gives the HTTP function no Kafka access at all', () => {
    const actions = statementsOf(stage, 'top-hashtags').flatMap((s) => asArray(s.Action));
    expect(actions.filter((a) => a.startsWith('kafka'))).toEqual([]);
  });

  it('lets the functions that use Redis read its AUTH secret, and no function anything else from Secrets Manager', () => {
    for (const name of FUNCTIONS) {
      expect(resourcesFor(statementsOf(stage, name), 'secretsmanager:GetSecretValue')).toEqual(
        REDIS_USERS.includes(name) ? [expected.redisSecret] : [],
      );
    }
  });

  it('lets each function write only its own log group', () => {
    for (const name of FUNCTIONS) {
      const [logs] = resourcesFor(statementsOf(stage, name), 'logs:PutLogEvents');
      expect(JSON.stringify(logs)).toContain(`log-group:/aws/lambda/${SERVICE}-${stage}-${name}:*`);
    }
  });
});
