// Names on a Redis Cluster: every name of topic T (its shard channel and its
// history keys) carries the hash tag {H}, H = 8 hex digits of a hash of T, so
// that all of them live in one slot whatever T contains (a scope value may
// hold braces of its own, which would otherwise pick another tag), and topics
// spread evenly over the slots.
//
//   channel  PREFIX{H}T      e.g. pubsub:{5f0e2b1c}track_comments:42
//   history  PREFIX{H}T:s    the stream
//            PREFIX{H}T:m    its epoch and sequence
#ifndef PUBSUB_RUNTIME_SRC_REDIS_CLUSTER_KEYS_H_
#define PUBSUB_RUNTIME_SRC_REDIS_CLUSTER_KEYS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pubsub::internal::redis {

// "{H}" for `topic`.
inline std::string ShardTag(std::string_view topic) {
  uint32_t hash = 2166136261u;  // FNV-1a
  for (unsigned char c : topic) {
    hash ^= c;
    hash *= 16777619u;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string tag(10, '}');
  tag[0] = '{';
  for (int i = 0; i < 8; ++i) tag[8 - i] = kHex[(hash >> (4 * i)) & 0xf];
  return tag;
}

inline std::string ShardChannel(std::string_view prefix, std::string_view topic) {
  std::string channel(prefix);
  channel += ShardTag(topic);
  channel += topic;
  return channel;
}

// The topic of a shard channel (after the prefix), or nullopt when it does
// not carry the tag this topic gets.
inline std::optional<std::string_view> TopicOfShardChannel(std::string_view rest) {
  if (rest.size() < 10 || rest[0] != '{' || rest[9] != '}') return std::nullopt;
  const std::string_view topic = rest.substr(10);
  if (rest.substr(0, 10) != ShardTag(topic)) return std::nullopt;
  return topic;
}

}  // namespace pubsub::internal::redis

#endif  // PUBSUB_RUNTIME_SRC_REDIS_CLUSTER_KEYS_H_
