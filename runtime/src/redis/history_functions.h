// The Redis functions behind history (Redis 7 FUNCTION LOAD / FCALL): a
// topic's event is appended to its stream, trimmed, given its position and
// published in ONE atomic step, so the live stream and the history can never
// disagree. Loaded (REPLACE) on every publisher connection before any FCALL.
//
// Keys of topic T (channel C = prefix + T): "{C}:s", the stream (entry id
// "SEQ-0", field "e": the envelope with its position), and "{C}:m", a hash
// {epoch, seq}. The braces put both in the slot of the channel C itself when C
// has no braces of its own (Redis Cluster hashes a sharded channel and a key
// alike), so a cluster keeps storing and publishing on one shard.
#ifndef PUBSUB_RUNTIME_SRC_REDIS_HISTORY_FUNCTIONS_H_
#define PUBSUB_RUNTIME_SRC_REDIS_HISTORY_FUNCTIONS_H_

#include <string_view>

namespace pubsub::internal::redis {

inline constexpr std::string_view kStoreFunction = "pubsub_store";
inline constexpr std::string_view kReadFunction = "pubsub_read";
inline constexpr std::string_view kPresencePutFunction = "pubsub_presence_put";
inline constexpr std::string_view kPresenceGetFunction = "pubsub_presence_get";

// pubsub_store KEYS: stream, meta. ARGV: envelope, size, ttl seconds (0: none),
//   an epoch to start with if the topic has none, channel, "PUBLISH" or
//   "SPUBLISH". Returns {epoch, seq}.
// pubsub_read KEYS: stream, meta. ARGV: after seq (or "newest": the newest
//   `limit`, and first is then the first of them), limit, an epoch to start
//   with, ttl seconds. Returns {epoch, last seq, first kept seq, envelope...}.
//
// An epoch restarts when the topic has none (never published, expired, Redis
// lost its data) or when its stream vanished while the hash survived.
inline constexpr std::string_view kHistoryLibrary = R"lua(#!lua name=pubsub_history_v1
local function varint(n)
  local out = {}
  while n >= 128 do
    out[#out + 1] = string.char(n % 128 + 128)
    n = math.floor(n / 128)
  end
  out[#out + 1] = string.char(n)
  return table.concat(out)
end

-- Envelope fields 7 (epoch, length-delimited) and 8 (seq, varint), appended:
-- protobuf merges appended fields into the message.
local function position_fields(epoch, seq)
  return '\58' .. varint(#epoch) .. epoch .. '\64' .. varint(seq)
end

local function epoch_of(stream, meta, new_epoch, ttl)
  local epoch = redis.call('HGET', meta, 'epoch')
  local seq = tonumber(redis.call('HGET', meta, 'seq') or '0')
  if (not epoch) or (seq > 0 and redis.call('EXISTS', stream) == 0) then
    epoch = new_epoch
    seq = 0
    redis.call('DEL', stream)
    redis.call('HSET', meta, 'epoch', epoch, 'seq', 0)
    if ttl > 0 then redis.call('EXPIRE', meta, ttl) end
  end
  return epoch, seq
end

redis.register_function('pubsub_store', function(keys, args)
  local stream, meta = keys[1], keys[2]
  local size, ttl = tonumber(args[2]), tonumber(args[3])
  local epoch = epoch_of(stream, meta, args[4], ttl)
  local seq = redis.call('HINCRBY', meta, 'seq', 1)
  local envelope = args[1] .. position_fields(epoch, seq)
  redis.call('XADD', stream, 'MAXLEN', size, seq .. '-0', 'e', envelope)
  if ttl > 0 then
    redis.call('EXPIRE', stream, ttl)
    redis.call('EXPIRE', meta, ttl)
  end
  redis.call(args[6], args[5], envelope)
  return {epoch, seq}
end)

redis.register_function('pubsub_read', function(keys, args)
  local stream, meta = keys[1], keys[2]
  local epoch, last = epoch_of(stream, meta, args[3], tonumber(args[4]))
  local first = 0
  local head = redis.call('XRANGE', stream, '-', '+', 'COUNT', 1)
  if #head > 0 then first = tonumber(string.match(head[1][1], '^(%d+)')) end
  local limit = tonumber(args[2])
  local entries = {}
  if limit > 0 and args[1] == 'newest' then
    local newest = redis.call('XREVRANGE', stream, '+', '-', 'COUNT', limit)
    for i = #newest, 1, -1 do entries[#entries + 1] = newest[i] end
    if #entries > 0 then first = tonumber(string.match(entries[1][1], '^(%d+)')) end
  elseif limit > 0 then
    entries = redis.call('XRANGE', stream, '(' .. args[1] .. '-0', '+', 'COUNT', limit)
  end
  local reply = {epoch, last, first}
  for i = 1, #entries do reply[#reply + 1] = entries[i][2][2] end
  return reply
end)

-- Presence: KEYS replicas (zset id -> expiry ms), counts (hash id ->
-- connections); a replica's users hash is ARGV-named prefix .. id (the same
-- {hash tag}, so the same slot).
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end

local function prune(replicas, counts, prefix, now)
  local dead = redis.call('ZRANGEBYSCORE', replicas, '-inf', now)
  for _, id in ipairs(dead) do
    redis.call('HDEL', counts, id)
    redis.call('DEL', prefix .. id)
  end
  if #dead > 0 then redis.call('ZREMRANGEBYSCORE', replicas, '-inf', now) end
end

-- ARGV: users prefix, replica id, ttl ms, connections, full (1/0), then
-- user, count pairs (count 0: gone). Returns 1, or 0 when a partial share
-- finds no live share to update.
redis.register_function('pubsub_presence_put', function(keys, args)
  local replicas, counts, prefix, id = keys[1], keys[2], args[1], args[2]
  local now, ttl = now_ms(), tonumber(args[3])
  local users = prefix .. id
  if args[5] == '1' then
    redis.call('DEL', users)
  else
    local expires = redis.call('ZSCORE', replicas, id)
    if not expires or tonumber(expires) <= now then return 0 end
  end
  prune(replicas, counts, prefix, now)
  for i = 6, #args, 2 do
    if args[i + 1] == '0' then
      redis.call('HDEL', users, args[i])
    else
      redis.call('HSET', users, args[i], args[i + 1])
    end
  end
  redis.call('PEXPIRE', users, ttl)
  redis.call('ZADD', replicas, now + ttl, id)
  redis.call('HSET', counts, id, args[4])
  return 1
end)

-- ARGV: users prefix, user ('' for none), exact limit. Returns {replicas,
-- connections, users, exact (1/0), the user's connections}.
redis.register_function('pubsub_presence_get', function(keys, args)
  local replicas, counts, prefix, user = keys[1], keys[2], args[1], args[2]
  local now = now_ms()
  prune(replicas, counts, prefix, now)
  local live = redis.call('ZRANGEBYSCORE', replicas, '(' .. now, '+inf')
  local connections, entries, user_connections = 0, 0, 0
  for _, id in ipairs(live) do
    connections = connections + (tonumber(redis.call('HGET', counts, id)) or 0)
    entries = entries + redis.call('HLEN', prefix .. id)
    if user ~= '' then
      user_connections = user_connections + (tonumber(redis.call('HGET', prefix .. id, user)) or 0)
    end
  end
  local users, exact = entries, 1
  if #live > 1 then
    if entries <= tonumber(args[3]) then
      local seen = {}
      users = 0
      for _, id in ipairs(live) do
        for _, u in ipairs(redis.call('HKEYS', prefix .. id)) do
          if not seen[u] then
            seen[u] = true
            users = users + 1
          end
        end
      end
    else
      exact = 0
    end
  end
  return {#live, connections, users, exact, user_connections}
end)
)lua";

}  // namespace pubsub::internal::redis

#endif  // PUBSUB_RUNTIME_SRC_REDIS_HISTORY_FUNCTIONS_H_
