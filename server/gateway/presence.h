// Presence: who is connected to this replica — the seed's
// get_connection_count(), get_user_count() and is_user_connected(user).
//
// Updated on connect and disconnect only (never on the delivery path), so a
// plain mutex is enough. Thread-safe. It also remembers which users changed
// since the share last sent to the bus (PresenceReporter), so that a
// heartbeat carries only those.
#ifndef PUBSUB_SERVER_GATEWAY_PRESENCE_H_
#define PUBSUB_SERVER_GATEWAY_PRESENCE_H_

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"

namespace pubsub::gateway {

class Presence {
 public:
  void Add(std::string_view user_id);
  void Remove(std::string_view user_id);

  uint64_t ConnectionCount() const;
  uint64_t UserCount() const;
  // How many sockets `user_id` holds here (0: not connected).
  uint64_t ConnectionsOf(std::string_view user_id) const;

  using Counts = std::vector<std::pair<std::string, uint64_t>>;
  // The users that changed since the last call (their count now, 0: gone),
  // or with `all` every user; either way the change list starts afresh.
  Counts TakeChanges(bool all);

 private:
  mutable std::mutex mutex_;
  absl::flat_hash_map<std::string, uint64_t> connections_by_user_;
  uint64_t connections_ = 0;
  absl::flat_hash_set<std::string> changed_;  // bounded by the users seen in one heartbeat
};

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_GATEWAY_PRESENCE_H_
