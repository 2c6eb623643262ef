/**
 * Which Redis errors mean "unreachable" (503, batch retried) rather than a data or script error,
 * for the standalone client and the cluster client alike. The messages are ioredis' own.
 */
import { isRedisConnectionError } from '#lib/redis.ts';

describe('isRedisConnectionError', () => {
  // true: the server is out of reach (a 503, the batch retried); false: a data or script error,
  // which no retry against the same server fixes.
  it.each<[message: string, unreachable: boolean]>([
    ['Connection is closed.', true],
    [
      'Reached the max retries per request limit (which is 1). Refer to "maxRetriesPerRequest" option for details.',
      true,
    ],
    ['None of startup nodes is available', true],
    ['Cluster is ended.', true],
    ['Failed to refresh slots cache.', true],
    ['Too many Cluster redirections. Last error: ReplyError: CLUSTERDOWN The cluster is down', true],
    ['MOVED 7365 127.0.0.1:7001', false],
    ["CROSSSLOT Keys in request don't hash to the same slot", false],
    ['WRONGTYPE apply-step: trending:{t}:meta is a string, expected hash', false],
    ['ERR apply-step: KEYS/ARGV do not match the window layout', false],
  ])('for "%s" is %s', (message, unreachable) => {
    expect(isRedisConnectionError(new Error(message))).toBe(unreachable);
  });
});
