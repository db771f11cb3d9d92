// Cluster-wide presence through the bus: each gateway replica keeps its share
// (its connection count, and how many sockets each of its users holds) in the
// bus under its own id, renews it every heartbeat, and the share expires
// `ttl` after the last renewal, so a replica that dies drops out by itself.
// A query adds up the live shares: no scatter-gather between replicas.
//
//   PresenceShare share{.replica = id, .connections = 12, .users = {{"ann", 2}}};
//   bus.SharePresence(std::move(share), [](absl::Status s) { ... });
//   bus.QueryPresence("ann", [](absl::StatusOr<PresenceTotals> totals) { ... });
#ifndef PUBSUB_PRESENCE_H_
#define PUBSUB_PRESENCE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace pubsub {

struct PresenceShare {
  std::string replica;  // the replica's id, unique per process
  uint64_t connections = 0;
  // Users whose socket count changed since the last share, with their count
  // now (0: gone). With `full`, every user of the replica: the share is
  // written anew.
  std::vector<std::pair<std::string, uint64_t>> users;
  bool full = false;
  std::chrono::milliseconds ttl{5000};
};

struct PresenceTotals {
  uint64_t replicas = 0;     // live shares
  uint64_t connections = 0;  // their connections, summed
  // Distinct users over the live shares. Counted exactly up to
  // kExactUserLimit user entries in all; beyond, the sum of each replica's
  // distinct users (a user on two replicas counts twice) and users_exact false.
  uint64_t users = 0;
  bool users_exact = true;
  uint64_t user_connections = 0;  // the sockets of the user asked about, summed
};

// Beyond this many user entries over all shares, a query does not count
// distinct users exactly (it would hold Redis for the whole union).
inline constexpr uint64_t kExactUserLimit = 200000;

// Most users one SharePresence call carries; a larger share is split.
inline constexpr size_t kMaxUsersPerShare = 1000;

using PresenceCallback = std::function<void(absl::StatusOr<PresenceTotals> totals)>;

}  // namespace pubsub

#endif  // PUBSUB_PRESENCE_H_
