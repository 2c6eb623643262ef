/**
 * The Lua scripts of the counts' write side (called only by state/windows/apply.ts), as source text in the
 * bundle: nothing to look up on disk at cold start, where the Lambda task root, serverless offline
 * and `serverless invoke local` each lay files out differently. Each script's contract is its
 * header comment.
 */

export const APPLY_STEP = `--[[
APPLY_STEP: applies ONE Kafka partition's share of a batch to the windowed hashtag counts, as
one atomic step. Loaded and called only by state/windows/apply.ts (applyPartitionStep).

KEYS (all share the hash tag {<topic>}, so the step runs on Redis Cluster too):
  1 offsets hash of the consumer group (partition -> last applied offset)
  2 meta hash of the topic (maxEventTime, watermark; epoch ms)
  3 stats hash of the topic (accepted, late, duplicate, rejected)
  then for each window, in ARGV order: its sorted set, its info hash, then one sorted set per bucket

ARGV:
  1 partition                2 expected last applied offset ('' = none stored)
  3 new last applied offset ('' = leave as is)         4 max event time of the fresh records ('' = none)
  5 allowed lateness ms      6 retention ms            7 window ms
  8 duplicate records        9 rejected records        10 number of windows
  11 judge lateness: '1' judges records against the stored watermark; '0' counts every record
     (a rebuild replaying the log: those records were judged when they first arrived, and the
     watermark that judged them is part of what was lost)
  then per window: start ms, records, nKeys, nForms, nBuckets,
                   nKeys x (key, count), nForms x (form, key, count),
                   nBuckets x (bucket start ms, nEntries, nEntries x (key, count))

Guarantees:
  - Compare-and-set on the offset: when the stored offset is not ARGV[2], nothing is written and
    {0, stored offset or ''} is returned (the caller re-reads and re-plans). Otherwise the counts,
    the stats, the max event time and the offset move together: a redelivered batch changes nothing.
  - Every key's type is checked before the first write, so the script cannot fail half-way.
  - Spark Structured Streaming watermark semantics: records are judged against the stored
    watermark (a window whose end <= it is late: its records are counted as late, not counted).
    The step raises the topic's max event time but NOT the watermark: ADVANCE_WATERMARK does
    that once every partition of the batch is applied, so all partitions of one Lambda batch are
    judged against the watermark from before the batch (Spark: the watermark moves between
    micro-batches), and a retry after a partial failure judges the remaining partitions exactly
    as the first attempt would have.
  - Expiry: each written window key expires when the watermark has passed its end + retention
    (bucket keys: bucket start + window + retention, the end of the last sliding view holding them),
    mapped to wall-clock time with Redis' own clock: PEXPIREAT now + (deadline - watermark), with
    the watermark this step's records move it to.
  Returns {1, accepted records, late records}.
]]

local function bytes_less(a, b)
  local n = math.min(#a, #b)
  for i = 1, n do
    local x, y = string.byte(a, i), string.byte(b, i)
    if x ~= y then return x < y end
  end
  return #a < #b
end

local function fmt(n) return string.format('%.0f', n) end

-- Parse everything before touching data.
local partition, expected, newOffset, batchMax = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local latenessMs, retentionMs, windowMs = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7])
local duplicates, rejected, nWindows = tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local judgeLate = ARGV[11] == '1'

local kinds = { 'hash', 'hash', 'hash' }
local windows = {}
local a, k = 12, 4
for w = 1, nWindows do
  local win = { start = tonumber(ARGV[a]), records = tonumber(ARGV[a + 1]), zset = KEYS[k], info = KEYS[k + 1] }
  local nKeys, nForms, nBuckets = tonumber(ARGV[a + 2]), tonumber(ARGV[a + 3]), tonumber(ARGV[a + 4])
  kinds[k], kinds[k + 1] = 'zset', 'hash'
  a, k = a + 5, k + 2
  win.keys = {}
  for i = 1, nKeys do
    win.keys[i] = { ARGV[a], ARGV[a + 1] }
    a = a + 2
  end
  win.forms = {}
  for i = 1, nForms do
    win.forms[i] = { ARGV[a], ARGV[a + 1], tonumber(ARGV[a + 2]) }
    a = a + 3
  end
  win.buckets = {}
  for b = 1, nBuckets do
    local bucket = { start = tonumber(ARGV[a]), zset = KEYS[k], entries = {} }
    kinds[k] = 'zset'
    local nEntries = tonumber(ARGV[a + 1])
    a, k = a + 2, k + 1
    for i = 1, nEntries do
      bucket.entries[i] = { ARGV[a], ARGV[a + 1] }
      a = a + 2
    end
    win.buckets[b] = bucket
  end
  windows[w] = win
end
if k - 1 ~= #KEYS or a - 1 ~= #ARGV then
  return redis.error_reply('ERR apply-step: KEYS/ARGV do not match the window layout')
end
for i = 1, #KEYS do
  local t = redis.call('TYPE', KEYS[i]).ok
  if t ~= 'none' and t ~= kinds[i] then
    return redis.error_reply('WRONGTYPE apply-step: ' .. KEYS[i] .. ' is a ' .. t .. ', expected ' .. kinds[i])
  end
end

local stored = redis.call('HGET', KEYS[1], partition)
if (stored or '') ~= expected then return { 0, stored or '' } end

local meta = redis.call('HMGET', KEYS[2], 'maxEventTime', 'watermark')
local oldMax, oldWatermark = tonumber(meta[1]), tonumber(meta[2])
local newMax = oldMax
if batchMax ~= '' then
  local m = tonumber(batchMax)
  if newMax == nil or m > newMax then newMax = m end
end
-- The watermark this step's records will have moved it to (ADVANCE_WATERMARK stores it), for expiry.
local expiryWatermark = oldWatermark
if newMax ~= nil and (expiryWatermark == nil or newMax - latenessMs > expiryWatermark) then
  expiryWatermark = newMax - latenessMs
end

local now = redis.call('TIME')
local nowMs = tonumber(now[1]) * 1000 + math.floor(tonumber(now[2]) / 1000)

local accepted, late = 0, 0
for _, win in ipairs(windows) do
  local windowEnd = win.start + windowMs
  if judgeLate and oldWatermark ~= nil and windowEnd <= oldWatermark then
    late = late + win.records
  else
    accepted = accepted + win.records
    local total = 0
    for _, e in ipairs(win.keys) do
      redis.call('ZINCRBY', win.zset, e[2], e[1])
      total = total + tonumber(e[2])
    end
    redis.call('HINCRBY', win.info, 'total', total)
    -- Display form: the most used spelling of the key in this window, ties by byte order. Counts only
    -- grow, so comparing the grown spelling with the current one keeps that invariant.
    for _, f in ipairs(win.forms) do
      local form, key, count = f[1], f[2], f[3]
      local n = redis.call('HINCRBY', win.info, 'n:' .. form, count)
      local current = redis.call('HGET', win.info, 'd:' .. key)
      if not current then
        redis.call('HSET', win.info, 'd:' .. key, form)
      elseif current ~= form then
        local currentCount = tonumber(redis.call('HGET', win.info, 'n:' .. current)) or 0
        if n > currentCount or (n == currentCount and bytes_less(form, current)) then
          redis.call('HSET', win.info, 'd:' .. key, form)
        end
      end
    end
    local expireAt = fmt(nowMs + (windowEnd + retentionMs - expiryWatermark))
    redis.call('PEXPIREAT', win.zset, expireAt)
    redis.call('PEXPIREAT', win.info, expireAt)
    for _, bucket in ipairs(win.buckets) do
      for _, e in ipairs(bucket.entries) do
        redis.call('ZINCRBY', bucket.zset, e[2], e[1])
      end
      redis.call('PEXPIREAT', bucket.zset, fmt(nowMs + (bucket.start + windowMs + retentionMs - expiryWatermark)))
    end
  end
end

if accepted > 0 then redis.call('HINCRBY', KEYS[3], 'accepted', accepted) end
if late > 0 then redis.call('HINCRBY', KEYS[3], 'late', late) end
if duplicates > 0 then redis.call('HINCRBY', KEYS[3], 'duplicate', duplicates) end
if rejected > 0 then redis.call('HINCRBY', KEYS[3], 'rejected', rejected) end
if newMax ~= oldMax then redis.call('HSET', KEYS[2], 'maxEventTime', fmt(newMax)) end
if newOffset ~= '' then redis.call('HSET', KEYS[1], partition, newOffset) end
return { 1, accepted, late }
`;

export const ADVANCE_WATERMARK = `--[[
ADVANCE_WATERMARK: raises a topic's watermark to its max event time minus the allowed
lateness, once every partition step of a Lambda batch is applied (see APPLY_STEP for why the
steps themselves do not). Called only by state/windows/apply.ts (advanceWatermark).

KEYS: 1 meta hash of the topic (maxEventTime, watermark; epoch ms; shares the {<topic>} hash tag)
ARGV: 1 allowed lateness ms
Guarantees: the watermark never decreases; idempotent (running it twice changes nothing).
Returns the watermark after the call, or '' when the topic has seen no record.
]]
local meta = redis.call('HMGET', KEYS[1], 'maxEventTime', 'watermark')
local maxEventTime, watermark = tonumber(meta[1]), tonumber(meta[2])
if maxEventTime == nil then return '' end
local candidate = maxEventTime - tonumber(ARGV[1])
if watermark == nil or candidate > watermark then
  watermark = candidate
  redis.call('HSET', KEYS[1], 'watermark', string.format('%.0f', watermark))
end
return string.format('%.0f', watermark)
`;
