/**
 * What `serverless package --stage dev|prod` produces for AWS, read as a reviewer of the deploy
 * would: the functions and how they are sized, the schedules, the Kafka event source mappings and
 * their error handling, the HTTP API routes, the shared layer on every function, the VPC, and the
 * lake: its bucket and the Glue tables Athena queries. What the IAM roles grant: deploy-iam.test.ts.
 * Packaging runs offline with the example parameters of serverless.yml (no AWS account), once
 * per stage for all deploy tests (tests/support/deploy-package.ts), hence the integration tier.
 */
import path from 'node:path';
import { asArray, type CfnResource, resourcesOfType, zipEntries } from '../support/deploy-package.ts';
// The stage's parameters and names, then its accessors.
import {
  describeEachStage,
  FUNCTIONS,
  fnProps,
  LOGICAL,
  mappingsOf,
  pkg,
  resource,
  SERVICE,
  tpl,
} from '../support/packaged-stages.ts';

describeEachStage((stage, expected) => {
  it('has the six functions on arm64 Node.js 22, each with the shared layer and the VPC', () => {
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
    expect(resourcesOfType(tpl(stage), 'AWS::Lambda::EventSourceMapping')).toHaveLength(4);
    const mappings = mappingsOf(stage, 'hashtag-counter');
    expect(mappings).toHaveLength(1);
    const mapping = mappings[0] as CfnResource;
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
      MetricsConfig: { Metrics: ['EventCount', 'ErrorCount', 'KafkaMetrics'] },
    });
    // The mapping must not be created before the role that lets it read the cluster.
    expect(asArray(mapping.DependsOn)).toContain(LOGICAL['hashtag-counter'].role);
  });

  it('feeds iss-tracker from the ISS topic in its own group, from the start of the log, with the same error handling', () => {
    const [mapping, ...others] = mappingsOf(stage, 'iss-tracker');
    expect(others).toEqual([]);
    expect(mapping?.Properties).toMatchObject({
      EventSourceArn: expected.cluster,
      Topics: ['iss-positions'],
      StartingPosition: 'TRIM_HORIZON',
      AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: 'iss-tracker' },
      MaximumRetryAttempts: -1,
      BisectBatchOnFunctionError: true,
    });
    const env = (fnProps(stage, 'iss-tracker').Environment as { Variables: Record<string, string> })
      .Variables;
    // The offset guard in Redis is keyed by the mapping's own group.
    expect(env.CONSUMER_GROUP_ID).toBe('iss-tracker');
  });

  it('feeds the archiver from both topics, one group each, batching for file size (5 minutes, 10,000 records)', () => {
    const mappings = mappingsOf(stage, 'archiver').map((m) => m.Properties);
    expect(mappings).toHaveLength(2);
    for (const [topic, group] of [
      ['tweets_topic', 'archiver-tweets'],
      ['iss-positions', 'archiver-iss'],
    ]) {
      expect(mappings).toContainEqual(
        expect.objectContaining({
          Topics: [topic],
          AmazonManagedKafkaEventSourceConfig: { ConsumerGroupId: group },
          BatchSize: 10000,
          MaximumBatchingWindowInSeconds: 300,
          StartingPosition: 'TRIM_HORIZON',
          MaximumRetryAttempts: -1,
        }),
      );
    }
  });

  it('gives no mapping an on-failure destination, which would cap the retries at 10 and skip batches', () => {
    for (const name of ['hashtag-counter', 'iss-tracker', 'archiver'] as const) {
      for (const mapping of mappingsOf(stage, name)) {
        expect(mapping.Properties.MaximumRetryAttempts).toBe(-1);
        expect(mapping.Properties.DestinationConfig).toBeUndefined();
      }
    }
  });

  it('alarms when a Kafka-triggered function stays behind its topic, as retries until success show up as lag', () => {
    const alarms = resourcesOfType(tpl(stage), 'AWS::CloudWatch::Alarm').map(([, r]) => r.Properties);
    expect(alarms).toHaveLength(3);
    for (const name of ['hashtag-counter', 'iss-tracker', 'archiver'] as const) {
      expect(alarms).toContainEqual(
        expect.objectContaining({
          Namespace: 'AWS/Lambda',
          MetricName: 'OffsetLag',
          Dimensions: [{ Name: 'FunctionName', Value: { Ref: LOGICAL[name].fn } }],
          Statistic: 'Maximum',
          ComparisonOperator: 'GreaterThanThreshold',
        }),
      );
    }
    const counter = alarms.find((a) => JSON.stringify(a.Dimensions).includes(LOGICAL['hashtag-counter'].fn));
    expect(counter?.Threshold).toBe(100000);
  });

  it('keeps the lake in a bucket that is encrypted, private, TLS-only, versioned and expires by lifecycle', () => {
    const bucket = resource(stage, 'LakeBucket');
    expect(bucket.Type).toBe('AWS::S3::Bucket');
    expect((bucket as CfnResource & { DeletionPolicy?: string }).DeletionPolicy).toBe('Retain');
    expect(bucket.Properties).toMatchObject({
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      VersioningConfiguration: { Status: 'Enabled' },
      LifecycleConfiguration: {
        Rules: [
          expect.objectContaining({
            Status: 'Enabled',
            Prefix: 'lake/',
            ExpirationInDays: 365,
            NoncurrentVersionExpiration: { NoncurrentDays: 7 },
          }),
        ],
      },
    });
    const policy = resource(stage, 'LakeBucketTlsOnly').Properties.PolicyDocument as {
      Statement: Array<Record<string, unknown>>;
    };
    expect(policy.Statement).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': 'false' } },
      }),
    );
    const env = (fnProps(stage, 'archiver').Environment as { Variables: Record<string, unknown> }).Variables;
    expect(env).toMatchObject({ ARCHIVE_BUCKET: { Ref: 'LakeBucket' }, ARCHIVE_PREFIX: 'lake' });
  });

  it('catalogs both tables in Glue with partition projection on date and hour, so Athena needs no crawler', () => {
    const database = resource(stage, 'LakeDatabase').Properties.DatabaseInput as { Name: string };
    expect(database.Name).toBe(`trending_hashtags_${stage}_lake`);
    const tables = resourcesOfType(tpl(stage), 'AWS::Glue::Table').map(([, t]) => t.Properties);
    expect(tables).toHaveLength(2);
    const columns = {
      tweets_files: ['usuario', 'texto', 'hashtag_principal', 'event_time'],
      iss_positions_files: ['latitude', 'longitude', 'event_time', 'source'],
    };
    const topics = { tweets_files: 'tweets_topic', iss_positions_files: 'iss-positions' };
    for (const table of tables) {
      const input = table.TableInput as {
        Name: keyof typeof columns;
        Parameters: Record<string, unknown>;
        PartitionKeys: Array<{ Name: string }>;
        StorageDescriptor: { Columns: Array<{ Name: string; Type: string }> };
      };
      expect(table.DatabaseName).toEqual({ Ref: 'LakeDatabase' });
      expect(input.Parameters).toMatchObject({
        classification: 'parquet',
        'projection.enabled': 'true',
        'projection.date.type': 'date',
        'projection.date.format': 'yyyy-MM-dd',
        'projection.hour.type': 'integer',
        'projection.hour.range': '0,23',
        'projection.hour.digits': '2',
        // ${!date} is CloudFormation's escape: the deployed template holds a literal ${date}.
        'storage.location.template': {
          'Fn::Sub': `s3://\${LakeBucket}/lake/topic=${topics[input.Name]}/date=\${!date}/hour=\${!hour}/`,
        },
      });
      expect(input.PartitionKeys.map((k) => k.Name)).toEqual(['date', 'hour']);
      expect(input.StorageDescriptor.Columns.map((c) => c.Name)).toEqual([
        ...columns[input.Name],
        'kafka_partition',
        'kafka_offset',
        'kafka_timestamp',
      ]);
    }
    expect(tables.map((t) => (t.TableInput as { Name: string }).Name).sort()).toEqual(
      Object.keys(columns).sort(),
    );
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
