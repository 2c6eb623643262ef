/**
 * The ISS position in Redis: the latest position and a bounded recent track, for the tweet
 * generator (where is the ISS now?) and the HTTP functions (`GET /iss/position`).
 *
 * This module is the only place the keys are spelled. One key per prefix:
 *   `<prefix>:iss:track`  sorted set, score = timestamp (epoch s), member = the position as JSON.
 * The latest position is the member with the highest score. Every save trims the set to
 * `trackLength` members and renews its TTL, so the state stays bounded and disappears when no
 * poller runs any more.
 */

import { decodeIssPosition, encodeIssPosition, type IssPosition } from '#contracts/iss-position.ts';
import type { RedisClient } from '../redis-client.ts';

/** Options for {@link saveIssPosition}. */
export interface SaveIssPositionOptions {
  /** How many positions the track keeps (the oldest are dropped). At least 1. */
  trackLength: number;
  /** Seconds the track survives without a new save. */
  ttlSeconds: number;
}

/** The key of the track (exported for tests and operators; never spell it elsewhere). */
export function issTrackKey(keyPrefix: string): string {
  return `${keyPrefix}:iss:track`;
}

// KEYS[1] track; ARGV: member JSON, timestamp, track length, ttl seconds.
// Returns 1 when stored, 0 when the timestamp is not newer than the latest stored one (a duplicate
// or a stale answer). Check and write happen in one atomic step, so two overlapping poller
// invocations that fetch the same position store (and then publish) it once.
const SAVE_SCRIPT = `
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if newest[2] ~= nil and tonumber(newest[2]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[3]) + 1))
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
`;

/**
 * Stores `position` as the latest one and appends it to the track, atomically.
 * @returns `false` when a position with the same or a newer timestamp is already stored (nothing
 *   is written: the caller must not publish it again), `true` otherwise.
 */
export async function saveIssPosition(
  redis: RedisClient,
  keyPrefix: string,
  position: IssPosition,
  options: SaveIssPositionOptions,
): Promise<boolean> {
  // The member is the record value itself (validated: an invalid position throws, nothing is stored).
  const member = encodeIssPosition(position);
  const trackLength = Math.max(1, Math.floor(options.trackLength));
  const ttlSeconds = Math.max(1, Math.ceil(options.ttlSeconds));
  const stored = await redis.eval(
    SAVE_SCRIPT,
    1,
    issTrackKey(keyPrefix),
    member,
    String(position.timestamp),
    String(trackLength),
    String(ttlSeconds),
  );
  return stored === 1;
}

/**
 * Reads the latest position and the recent track (oldest first). Both are empty when no poller
 * has run within the TTL. Members that do not parse as a position are left out.
 */
export async function readIssPosition(
  redis: RedisClient,
  keyPrefix: string,
): Promise<{ latest: IssPosition | null; track: IssPosition[] }> {
  const members = await redis.zrange(issTrackKey(keyPrefix), 0, -1);
  const track: IssPosition[] = [];
  for (const member of members) {
    const decoded = decodeIssPosition(member);
    if (decoded.ok) track.push(decoded.position);
  }
  return { latest: track.at(-1) ?? null, track };
}
