/**
 * Which Redis errors mean "unreachable" (503, batch retried) rather than a data or script error,
 * for the standalone client and the cluster client alike. The messages are ioredis' own.
 */
import { isRedisConnectionError } from '#lib/redis.ts';

describe('isRedisConnectionError', () => {
  it.each([
    'Connection is closed.',
    'Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.',
    'None of startup nodes is available',
    'Cluster is ended.',
    'Failed to refresh slots cache.',
    'Too many Cluster redirections. Last error: ReplyError: CLUSTERDOWN The cluster is down',
  ])('is true for "%s"', (message) => {
    expect(isRedisConnectionError(new Error(message))).toBe(true);
  });

  it.each([
    'MOVED 7365 127.0.0.1:7001',
    "CROSSSLOT Keys in request don't hash to the same slot",
    'WRONGTYPE apply-step: trending:{t}:meta is a string, expected hash',
    'ERR apply-step: KEYS/ARGV do not match the window layout',
  ])('is false for "%s", which no retry against the same server fixes', (message) => {
    expect(isRedisConnectionError(new Error(message))).toBe(false);
  });
});
