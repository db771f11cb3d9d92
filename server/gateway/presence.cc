#include "server/gateway/presence.h"

#include "absl/strings/string_view.h"

namespace pubsub::gateway {
namespace {
// The map's heterogeneous lookup takes abseil's string_view, not std's.
absl::string_view Key(std::string_view s) { return absl::string_view(s.data(), s.size()); }
}  // namespace

void Presence::Add(std::string_view user_id) {
  std::lock_guard lock(mutex_);
  ++connections_by_user_[Key(user_id)];
  ++connections_;
  changed_.emplace(Key(user_id));
}

void Presence::Remove(std::string_view user_id) {
  std::lock_guard lock(mutex_);
  auto it = connections_by_user_.find(Key(user_id));
  if (it == connections_by_user_.end()) return;
  if (--it->second == 0) connections_by_user_.erase(it);
  --connections_;
  changed_.emplace(Key(user_id));
}

Presence::Counts Presence::TakeChanges(bool all) {
  std::lock_guard lock(mutex_);
  Counts counts;
  if (all) {
    counts.reserve(connections_by_user_.size());
    for (const auto& [user, count] : connections_by_user_) counts.emplace_back(user, count);
  } else {
    counts.reserve(changed_.size());
    for (const std::string& user : changed_) {
      auto it = connections_by_user_.find(user);
      counts.emplace_back(user, it == connections_by_user_.end() ? 0 : it->second);
    }
  }
  changed_.clear();
  return counts;
}

uint64_t Presence::ConnectionCount() const {
  std::lock_guard lock(mutex_);
  return connections_;
}

uint64_t Presence::UserCount() const {
  std::lock_guard lock(mutex_);
  return connections_by_user_.size();
}

uint64_t Presence::ConnectionsOf(std::string_view user_id) const {
  std::lock_guard lock(mutex_);
  auto it = connections_by_user_.find(Key(user_id));
  return it == connections_by_user_.end() ? 0 : it->second;
}

}  // namespace pubsub::gateway
