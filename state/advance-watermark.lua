--[[
advance-watermark.lua: raises a topic's watermark to its max event time minus the allowed
lateness, once every partition step of a Lambda batch is applied (see apply-step.lua for why the
steps themselves do not). Called only by state/apply.ts (advanceWatermark).

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
