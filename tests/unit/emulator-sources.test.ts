import {
  EventSourceConfigError,
  eventSourceMappings,
  type ServiceView,
} from '../../tooling/offline-kafka/sources.ts';

function service(functions: Record<string, Array<Record<string, unknown>>>): ServiceView {
  return {
    getAllFunctions: () => Object.keys(functions),
    getFunction: (key) => ({ name: `svc-local-${key}` }),
    getAllEventsInFunction: (key) => functions[key] ?? [],
  };
}

const defaults = { localBrokers: ['127.0.0.1:9092'] };

describe('event source mappings from serverless.yml', () => {
  it('reads topic, batching, starting position and group of a kafka event', () => {
    const mappings = eventSourceMappings(
      service({
        counter: [
          {
            kafka: {
              topic: 'tweets_topic',
              bootstrapServers: ['127.0.0.1:9092'],
              batchSize: 250,
              maximumBatchingWindow: 0.5,
              startingPosition: 'LATEST',
              consumerGroupId: 'hashtag-counter',
              accessConfigurations: { vpcSubnet: ['subnet-1'] },
            },
          },
        ],
        api: [{ httpApi: { method: 'GET', path: '/' } }],
      }),
      'svc',
      'local',
      defaults,
    );

    expect(mappings).toEqual([
      {
        functionKey: 'counter',
        functionName: 'svc-local-counter',
        kind: 'kafka',
        topic: 'tweets_topic',
        bootstrapServers: ['127.0.0.1:9092'],
        clusterArn: undefined,
        batchSize: 250,
        batchingWindowMs: 500,
        startingPosition: 'LATEST',
        startingPositionTimestamp: undefined,
        consumerGroupId: 'hashtag-counter',
        timeoutSeconds: 6,
      },
    ]);
  });

  it("applies AWS's defaults: batch 100, window 500 ms, TRIM_HORIZON, the function name as group", () => {
    const [mapping] = eventSourceMappings(
      service({ counter: [{ kafka: { topic: 't', bootstrapServers: '127.0.0.1:9092' } }] }),
      'svc',
      'local',
      defaults,
    );

    expect(mapping).toMatchObject({
      batchSize: 100,
      batchingWindowMs: 500,
      startingPosition: 'TRIM_HORIZON',
      consumerGroupId: 'svc-local-counter',
    });
  });

  it('takes string values as --param passes them', () => {
    const [mapping] = eventSourceMappings(
      service({
        counter: [
          { kafka: { topic: 't', bootstrapServers: ['h:1'], batchSize: '1000', maximumBatchingWindow: '2' } },
        ],
      }),
      'svc',
      'local',
      defaults,
    );

    expect(mapping).toMatchObject({ batchSize: 1000, batchingWindowMs: 2000 });
  });

  it('feeds msk events from the local brokers and reports the cluster ARN', () => {
    const arn = 'arn:aws:kafka:eu-west-1:123456789012:cluster/demo/abc-1';
    const [mapping] = eventSourceMappings(
      service({ counter: [{ msk: { arn, topic: 't', startingPosition: 'LATEST' } }] }),
      'svc',
      'local',
      defaults,
    );

    expect(mapping).toMatchObject({ kind: 'msk', clusterArn: arn, bootstrapServers: ['127.0.0.1:9092'] });
  });

  it('skips disabled events', () => {
    expect(
      eventSourceMappings(
        service({ counter: [{ kafka: { topic: 't', bootstrapServers: ['h:1'], enabled: false } }] }),
        'svc',
        'local',
        defaults,
      ),
    ).toEqual([]);
  });

  it('rejects a batch size above 10,000 and a bad broker, naming every problem and where it is', () => {
    const read = () =>
      eventSourceMappings(
        service({
          a: [{ kafka: { topic: 't', bootstrapServers: ['h:1'], batchSize: 10_001 } }],
          b: [{ kafka: { topic: 't', bootstrapServers: ['no-port'] } }],
        }),
        'svc',
        'local',
        defaults,
      );

    expect(read).toThrow(EventSourceConfigError);
    expect(read).toThrow(/functions\.a\.events\[0\]\.kafka: batchSize: at most 10000/);
    expect(read).toThrow(
      /functions\.b\.events\[0\]\.kafka: bootstrapServers\.0: each broker must be host:port/,
    );
  });

  it('requires a timestamp with AT_TIMESTAMP', () => {
    expect(() =>
      eventSourceMappings(
        service({
          a: [{ kafka: { topic: 't', bootstrapServers: ['h:1'], startingPosition: 'AT_TIMESTAMP' } }],
        }),
        'svc',
        'local',
        defaults,
      ),
    ).toThrow(/startingPositionTimestamp is required/);
  });
});
