/**
 * The packaged dev and prod stages as the deploy tests read them: the example parameters of
 * serverless.yml they check against, the logical ids of each function and role, and accessors
 * for a stage's template, resources, role statements and event source mappings.
 */
import {
  asArray,
  type CfnResource,
  type CfnTemplate,
  type PackagedService,
  type PolicyStatement,
  packageStage,
  resourcesOfType,
  roleStatements,
} from './deploy-package.ts';

export const SERVICE = 'trending-hashtags';
export const FUNCTIONS = [
  'iss-poller',
  'tweet-generator',
  'hashtag-counter',
  'iss-tracker',
  'archiver',
  'top-hashtags',
] as const;
export type FunctionName = (typeof FUNCTIONS)[number];
export const LOGICAL: Record<FunctionName, { fn: string; role: string }> = {
  'iss-poller': { fn: 'IssDashpollerLambdaFunction', role: 'IssPollerRole' },
  'tweet-generator': { fn: 'TweetDashgeneratorLambdaFunction', role: 'TweetGeneratorRole' },
  'hashtag-counter': { fn: 'HashtagDashcounterLambdaFunction', role: 'HashtagCounterRole' },
  'iss-tracker': { fn: 'IssDashtrackerLambdaFunction', role: 'IssTrackerRole' },
  archiver: { fn: 'ArchiverLambdaFunction', role: 'ArchiverRole' },
  'top-hashtags': { fn: 'TopDashhashtagsLambdaFunction', role: 'TopHashtagsRole' },
};

/** The example parameters of serverless.yml that the assertions below check against. */
export const STAGES = {
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
export type Stage = keyof typeof STAGES;

export const topicArn = (cluster: string, topic: string) =>
  `${cluster.replace(':cluster/', ':topic/')}/${topic}`;
export const groupArn = (cluster: string, group: string) =>
  `${cluster.replace(':cluster/', ':group/')}/${group}`;

const packaged: Partial<Record<Stage, PackagedService>> = {};

/**
 * One describe block a stage ("the packaged dev stage", …), its tests run once both stages are
 * packaged (from the cache when nothing changed). `expected`: the stage's example parameters.
 */
export function describeEachStage(tests: (stage: Stage, expected: (typeof STAGES)[Stage]) => void): void {
  beforeAll(async () => {
    // One after the other: two esbuild runs at once would only compete for the two cores.
    packaged.dev = await packageStage('dev');
    packaged.prod = await packageStage('prod');
  }, 300_000);
  describe.each(Object.keys(STAGES) as Stage[])('the packaged %s stage', (stage) =>
    tests(stage, STAGES[stage]),
  );
}

export function pkg(stage: Stage): PackagedService {
  const p = packaged[stage];
  if (!p) throw new Error(`stage ${stage} was not packaged`);
  return p;
}
export const tpl = (stage: Stage): CfnTemplate => pkg(stage).template;
export function resource(stage: Stage, id: string): CfnResource {
  const r = tpl(stage).Resources[id];
  if (!r) throw new Error(`${id} is not in the ${stage} template`);
  return r;
}
export const fnProps = (stage: Stage, name: FunctionName) => resource(stage, LOGICAL[name].fn).Properties;
export const statementsOf = (stage: Stage, name: FunctionName) =>
  roleStatements(resource(stage, LOGICAL[name].role));
/** The event source mappings of one function. */
export const mappingsOf = (stage: Stage, name: FunctionName) =>
  resourcesOfType(tpl(stage), 'AWS::Lambda::EventSourceMapping')
    .map(([, r]) => r)
    .filter((r) => JSON.stringify(r.Properties.FunctionName).includes(`"${LOGICAL[name].fn}"`));
/** The functions that use Redis (the poller and the archiver do not). */
export const REDIS_USERS: readonly FunctionName[] = [
  'tweet-generator',
  'hashtag-counter',
  'iss-tracker',
  'top-hashtags',
];
/** Resources granted an action by a role (flattened; '*' stays '*'). */
export function resourcesFor(statements: PolicyStatement[], action: string): unknown[] {
  return statements.filter((s) => asArray(s.Action).includes(action)).flatMap((s) => asArray(s.Resource));
}
