#include "redis/slot_map.h"

#include <algorithm>

namespace pubsub::internal::redis {
namespace {

absl::Status Bad(std::string_view why) {
  return absl::InvalidArgumentError("unexpected CLUSTER SLOTS reply: " + std::string(why));
}

// ["host", port, "id", ...] -> the address.
absl::StatusOr<NodeAddress> ParseNode(const redisReply& node, std::string_view asked_host) {
  if (node.type != REDIS_REPLY_ARRAY || node.elements < 2 ||
      node.element[0]->type != REDIS_REPLY_STRING || node.element[1]->type != REDIS_REPLY_INTEGER ||
      node.element[1]->integer <= 0 || node.element[1]->integer > 65535) {
    return Bad("a node is not [host, port, ...]");
  }
  NodeAddress address;
  address.host.assign(node.element[0]->str, node.element[0]->len);
  // "" (or "?" in some versions): Redis does not know its own address.
  if (address.host.empty() || address.host == "?") address.host = std::string(asked_host);
  address.port = static_cast<uint16_t>(node.element[1]->integer);
  return address;
}

}  // namespace

std::string NodeAddress::ToString() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

int SlotMap::IndexOf(const NodeAddress& master) {
  auto it = std::find(masters_.begin(), masters_.end(), master);
  if (it != masters_.end()) return static_cast<int>(it - masters_.begin());
  masters_.push_back(master);
  Remember(master);
  return static_cast<int>(masters_.size() - 1);
}

void SlotMap::Remember(const NodeAddress& node) {
  if (std::find(nodes_.begin(), nodes_.end(), node) == nodes_.end()) nodes_.push_back(node);
}

void SlotMap::Assign(uint16_t first, uint16_t last, const NodeAddress& master,
                     const std::vector<NodeAddress>& replicas) {
  const auto index = static_cast<int16_t>(IndexOf(master));
  for (const NodeAddress& replica : replicas) Remember(replica);
  for (int slot = first; slot <= last && slot < kClusterSlots; ++slot) {
    if (owners_[slot] < 0) --uncovered_;
    owners_[slot] = index;
  }
}

absl::StatusOr<SlotMap> ParseClusterSlots(const redisReply& reply, std::string_view asked_host) {
  if (reply.type != REDIS_REPLY_ARRAY) return Bad("not an array");
  SlotMap map;
  for (size_t i = 0; i < reply.elements; ++i) {
    const redisReply& range = *reply.element[i];
    if (range.type != REDIS_REPLY_ARRAY || range.elements < 3 ||
        range.element[0]->type != REDIS_REPLY_INTEGER ||
        range.element[1]->type != REDIS_REPLY_INTEGER) {
      return Bad("a range is not [first, last, master, replicas...]");
    }
    const long long first = range.element[0]->integer;
    const long long last = range.element[1]->integer;
    if (first < 0 || last < first || last >= kClusterSlots) return Bad("a slot out of range");
    auto master = ParseNode(*range.element[2], asked_host);
    if (!master.ok()) return master.status();
    std::vector<NodeAddress> replicas;
    for (size_t r = 3; r < range.elements; ++r) {
      auto replica = ParseNode(*range.element[r], asked_host);
      if (!replica.ok()) return replica.status();
      replicas.push_back(*std::move(replica));
    }
    map.Assign(static_cast<uint16_t>(first), static_cast<uint16_t>(last), *master, replicas);
  }
  return map;
}

}  // namespace pubsub::internal::redis
