'use strict';
/**
 * One IAM role per function, granting exactly what `custom.leastPrivilege` in serverless.yml says
 * that function reaches: its own log group, the ENI actions Lambda needs inside a VPC, the MSK
 * topics it writes or reads (by topic ARN, never `*`), its consumer groups, the secrets it reads,
 * and `s3:PutObject` under one bucket prefix (`s3PutPrefix`: the archiver's lake, nothing else of S3).
 *
 * `kafkaRead` is one `{ topic, group }` or a list of them (one per event source mapping); with
 * `rebuild: true` the function may also rebuild lost state from that topic (state/windows/rebuild.ts):
 * it reads the topic without a group (ReadData, which it has) and commits the marker group
 * `<group>.counted` (lib/kafka-partition-log.ts), an exact group ARN. Reading the topic back
 * without a group (Metadata and ListOffsets: DescribeTopic; Fetch: ReadData) needs nothing beyond
 * `kafkaRead`, so iss-tracker's restore of a lost track (functions/iss-tracker/restore-track.ts)
 * has no flag: it uses no marker group.
 *
 * Why a plugin: MSK topic and group ARNs are derived from the cluster ARN
 * (`...:cluster/<name>/<uuid>` -> `...:topic/<name>/<uuid>/<topic>`), a string operation that
 * serverless variables cannot do; computing them here puts literal ARNs in the template, where
 * a reviewer (and tests/unit/deploy-template.test.ts) can read them.
 * Why per function: the Redis AUTH and Kafka SCRAM secrets, and each topic, are then readable
 * only by the functions that use them (one shared role would give every function the union).
 *
 * Each function in serverless.yml names its role (`role: IssPollerRole`); this plugin creates it.
 * https://docs.aws.amazon.com/msk/latest/developerguide/iam-access-control.html#msk-iam-resources
 */

const ENI_ACTIONS = [
  // What Lambda does on the function's behalf to attach it to the VPC; these EC2 actions do not
  // support resource-level scoping for Describe*, hence '*'. None is a Kafka or Redis action.
  // https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-permissions
  'ec2:CreateNetworkInterface',
  'ec2:DescribeNetworkInterfaces',
  'ec2:DescribeSubnets',
  'ec2:DeleteNetworkInterface',
  'ec2:AssignPrivateIpAddresses',
  'ec2:UnassignPrivateIpAddresses',
];
// The event source mapping also looks the VPC up when it connects to the brokers.
// https://docs.aws.amazon.com/lambda/latest/dg/with-msk-permissions.html
const ESM_VPC_ACTIONS = ['ec2:DescribeVpcs', 'ec2:DescribeSecurityGroups'];

/** `arn:aws:kafka:r:a:cluster/name/uuid` -> `{ prefix: 'arn:aws:kafka:r:a', path: 'name/uuid' }` */
function parseClusterArn(arn) {
  const match = /^(arn:aws[\w-]*:kafka:[\w-]+:\d{12}):cluster\/([^/]+\/[^/]+)$/.exec(arn ?? '');
  if (!match) {
    throw new Error(
      `least-privilege: mskClusterArn must look like arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid> (got "${arn}")`,
    );
  }
  return { prefix: match[1], path: match[2] };
}

function pascal(name) {
  return name
    .split(/[^A-Za-z0-9]/)
    .filter(Boolean)
    .map((part) => part[0].toUpperCase() + part.slice(1))
    .join('');
}

