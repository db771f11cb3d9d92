// PresenceTable: the replicas' presence shares in memory, with the semantics
// the Redis functions pubsub_presence_put / _get have (history_functions.h):
// a share expires `ttl` after it was last written, a partial share needs a
// live one to update, a query adds up the live shares. The embedded bus keeps
// one; being sans-IO (the time is an argument), it is tested without waiting.
#ifndef PUBSUB_RUNTIME_SRC_PRESENCE_TABLE_H_
#define PUBSUB_RUNTIME_SRC_PRESENCE_TABLE_H_

#include <chrono>
#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "pubsub/presence.h"

namespace pubsub::internal {

class PresenceTable {
 public:
  using Clock = std::chrono::steady_clock;

  // OK, or FailedPrecondition when `share` is partial and no live share of
  // its replica is held.
  absl::Status Put(const PresenceShare& share, Clock::time_point now);
  PresenceTotals Query(std::string_view user, Clock::time_point now);

 private:
  struct Share {
    Clock::time_point expires;
    uint64_t connections = 0;
    absl::flat_hash_map<std::string, uint64_t> users;
  };
  void Prune(Clock::time_point now);

  absl::flat_hash_map<std::string, Share> shares_;
};

}  // namespace pubsub::internal

#endif  // PUBSUB_RUNTIME_SRC_PRESENCE_TABLE_H_
