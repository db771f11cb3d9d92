#include "server/gateway/presence_reporter.h"

#include <algorithm>
#include <random>
#include <utility>

#include <boost/asio/post.hpp>

#include "server/gateway/text.h"
#include "spdlog/spdlog.h"

namespace pubsub::gateway {
namespace {

std::string RandomReplicaId() {
  std::random_device random;
  const uint64_t id = (uint64_t{random()} << 32) ^ random();
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 0; i < 16; ++i) out[15 - i] = kHex[(id >> (4 * i)) & 0xf];
  return out;
}

}  // namespace

PresenceReporter::PresenceReporter(Bus& bus, Presence& presence,
                                   boost::asio::any_io_executor executor)
    : bus_(bus),
      presence_(presence),
      executor_(executor),
      timer_(executor),
      replica_(RandomReplicaId()) {}

void PresenceReporter::Start() {
  boost::asio::post(executor_, [self = shared_from_this()] { self->Beat(); });
}

void PresenceReporter::Stop() {
  if (stopped_.exchange(true)) return;
  // Withdrawn at once rather than after kTtl: an empty share that expires now.
  bus_.SharePresence(PresenceShare{.replica = replica_,
                                   .connections = 0,
                                   .users = {},
                                   .full = true,
                                   .ttl = std::chrono::milliseconds(1)},
                     nullptr);
}

void PresenceReporter::Arm() {
  timer_.expires_after(kInterval);
  timer_.async_wait([self = shared_from_this()](boost::system::error_code error) {
    if (!error) self->Beat();
  });
}

void PresenceReporter::Beat() {
  if (stopped_.load()) return;
  Arm();
  if (pending_ > 0) return;  // the last heartbeat is not answered yet
  const bool all = send_all_;
  send_all_ = false;
  Presence::Counts users = presence_.TakeChanges(all);
  const uint64_t connections = presence_.ConnectionCount();
  // A large share goes in pieces (the first rewrites it when `all`).
  size_t first = 0;
  do {
    const size_t last = std::min(users.size(), first + kMaxUsersPerShare);
    PresenceShare share{.replica = replica_,
                        .connections = connections,
                        .users = {},
                        .full = all && first == 0,
                        .ttl = kTtl};
    share.users.assign(std::make_move_iterator(users.begin() + first),
                       std::make_move_iterator(users.begin() + last));
    ++pending_;
    bus_.SharePresence(std::move(share), [self = shared_from_this()](absl::Status status) {
      boost::asio::post(self->executor_, [self, status = std::move(status)]() mutable {
        self->OnShared(std::move(status));
      });
    });
    first = last;
  } while (first < users.size());
}

void PresenceReporter::OnShared(absl::Status status) {
  --pending_;
  if (status.ok()) {
    if (failing_ && pending_ == 0) {
      failing_ = false;
      spdlog::info("presence: this replica's share is in the bus again");
    }
    return;
  }
  send_all_ = true;  // what was taken may be lost: send everything next time
  if (!failing_ && !absl::IsFailedPrecondition(status)) {
    failing_ = true;
    spdlog::warn("presence: cannot share this replica's presence: {}", View(status.message()));
  }
}

}  // namespace pubsub::gateway