/** The role's policy statements for one function (pure; exported for tests). */
function statementsFor({ functionName, access, settings, inVpc }) {
  const statements = [
    {
      Sid: 'OwnLogGroup',
      Effect: 'Allow',
      Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      Resource: {
        'Fn::Sub': `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/${functionName}:*`,
      },
    },
  ];
  const writes = access.kafkaWrite ?? [];
  const reads = access.kafkaRead ? [access.kafkaRead].flat() : [];
  const read = reads.length > 0;
  const usesKafka = writes.length > 0 || read;
  if (inVpc) {
    statements.push({
      Sid: 'AttachToVpc',
      Effect: 'Allow',
      Action: read ? [...ENI_ACTIONS, ...ESM_VPC_ACTIONS] : ENI_ACTIONS,
      Resource: '*',
    });
  }
  if (usesKafka && settings.kafkaSource === 'msk') {
    const cluster = parseClusterArn(settings.mskClusterArn);
    const clusterArn = `${cluster.prefix}:cluster/${cluster.path}`;
    const topicArn = (topic) => `${cluster.prefix}:topic/${cluster.path}/${topic}`;
    const groupArn = (group) => `${cluster.prefix}:group/${cluster.path}/${group}`;
    statements.push({
      Sid: 'DiscoverMskBrokers',
      Effect: 'Allow',
      Action: ['kafka:DescribeClusterV2', 'kafka:GetBootstrapBrokers'],
      Resource: clusterArn,
    });
    statements.push({
      Sid: 'ConnectToMsk',
      Effect: 'Allow',
      // WriteDataIdempotently: the producers are idempotent (InitProducerId needs it).
      // DescribeClusterDynamicConfiguration: the event source mapping reads the cluster's settings.
      Action: [
        'kafka-cluster:Connect',
        ...(writes.length > 0 ? ['kafka-cluster:WriteDataIdempotently'] : []),
        ...(read ? ['kafka-cluster:DescribeClusterDynamicConfiguration'] : []),
      ],
      Resource: clusterArn,
    });
    if (writes.length > 0) {
      statements.push({
        Sid: 'WriteOwnTopics',
        Effect: 'Allow',
        Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:WriteData'],
        Resource: writes.map(topicArn),
      });
    }
    if (read) {
      const one = (arns) => (arns.length === 1 ? arns[0] : arns);
      statements.push({
        Sid: 'ReadOwnTopic',
        Effect: 'Allow',
        Action: ['kafka-cluster:DescribeTopic', 'kafka-cluster:ReadData'],
        Resource: one([...new Set(reads.map((r) => topicArn(r.topic)))]),
      });
      statements.push({
        Sid: 'OwnConsumerGroup',
        Effect: 'Allow',
        Action: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
        Resource: one([...new Set(reads.map((r) => groupArn(r.group)))]),
      });
      const rebuilds = reads.filter((r) => r.rebuild === true);
      if (rebuilds.length > 0) {
        statements.push({
          Sid: 'RebuildMarkerGroup',
          Effect: 'Allow',
          // Commit where counting started (AlterGroup: join, commit, leave); read it (DescribeGroup).
          Action: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup'],
          Resource: one(rebuilds.map((r) => groupArn(`${r.group}.counted`))),
        });
      }
    }
  }
  const lake = s3PutResource(access.s3PutPrefix);
  if (lake) {
    // Write only: a redelivered batch overwrites its own file (same name), so the archiver never
    // needs to read, list or delete. SSE-S3 needs no KMS permission.
    statements.push({ Sid: 'WriteLakeObjects', Effect: 'Allow', Action: ['s3:PutObject'], Resource: lake });
  }
  const secrets = [];
  if (access.redis && settings.redisAuthSecretArn) secrets.push(settings.redisAuthSecretArn);
  if (usesKafka && settings.kafkaSource === 'kafka' && settings.kafkaSaslSecretArn) {
    secrets.push(settings.kafkaSaslSecretArn);
  }
  if (secrets.length > 0) {
    statements.push({
      Sid: 'ReadOwnSecrets',
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue'],
      Resource: secrets,
    });
  }
  return statements;
}

/**
 * `arn:<partition>:s3:::<bucket>/<prefix>/*` for `{ bucket, prefix }`, or null when the bucket is
 * empty (a folder lake). `bucket` is a name or a CloudFormation reference (`!Ref LakeBucket`).
 */
function s3PutResource(target) {
  if (!target || target.bucket === '' || target.bucket === undefined || target.bucket === null) return null;
  const prefix = String(target.prefix ?? '').replace(/^\/+|\/+$/g, '');
  if (prefix === '')
    throw new Error('least-privilege: s3PutPrefix needs a non-empty prefix (never the whole bucket)');
  return {
    'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':s3:::', target.bucket, `/${prefix}/*`]],
  };
}

class LeastPrivilegePlugin {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'package:compileEvents': () => this.addRoles() };
  }

  addRoles() {
    const service = this.serverless.service;
    const config = service.custom?.leastPrivilege;
    if (!config) return;
    const settings = {
      kafkaSource: config.kafkaSource,
      mskClusterArn: config.mskClusterArn,
      kafkaSaslSecretArn: config.kafkaSaslSecretArn || undefined,
      redisAuthSecretArn: config.redisAuthSecretArn || undefined,
    };
    const resources = service.provider.compiledCloudFormationTemplate.Resources;
    const naming = this.serverless.getProvider('aws').naming;
    for (const name of service.getAllFunctions()) {
      const fn = service.getFunction(name);
      const roleId = `${pascal(name)}Role`;
      if (fn.role !== roleId) {
        throw new Error(`least-privilege: function "${name}" must have "role: ${roleId}" in serverless.yml`);
      }
      const access = config.functions?.[name] ?? {};
      // The compiled function says whether it ended up in a VPC (function or provider setting).
      const compiled = resources[naming.getLambdaLogicalId(name)];
      const inVpc = (compiled?.Properties?.VpcConfig?.SubnetIds?.length ?? 0) > 0;
      resources[roleId] = {
        Type: 'AWS::IAM::Role',
        Properties: {
          Description: `Execution role of ${fn.name}: only what this function reaches`,
          AssumeRolePolicyDocument: {
            Version: '2012-10-17',
            Statement: [
              { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
            ],
          },
          Policies: [
            {
              PolicyName: `${fn.name}-access`,
              PolicyDocument: {
                Version: '2012-10-17',
                Statement: statementsFor({ functionName: fn.name, access, settings, inVpc }),
              },
            },
          ],
        },
      };
    }
  }
}

module.exports = LeastPrivilegePlugin;
module.exports.statementsFor = statementsFor;
module.exports.parseClusterArn = parseClusterArn;
module.exports.s3PutResource = s3PutResource;
