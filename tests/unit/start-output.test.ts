import { readFileSync } from 'node:fs';
import path from 'node:path';
import { bannerLines, stoppedLine } from '../../tooling/start/banner.ts';
import { envName, paramsFromEnv, scalarParams } from '../../tooling/start/options.ts';
import { terminalText } from '../../tooling/start/output.ts';
import { exitReason } from '../../tooling/start/serverless-offline.ts';

const serverlessYml = readFileSync(path.resolve(__dirname, '..', '..', 'serverless.yml'), 'utf8');

describe("npm start's terminal", () => {
  it('shows the records that ask for attention and files everything else', () => {
    const lines = [
      '{"level":"INFO","message":"ISS position published","service":"iss-poller"}',
      '{"_aws":{"Timestamp":1,"CloudWatchMetrics":[]},"IssPositionsPublished":12}',
      'offline: GET /top-hashtags (λ: top-hashtags)',
      '{"level":"WARN","message":"kafkajs: The coordinator is loading","service":"offline-kafka","event":"kafkajs"}',
      '{"level":"INFO","message":"counter <- t: 5 records","service":"offline-kafka","attention":"status"}',
      '{"level":"WARN","message":"ISS API open-notify is down: timeout","service":"iss-poller","attention":"open"}',
      '{"level":"INFO","message":"ISS API open-notify answers again","service":"iss-poller","attention":"resolved"}',
    ];

    expect(lines.map((l) => terminalText(l, false)).filter((t) => t !== undefined)).toEqual([
      'counter <- t: 5 records',
      '[iss-poller] WARN ISS API open-notify is down: timeout',
      '[iss-poller] OK ISS API open-notify answers again',
    ]);
  });

  it('shows every line with LOG_LEVEL=DEBUG', () => {
    expect(terminalText('offline: GET /top-hashtags (λ: top-hashtags)', true)).toBe(
      'offline: GET /top-hashtags (λ: top-hashtags)',
    );
  });

  it('says on the way out who started what stays running, and how to stop it', () => {
    expect(stoppedLine({ started: ['kafka', 'redis'], reused: [], reusedOurs: [] })).toBe('stopped');
    expect(stoppedLine({ started: [], reused: ['kafka', 'redis'], reusedOurs: ['kafka', 'redis'] })).toBe(
      'stopped (left running: Kafka and Redis, started by an earlier npm start or npm run infra:up; `npm run infra:down` stops them)',
    );
    expect(stoppedLine({ started: ['redis'], reused: ['kafka'], reusedOurs: [] })).toBe(
      'stopped (left running: Kafka, not started by this project)',
    );
  });

  it('names the log file in the banner', () => {
    const lines = bannerLines({
      host: '127.0.0.1',
      httpPort: 3000,
      lambdaPort: 3002,
      schedules: true,
      logFile: '/repo/.cache/logs/npm-start-x.log',
      infra: {
        started: ['redis'],
        reusedOurs: ['kafka'],
        kafkaBrokers: '127.0.0.1:9092',
        redisUrl: 'redis://127.0.0.1:6379',
      },
    });

    expect(lines.join('\n')).toContain('Logs               /repo/.cache/logs/npm-start-x.log');
    expect(lines.join('\n')).toContain('Redis              redis://127.0.0.1:6379 (started by npm start)');
  });
});

describe("npm start's settings", () => {
  it("reads serverless.yml's parameters from their SCREAMING_SNAKE_CASE variables", () => {
    const params = scalarParams(serverlessYml);

    expect(envName('counterBatchSize')).toBe('COUNTER_BATCH_SIZE');
    expect(params).toEqual(
      expect.arrayContaining(['tweetsTopic', 'redisKeyPrefix', 'counterStartingPosition']),
    );
    expect(params).not.toContain('vpc');
    expect(
      paramsFromEnv(params, {
        TWEETS_TOPIC: 't1',
        COUNTER_BATCH_SIZE: '50',
        LOG_LEVEL: '',
        REDIS_URL: 'redis://elsewhere:1',
      }),
    ).toEqual(['tweetsTopic=t1', 'counterBatchSize=50']);
  });
});

describe('a failed start', () => {
  it("names osls's error, not the esbuild service that died with it", () => {
    // What osls printed, line for line, as the start's log file holds it.
    const printed = `GET /top-hashtags (λ: top-hashtags)
Environment: linux, node 20.20.2, osls 4.3.1 (local)
Error:
Error: [504] - Lambda timeout.
    at #timeoutAndTerminate (file:///x/LambdaFunction.js:290:11)
fatal error: all goroutines are asleep - deadlock!`.split('\n');

    expect(exitReason({ code: 1, signal: null }, printed)).toBe(
      'serverless offline exited with code 1 before it was ready: Error: [504] - Lambda timeout.',
    );
    expect(exitReason({ code: null, signal: 'SIGKILL' }, ['Starting Offline'])).toBe(
      'serverless offline was ended by SIGKILL before it was ready: Starting Offline',
    );
  });
});
