#include "presence_table.h"

#include "absl/container/flat_hash_set.h"

namespace pubsub::internal {

void PresenceTable::Prune(Clock::time_point now) {
  absl::erase_if(shares_, [now](const auto& entry) { return entry.second.expires <= now; });
}

absl::Status PresenceTable::Put(const PresenceShare& share, Clock::time_point now) {
  Prune(now);
  auto it = shares_.find(share.replica);
  if (share.full) {
    it = shares_.insert_or_assign(share.replica, Share{}).first;
  } else if (it == shares_.end()) {
    return absl::FailedPreconditionError("no live presence share: send it whole");
  }
  Share& held = it->second;
  for (const auto& [user, count] : share.users) {
    if (count == 0) {
      held.users.erase(user);
    } else {
      held.users[user] = count;
    }
  }
  held.connections = share.connections;
  held.expires = now + share.ttl;
  return absl::OkStatus();
}

PresenceTotals PresenceTable::Query(std::string_view user, Clock::time_point now) {
  Prune(now);
  PresenceTotals totals;
  uint64_t entries = 0;
  for (const auto& [replica, share] : shares_) {
    ++totals.replicas;
    totals.connections += share.connections;
    entries += share.users.size();
    if (!user.empty()) {
      if (auto found = share.users.find(absl::string_view(user.data(), user.size()));
          found != share.users.end()) {
        totals.user_connections += found->second;
      }
    }
  }
  totals.users = entries;
  if (shares_.size() > 1) {
    if (entries <= kExactUserLimit) {
      absl::flat_hash_set<absl::string_view> seen;
      for (const auto& [replica, share] : shares_) {
        for (const auto& [name, count] : share.users) seen.insert(name);
      }
      totals.users = seen.size();
    } else {
      totals.users_exact = false;
    }
  }
  return totals;
}

}  // namespace pubsub::internal
