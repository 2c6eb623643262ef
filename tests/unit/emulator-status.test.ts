import { formatStatus } from '../../tooling/offline-kafka/status.ts';

const stats = {
  functionKey: 'hashtag-counter',
  topic: 'tweets_topic',
  consumerGroupId: 'hashtag-counter',
  records: 12_345,
  batches: 130,
  failedInvocations: 1,
  assignedPartitions: [0, 1, 2],
  inFlight: 2,
  paused: 1,
  buffered: 250,
  waitingMs: new Map<number, number>(),
};

describe('status line', () => {
  it("shows records, batches, rate, failures, lag, and the app's part after a bar", () => {
    const line = formatStatus(stats, 42, 2345, 5000, 'top: #Spark 120, #Kafka 98, #AWS 40');

    expect(line).toBe(
      'hashtag-counter <- tweets_topic: 12,345 records in 130 batches (2,000/s), 1 failed invocations, lag 42, in flight 2/3 (1 paused) | top: #Spark 120, #Kafka 98, #AWS 40',
    );
  });

  it('marks an unknown lag, and ends after the partitions when the app adds nothing', () => {
    const line = formatStatus(stats, undefined, 12_345, 5000);

    expect(line).toContain('(0/s)');
    expect(line).toContain('lag ?');
    expect(line.endsWith('in flight 2/3 (1 paused)')).toBe(true);
  });
});
