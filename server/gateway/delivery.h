// Delivery: one event, rendered once per replica as a complete WebSocket text
// frame, shared read-only by every socket it is queued on.
#ifndef PUBSUB_SERVER_GATEWAY_DELIVERY_H_
#define PUBSUB_SERVER_GATEWAY_DELIVERY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"

namespace pubsub::gateway {

struct Delivery {
  // Room kept in front of the JSON for the frame header (at most 10 bytes),
  // so the JSON is rendered straight into its final buffer.
  static constexpr size_t kHeaderRoom = 10;

  std::string storage;  // [unused room][frame header][JSON]
  size_t frame_offset = 0;
  std::vector<std::string> targets;  // empty: every subscriber of the topic
  // Built when there are many targets, so a check is O(1).
  std::unique_ptr<absl::flat_hash_set<std::string_view>> target_set;
  size_t channel_index = 0;
  int64_t publish_time_unix_nanos = 0;

  std::string_view frame() const { return std::string_view(storage).substr(frame_offset); }
  bool IsFor(std::string_view user_id) const {
    if (targets.empty()) return true;
    if (target_set) return target_set->contains(user_id);
    for (const auto& target : targets) {
      if (target == user_id) return true;
    }
    return false;
  }
};

using DeliveryPtr = std::shared_ptr<const Delivery>;

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_GATEWAY_DELIVERY_H_
