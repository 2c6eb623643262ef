import {
  DEFAULT_ERROR_HANDLING,
  EventSourceConfigError,
  eventSourceMappings,
  type ServiceView,
} from '../../tooling/offline-kafka/sources.ts';

function service(
  functions: Record<string, Array<Record<string, unknown>>>,
  eventSourceMappingsOf?: Record<string, unknown>,
): ServiceView {
  return {
    getAllFunctions: () => Object.keys(functions),
    getFunction: (key) => ({ name: `svc-local-${key}` }),
    getAllEventsInFunction: (key) => functions[key] ?? [],
    custom: eventSourceMappingsOf === undefined ? undefined : { eventSourceMappings: eventSourceMappingsOf },
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
        errorHandling: DEFAULT_ERROR_HANDLING,
        filters: [],
        provisionedPollers: undefined,
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

  // The deployed template's extra properties (tooling/serverless-plugins/kafka-trigger.cjs), by CloudFormation name.
  // https://docs.aws.amazon.com/lambda/latest/dg/kafka-retry-configurations.html
  describe('custom.eventSourceMappings, as the deployed template has them', () => {
    const counter = { counter: [{ kafka: { topic: 'tweets', bootstrapServers: '127.0.0.1:9092' } }] };
    /** The counter's mappings with these CloudFormation properties. */
    const counterWith = (properties: Record<string, unknown>) =>
      eventSourceMappings(service(counter, { counter: properties }), 'svc', 'dev', defaults);

    it('reads retries, record age, bisect, the kafka:// destination and the batching overrides', () => {
      const [mapping] = counterWith({
        MaximumRetryAttempts: 2,
        MaximumRecordAgeInSeconds: 60,
        BisectBatchOnFunctionError: true,
        DestinationConfig: { OnFailure: { Destination: 'kafka://tweets.failed' } },
        ProvisionedPollerConfig: { MinimumPollers: 1, MaximumPollers: 2 },
        MaximumBatchingWindowInSeconds: 0,
        MetricsConfig: { Metrics: ['EventCount'] },
      });

      expect(mapping?.errorHandling).toEqual({
        maximumRetryAttempts: 2,
        maximumRecordAgeSeconds: 60,
        bisectBatchOnFunctionError: true,
        onFailureTopic: 'tweets.failed',
      });
      expect(mapping?.batchingWindowMs).toBe(0);
      expect(mapping?.provisionedPollers).toEqual({ minimum: 1, maximum: 2 });
    });

    it('takes a zero batching window only from MaximumBatchingWindowInSeconds, as the deployed template does', () => {
      const zeroOnEvent = {
        counter: [
          { kafka: { topic: 'tweets', bootstrapServers: '127.0.0.1:9092', maximumBatchingWindow: 0 } },
        ],
      };

      const [fromEvent] = eventSourceMappings(service(zeroOnEvent, {}), 'svc', 'dev', defaults);
      const [fromProperties] = eventSourceMappings(
        service(zeroOnEvent, { counter: { MaximumBatchingWindowInSeconds: 0 } }),
        'svc',
        'dev',
        defaults,
      );

      // osls drops a 0 from the event, so AWS's 500 ms default applies.
      expect(fromEvent?.batchingWindowMs).toBe(500);
      expect(fromProperties?.batchingWindowMs).toBe(0);
    });

    it('keeps AWS defaults without them: retry forever, no age limit, no bisect, no destination', () => {
      const [mapping] = eventSourceMappings(service(counter, {}), 'svc', 'local', defaults);

      expect(mapping?.errorHandling).toEqual(DEFAULT_ERROR_HANDLING);
    });

    // https://docs.aws.amazon.com/lambda/latest/dg/kafka-on-failure-destination.html
    it('caps infinite retries at 10 when an on-failure destination is set, as AWS does', () => {
      const [mapping] = counterWith({
        MaximumRetryAttempts: -1,
        DestinationConfig: { OnFailure: { Destination: 'kafka://tweets.failed' } },
      });

      expect(mapping?.errorHandling.maximumRetryAttempts).toBe(10);
    });

    it('fails at start naming a setting the emulator does not implement', () => {
      const read = () =>
        counterWith({ FunctionResponseTypes: ['ReportBatchItemFailures'], TumblingWindowInSeconds: 5 });

      expect(read).toThrow(EventSourceConfigError);
      expect(read).toThrow(/FunctionResponseTypes/);
      expect(read).toThrow(/TumblingWindowInSeconds/);
    });

    it('fails at start for a destination that is not a Kafka topic, or is the source topic itself', () => {
      const sqs = () =>
        counterWith({ DestinationConfig: { OnFailure: { Destination: 'arn:aws:sqs:eu-west-1:1:q' } } });
      const itself = () =>
        counterWith({ DestinationConfig: { OnFailure: { Destination: 'kafka://tweets' } } });

      expect(sqs).toThrow(/kafka:\/\/<topic>/);
      expect(itself).toThrow(/is the source topic itself/);
    });

    // https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html
    it('compiles FilterCriteria and fails at start on an operator Lambda does not document', () => {
      const [mapping] = counterWith({
        FilterCriteria: { Filters: [{ Pattern: '{"value":{"lang":["es"]}}' }] },
      });
      const bad = () =>
        counterWith({ FilterCriteria: { Filters: [{ Pattern: '{"value":{"lang":[{"wildcard":"e*"}]}}' }] } });

      expect(mapping?.filters).toHaveLength(1);
      expect(bad).toThrow(/operator "wildcard"/);
    });

    it("reads the event's own filterPatterns and onFailureDestination", () => {
      const [mapping] = eventSourceMappings(
        service({
          counter: [
            {
              kafka: {
                topic: 'tweets',
                bootstrapServers: '127.0.0.1:9092',
                filterPatterns: [{ value: { lang: ['es'] } }],
                onFailureDestination: 'kafka://tweets.failed',
              },
            },
          ],
        }),
        'svc',
        'local',
        defaults,
      );

      expect(mapping?.filters).toHaveLength(1);
      expect(mapping?.errorHandling.onFailureTopic).toBe('tweets.failed');
    });
  });
});
