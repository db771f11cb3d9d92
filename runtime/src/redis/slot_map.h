// SlotMap: which master of a Redis Cluster serves each of the 16384 slots, as
// CLUSTER SLOTS reports it. Sans-IO: parsed from a reply, tested without a
// cluster.
//
//   absl::StatusOr<SlotMap> map = ParseClusterSlots(*reply, "10.0.0.1");
//   int master = map->owner(ClusterSlot("{pubsub:track_comments:42}:s"));
//   if (master >= 0) Send(map->masters()[master], ...);
#ifndef PUBSUB_RUNTIME_SRC_REDIS_SLOT_MAP_H_
#define PUBSUB_RUNTIME_SRC_REDIS_SLOT_MAP_H_

#include <hiredis/hiredis.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace pubsub::internal::redis {

inline constexpr int kClusterSlots = 16384;

struct NodeAddress {
  std::string host;
  uint16_t port = 0;

  std::string ToString() const;  // "host:port", IPv6 in brackets
  bool operator==(const NodeAddress&) const = default;
};

class SlotMap {
 public:
  SlotMap() { owners_.fill(-1); }

  // The index in masters() of the slot's master; -1 when no master serves it.
  int owner(uint16_t slot) const { return owners_[slot % kClusterSlots]; }
  const std::vector<NodeAddress>& masters() const { return masters_; }
  // Masters and replicas: where to ask for the map next time.
  const std::vector<NodeAddress>& nodes() const { return nodes_; }
  // Whether every slot has a master (the cluster can serve every topic).
  bool complete() const { return uncovered_ == 0; }
  int uncovered() const { return uncovered_; }

  // Assigns slots [first, last] to `master` (added to masters() if new) and
  // records `replicas` as nodes.
  void Assign(uint16_t first, uint16_t last, const NodeAddress& master,
              const std::vector<NodeAddress>& replicas);

 private:
  int IndexOf(const NodeAddress& master);
  void Remember(const NodeAddress& node);

  std::array<int16_t, kClusterSlots> owners_;
  std::vector<NodeAddress> masters_;
  std::vector<NodeAddress> nodes_;
  int uncovered_ = kClusterSlots;
};

// Parses a CLUSTER SLOTS reply. A node whose host is empty (Redis does not
// know its own address) is taken to be `asked_host`, the host asked.
// InvalidArgument for a reply of another shape.
absl::StatusOr<SlotMap> ParseClusterSlots(const redisReply& reply, std::string_view asked_host);

}  // namespace pubsub::internal::redis

#endif  // PUBSUB_RUNTIME_SRC_REDIS_SLOT_MAP_H_
