/**
 * The Lua scripts of the ISS state's write side (called only by state/iss/positions.ts), as source
 * text in the bundle. Each script's contract is its header comment.
 */

export const APPLY_POSITIONS = `--[[
APPLY_POSITIONS: applies ONE Kafka partition's share of an iss-tracker batch to the ISS state, as
one atomic step. Called only by state/iss/positions.ts (applyIssPositions).

KEYS (both share the hash tag {iss}, so the step runs on Redis Cluster too):
  1 the track (sorted set: score = event time in epoch s, member = the position's JSON)
  2 the offsets hash of the consumer group (field "<topic>:<partition>" -> last applied offset)

ARGV:
  1 offsets field "<topic>:<partition>"   2 the partition's last offset in the batch (rejected records included)
  3 track length (>= 1)                   4 track TTL in seconds
  then per fresh position, in offset order: offset, event time (epoch s), member JSON

Guarantees:
  - Exactly once per record: a position at or below the stored offset is a duplicate and changes
    nothing; the offset moves to ARGV[2] in the same step as the track, so a redelivered batch
    (whole or cut differently) changes nothing.
  - A position not newer than the latest stored one (same or older event time) is stale and
    ignored: the latest position only ever moves forward in event time.
  - The track keeps the newest ARGV[3] positions and expires ARGV[4] s after the last new one.
  - Key types are checked before the first write, so the script cannot fail half-way.
  Returns {applied, stale, duplicate}.
]]
if redis.call('TYPE', KEYS[1]).ok ~= 'none' and redis.call('TYPE', KEYS[1]).ok ~= 'zset' then
  return redis.error_reply('WRONGTYPE ' .. KEYS[1] .. ' is not a sorted set')
end
if redis.call('TYPE', KEYS[2]).ok ~= 'none' and redis.call('TYPE', KEYS[2]).ok ~= 'hash' then
  return redis.error_reply('WRONGTYPE ' .. KEYS[2] .. ' is not a hash')
end
local stored = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '-1')
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
local latest = newest[2] and tonumber(newest[2]) or nil
local applied, stale, duplicate = 0, 0, 0
for i = 5, #ARGV, 3 do
  local offset, time = tonumber(ARGV[i]), tonumber(ARGV[i + 1])
  if offset <= stored then
    duplicate = duplicate + 1
  elseif latest ~= nil and latest >= time then
    stale = stale + 1
  else
    redis.call('ZADD', KEYS[1], ARGV[i + 1], ARGV[i + 2])
    latest = time
    applied = applied + 1
  end
end
if tonumber(ARGV[2]) > stored then redis.call('HSET', KEYS[2], ARGV[1], ARGV[2]) end
if applied > 0 then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[3]) + 1))
  redis.call('EXPIRE', KEYS[1], ARGV[4])
end
return {applied, stale, duplicate}
`;

export const SAVE_POSITION = `--[[
SAVE_POSITION: stores one position as the latest and appends it to the track, unless the track
already holds one with the same or a newer event time. Called only by saveIssPosition (seeding
the state in tests and benches; in the pipeline only APPLY_POSITIONS writes).

KEYS: 1 the track. ARGV: 1 member JSON, 2 event time (epoch s), 3 track length, 4 TTL seconds.
Returns 1 when stored, 0 when not newer than the latest stored position.
]]
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if newest[2] ~= nil and tonumber(newest[2]) >= tonumber(ARGV[2]) then
  return 0
end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
redis.call('ZREMRANGEBYRANK', KEYS[1], 0, -(tonumber(ARGV[3]) + 1))
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
`;
