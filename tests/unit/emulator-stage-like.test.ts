/**
 * `npm start -- --stage-like dev`: the local run takes the dev stage's event source mapping
 * settings from serverless.yml (the same place the deployed template takes them from).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { stageLikeParams, startOptions } from '../../tooling/start/options.ts';

const serverlessYml = path.join(__dirname, '..', '..', 'serverless.yml');
const yml = readFileSync(serverlessYml, 'utf8');

describe('--stage-like', () => {
  it("takes the stage's mapping params and points custom.eventSourceMappings at the stage's settings", () => {
    const params = stageLikeParams(yml, 'dev');

    expect(params).toContain('mappingStage=dev');
    expect(params).toContain('counterStartingPosition=TRIM_HORIZON');
    expect(params).toContain('counterBatchingWindow=0');
    // Not set by dev: the default (300 s), not the local stage's 10 s.
    expect(params).toContain('archiverBatchingWindow=300');
    // Nothing that would leave this machine: brokers and Redis stay local.
    expect(params.some((p) => /^(kafkaBrokers|redisUrl|mskClusterArn|kafkaSource)=/.test(p))).toBe(false);
  });

  it('lets an explicit --param win over the stage setting of the same name', () => {
    const options = startOptions(
      ['--stage-like', 'dev', '--param', 'counterBatchingWindow=0.01'],
      {},
      serverlessYml,
    );

    expect(options.stageLike).toBe('dev');
    expect(options.params).toContain('counterBatchingWindow=0.01');
    expect(options.params).not.toContain('counterBatchingWindow=0');
    expect(options.params).toContain('mappingStage=dev');
  });

  it('rejects local or a stage serverless.yml does not have, naming the stages it has', () => {
    expect(() => stageLikeParams(yml, 'local')).toThrow(/dev, prod/);
    expect(() => stageLikeParams(yml, 'qa')).toThrow(/"qa"/);
  });
});
