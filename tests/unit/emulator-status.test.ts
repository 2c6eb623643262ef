import { formatStatus, topEntries } from '../../tooling/offline-kafka/status.ts';

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
};

describe('status line', () => {
  it('shows records, batches, rate, failures, lag and the top 3', () => {
    const line = formatStatus(stats, 42, 2345, 5000, [
      { hashtag: '#Spark', count: 120 },
      { hashtag: '#Kafka', count: 98 },
      { hashtag: '#AWS', count: 40 },
    ]);

    expect(line).toBe(
      'hashtag-counter <- tweets_topic: 12,345 records in 130 batches (2,000/s), 1 failed invocations, lag 42, in flight 2/3 (1 paused) | top: #Spark 120, #Kafka 98, #AWS 40',
    );
  });

  it('says why the top list is missing, and marks an unknown lag', () => {
    const line = formatStatus(stats, undefined, 12_345, 5000, 'GET /top-hashtags answered 503');

    expect(line).toContain('(0/s)');
    expect(line).toContain('lag ?');
    expect(line).toContain('| top: GET /top-hashtags answered 503');
  });

  it('reads the ranked hashtags of a GET /top-hashtags body, at most three', () => {
    const body = {
      hashtags: [
        { rank: 1, hashtag: '#a', count: 5 },
        { rank: 2, hashtag: '#b', count: 4 },
        { rank: 3, hashtag: '#c', count: 3 },
        { rank: 4, hashtag: '#d', count: 2 },
      ],
    };

    expect(topEntries(body)).toEqual([
      { hashtag: '#a', count: 5 },
      { hashtag: '#b', count: 4 },
      { hashtag: '#c', count: 3 },
    ]);
    expect(topEntries({ error: 'x' })).toEqual([]);
  });
});
