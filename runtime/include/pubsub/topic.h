// Topic names on the bus. Fine-grained so that a replica subscribes only to
// what its clients want:
//
//   broadcasts              an unscoped channel
//   track_comments:42       a scoped channel, one topic per scope value
//   notifications@alice     a personal channel, one topic per user
//
// Channel names are [a-z0-9_]+, so the character after the name tells the
// kinds apart whatever the scope value or user id holds.
#ifndef PUBSUB_TOPIC_H_
#define PUBSUB_TOPIC_H_

#include <string>
#include <string_view>

#include "pubsub/registry.h"

namespace pubsub {

// The topic of an event on `channel` with `scope_value` ("" when unscoped).
inline std::string ChannelTopic(const ChannelInfo& channel, std::string_view scope_value) {
  std::string topic(channel.name);
  if (!channel.scope_field.empty()) {
    topic.push_back(':');
    topic.append(scope_value);
  }
  return topic;
}

// The topic of `user_id`'s events on a personal channel.
inline std::string UserTopic(const ChannelInfo& channel, std::string_view user_id) {
  std::string topic(channel.name);
  topic.push_back('@');
  topic.append(user_id);
  return topic;
}

}  // namespace pubsub

#endif  // PUBSUB_TOPIC_H_
