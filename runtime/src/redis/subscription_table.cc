#include "redis/subscription_table.h"

#include <algorithm>
#include <iterator>
#include <utility>

namespace pubsub::internal::redis {

namespace {

// This abseil has its own string_view type, which heterogeneous lookup needs.
absl::string_view AsAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

absl::Status Cancelled() {
  return absl::CancelledError("unsubscribed before the topic was subscribed");
}

}  // namespace

SubscriptionTable::SubscriptionTable(Verbs verbs)
    : verbs_(verbs), down_status_(absl::UnavailableError("redis unavailable: not connected yet")) {}

SubscriptionTable::Actions SubscriptionTable::Add(std::string_view topic, SubscriptionId id,
                                                  DoneCallback ready, Clock::time_point now) {
  Actions out;
  auto it = topics_.find(AsAbsl(topic));
  if (it == topics_.end()) it = topics_.emplace(std::string(topic), TopicState()).first;
  TopicState& state = it->second;
  state.ids.insert(id);
  Await(state, id, std::move(ready), out);
  Settle(it, now, out);
  return out;
}

SubscriptionTable::Actions SubscriptionTable::Remove(std::string_view topic, SubscriptionId id,
                                                     Clock::time_point now) {
  Actions out;
  auto it = topics_.find(AsAbsl(topic));
  if (it == topics_.end() || it->second.ids.erase(id) == 0) return out;
  auto& waiters = it->second.waiters;
  auto waiter =
      std::find_if(waiters.begin(), waiters.end(), [id](const auto& w) { return w.first == id; });
  if (waiter != waiters.end()) {
    out.callbacks.push_back(Callback{std::move(waiter->second), Cancelled()});
    waiters.erase(waiter);
  }
  Settle(it, now, out);
  return out;
}

SubscriptionTable::Actions SubscriptionTable::ConnectionUp(Clock::time_point now) {
  Actions out;
  up_ = true;
  down_status_ = absl::OkStatus();
  // A new connection has nothing subscribed and nothing outstanding (what
  // ConnectionDown already said, unless the caller skipped it).
  outstanding_.clear();
  for (auto it = topics_.begin(); it != topics_.end();) {
    const auto next = std::next(it);  // Settle may erase `it` (absl keeps `next` valid)
    it->second.on_redis = false;
    it->second.in_flight = false;
    it->second.refused = false;
    Settle(it, now, out);
    it = next;
  }
  return out;
}

SubscriptionTable::Actions SubscriptionTable::ConnectionDown(absl::Status reason) {
  Actions out;
  up_ = false;
  down_status_ = std::move(reason);
  outstanding_.clear();
  for (auto it = topics_.begin(); it != topics_.end();) {
    const auto next = std::next(it);
    TopicState& state = it->second;
    state.on_redis = false;
    state.in_flight = false;
    for (auto& [id, ready] : state.waiters) {
      out.callbacks.push_back(Callback{std::move(ready), down_status_});
    }
    state.waiters.clear();
    // No command can be sent while down: `now` is not used.
    Settle(it, Clock::time_point(), out);
    it = next;
  }
  return out;
}

absl::StatusOr<SubscriptionTable::Actions> SubscriptionTable::OnConfirmed(std::string_view topic,
                                                                          Direction direction,
                                                                          Clock::time_point now) {
  Actions out;
  if (!up_) return out;
  auto it = topics_.find(AsAbsl(topic));
  if (it == topics_.end()) return out;  // nothing we asked for
  TopicState& state = it->second;
  const bool subscribed = direction == Direction::kSubscribe;
  if (state.in_flight) {
    // The answer to our command, which must be the oldest outstanding one in
    // the direction we asked for.
    if (outstanding_.empty() || outstanding_.front().topic != topic) {
      return absl::InvalidArgumentError("redis confirmed a subscription out of order: " +
                                        std::string(topic));
    }
    if (subscribed == state.on_redis) {
      return absl::InvalidArgumentError(
          std::string("redis answered ") +
          std::string(state.on_redis ? verbs_.unsubscribe : verbs_.subscribe) + " " +
          std::string(topic) + " with the opposite confirmation");
    }
    outstanding_.pop_front();
    state.in_flight = false;
  }
  state.on_redis = subscribed;
  Settle(it, now, out);
  return out;
}

absl::StatusOr<SubscriptionTable::Actions> SubscriptionTable::OnRefused(Clock::time_point now,
                                                                        std::string* topic) {
  if (!up_ || outstanding_.empty()) {
    return absl::InvalidArgumentError("redis refused a command that was not sent");
  }
  *topic = std::move(outstanding_.front().topic);
  outstanding_.pop_front();
  Actions out;
  auto it = topics_.find(AsAbsl(*topic));
  if (it == topics_.end()) return out;
  TopicState& state = it->second;
  state.in_flight = false;
  // Whatever was asked, the topic is not subscribed here.
  state.on_redis = false;
  state.refused = true;
  Settle(it, now, out);
  return out;
}

SubscriptionTable::Actions SubscriptionTable::MoveOut(std::string_view topic, bool dropped_by_redis,
                                                      Clock::time_point now, MovedTopic* moved) {
  Actions out;
  *moved = MovedTopic();
  moved->topic = std::string(topic);
  auto it = topics_.find(AsAbsl(topic));
  if (it == topics_.end()) return out;
  TopicState& state = it->second;
  moved->ids.assign(state.ids.begin(), state.ids.end());
  moved->waiters = std::move(state.waiters);
  state.ids.clear();
  state.waiters.clear();
  if (dropped_by_redis) state.on_redis = false;
  Settle(it, now, out);
  return out;
}

SubscriptionTable::Actions SubscriptionTable::MoveIn(MovedTopic moved, Clock::time_point now) {
  Actions out;
  auto it = topics_.find(AsAbsl(moved.topic));
  if (it == topics_.end()) it = topics_.emplace(moved.topic, TopicState()).first;
  TopicState& state = it->second;
  state.ids.insert(moved.ids.begin(), moved.ids.end());
  for (auto& [id, ready] : moved.waiters) Await(state, id, std::move(ready), out);
  Settle(it, now, out);
  return out;
}

bool SubscriptionTable::CommandOverdue(Clock::time_point now, Clock::duration timeout) const {
  return !outstanding_.empty() && now - outstanding_.front().sent > timeout;
}

std::optional<SubscriptionTable::TopicStatus> SubscriptionTable::Find(
    std::string_view topic) const {
  auto it = topics_.find(AsAbsl(topic));
  if (it == topics_.end()) return std::nullopt;
  TopicStatus status;
  status.subscriptions = it->second.ids.size();
  status.waiters = it->second.waiters.size();
  status.on_redis = it->second.on_redis;
  status.in_flight = it->second.in_flight;
  return status;
}

void SubscriptionTable::Await(TopicState& state, SubscriptionId id, DoneCallback ready,
                              Actions& out) {
  if (!ready) return;
  if (!up_) {
    out.callbacks.push_back(Callback{std::move(ready), down_status_});
  } else if (state.confirmed()) {
    out.callbacks.push_back(Callback{std::move(ready), absl::OkStatus()});
  } else {
    state.waiters.emplace_back(id, std::move(ready));
  }
}

void SubscriptionTable::Reconcile(const std::string& topic, TopicState& state,
                                  Clock::time_point now, Actions& out) {
  if (up_ && !state.in_flight && !state.refused && state.wanted() != state.on_redis) {
    const Direction direction = state.wanted() ? Direction::kSubscribe : Direction::kUnsubscribe;
    const std::string_view verb =
        direction == Direction::kSubscribe ? verbs_.subscribe : verbs_.unsubscribe;
    out.commands.push_back(Command{direction, verb, topic});
    outstanding_.push_back(Outstanding{topic, now});
    state.in_flight = true;
  }
  if (state.wanted() && state.confirmed()) {
    for (auto& [id, ready] : state.waiters) {
      out.callbacks.push_back(Callback{std::move(ready), absl::OkStatus()});
    }
    state.waiters.clear();
  }
}

void SubscriptionTable::Settle(TopicMap::iterator it, Clock::time_point now, Actions& out) {
  TopicState& state = it->second;
  Reconcile(it->first, state, now, out);
  Recount(state);
  if (!state.wanted() && !state.on_redis && !state.in_flight) {
    // Nothing wanted means no waiter is left either (each belongs to a subscription).
    topics_.erase(it);
  }
}

void SubscriptionTable::Recount(TopicState& state) {
  const bool counts = state.wanted() && !state.confirmed();
  if (counts == state.counted) return;
  state.counted = counts;
  if (counts) {
    ++unconfirmed_;
  } else {
    --unconfirmed_;
  }
}

}  // namespace pubsub::internal::redis
