// EmbeddedBus: in-process delivery. Handler lists are copy-on-write, so
// Publish holds the lock only to take a reference to the current list and
// calls the handlers without it.
#include "pubsub/embedded_bus.h"

#include <algorithm>
#include <atomic>

#include "presence_table.h"
#include "pubsub/internal/str_cat.h"

namespace pubsub {

struct EmbeddedBus::Slot {
  explicit Slot(MessageHandler h) : handler(std::move(h)) {}

  const MessageHandler handler;
  // Cleared by Unsubscribe; a publish that sees it cleared skips the handler.
  std::atomic<bool> active{true};
  // Publishes between "about to check `active`" and "handler returned".
  // Unsubscribe waits for this to drain (see the header).
  std::atomic<uint32_t> in_flight{0};
};

namespace {

// Abseil here has its own string_view type, which heterogeneous lookup needs.
absl::string_view AsAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// The slots whose handler this thread is running, innermost last: lets
// Unsubscribe, called from inside a handler, skip waiting for itself.
thread_local std::vector<const void*> t_running_slots;

// Marks one delivery attempt on a slot for the duration of a scope.
class InFlight {
 public:
  InFlight(std::atomic<uint32_t>& counter, const std::atomic<bool>& active)
      : counter_(counter), active_(active) {
    counter_.fetch_add(1);
  }
  ~InFlight() {
    counter_.fetch_sub(1);
    if (!active_.load()) counter_.notify_all();  // an Unsubscribe may be waiting
  }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;

 private:
  std::atomic<uint32_t>& counter_;
  const std::atomic<bool>& active_;
};

class Running {
 public:
  explicit Running(const void* slot) { t_running_slots.push_back(slot); }
  ~Running() { t_running_slots.pop_back(); }
  Running(const Running&) = delete;
  Running& operator=(const Running&) = delete;
};

}  // namespace

EmbeddedBus::EmbeddedBus(size_t max_envelope_bytes)
    : max_envelope_bytes_(max_envelope_bytes),
      presence_(std::make_unique<internal::PresenceTable>()) {}

EmbeddedBus::~EmbeddedBus() = default;

void EmbeddedBus::Publish(std::string_view topic, std::string envelope, DoneCallback done) {
  if (envelope.size() > max_envelope_bytes_) {
    if (done) {
      done(absl::InvalidArgumentError(internal::Cat("envelope of ", envelope.size(),
                                                    " bytes exceeds the bus limit of ",
                                                    max_envelope_bytes_, " bytes")));
    }
    return;
  }
  Deliver(topic, envelope);
  if (done) done(absl::OkStatus());
}

void EmbeddedBus::Deliver(std::string_view topic, const std::string& envelope) {
  std::shared_ptr<const Handlers> handlers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = topics_.find(AsAbsl(topic));
    if (it != topics_.end()) handlers = it->second;
  }
  if (handlers == nullptr) return;
  for (const Entry& entry : *handlers) {
    Slot& slot = *entry.slot;
    // Count ourselves in before checking `active`: with Unsubscribe's
    // store-then-load, one of the two always sees the other (seq_cst).
    InFlight in_flight(slot.in_flight, slot.active);
    if (!slot.active.load()) continue;
    Running running(&slot);
    slot.handler(topic, envelope);
  }
}

EmbeddedBus::Ring& EmbeddedBus::RingOf(std::string_view topic, const HistoryPolicy& policy,
                                       bool touch) {
  const auto now = std::chrono::steady_clock::now();
  if (rings_.size() >= sweep_at_) SweepExpiredRings();
  Ring& ring = rings_[AsAbsl(topic)];
  const bool fresh = ring.epoch.empty() || now >= ring.expires;
  if (fresh) ring = Ring{.epoch = internal::NewEpoch(), .last_seq = 0, .events = {}, .expires = {}};
  if (fresh || touch) {
    ring.expires = policy.ttl_seconds == 0 ? std::chrono::steady_clock::time_point::max()
                                           : now + std::chrono::seconds(policy.ttl_seconds);
  }
  return ring;
}

void EmbeddedBus::SweepExpiredRings() {
  const auto now = std::chrono::steady_clock::now();
  for (auto it = rings_.begin(); it != rings_.end();) {
    if (now >= it->second.expires) {
      rings_.erase(it++);
    } else {
      ++it;
    }
  }
  // Amortized: the next sweep waits until the map has doubled.
  sweep_at_ = std::max<size_t>(1024, 2 * rings_.size());
}

void EmbeddedBus::PublishStored(std::string_view topic, std::string envelope,
                                const HistoryPolicy& policy, StoredCallback done) {
  if (envelope.size() > max_envelope_bytes_) {
    if (done) {
      done(absl::InvalidArgumentError(internal::Cat("envelope of ", envelope.size(),
                                                    " bytes exceeds the bus limit of ",
                                                    max_envelope_bytes_, " bytes")));
    }
    return;
  }
  Position position;
  {
    std::lock_guard<std::recursive_mutex> lock(history_mutex_);
    Ring& ring = RingOf(topic, policy, /*touch=*/true);
    position = Position{ring.epoch, ++ring.last_seq};
    internal::AppendPosition(envelope, position);
    ring.events.emplace_back(position.seq, envelope);
    while (ring.events.size() > std::max<uint32_t>(policy.size, 1)) ring.events.pop_front();
    // Delivered under the lock: subscribers see positions in order.
    Deliver(topic, envelope);
  }
  if (done) done(std::move(position));
}

void EmbeddedBus::ReadHistory(std::string_view topic, const HistoryPolicy& policy,
                              uint64_t after_seq, size_t limit, HistoryCallback done) {
  HistoryRead read;
  {
    std::lock_guard<std::recursive_mutex> lock(history_mutex_);
    Ring& ring = RingOf(topic, policy, /*touch=*/false);
    read.epoch = ring.epoch;
    read.last_seq = ring.last_seq;
    read.first_seq = ring.events.empty() ? 0 : ring.events.front().first;
    if (after_seq == kReadNewest) {
      const size_t skip = ring.events.size() > limit ? ring.events.size() - limit : 0;
      for (size_t i = skip; i < ring.events.size(); ++i) {
        read.envelopes.push_back(ring.events[i].second);
      }
      if (!read.envelopes.empty()) read.first_seq = ring.events[skip].first;
    } else {
      for (const auto& [seq, envelope] : ring.events) {
        if (read.envelopes.size() >= limit) break;
        if (seq > after_seq) read.envelopes.push_back(envelope);
      }
    }
  }
  if (done) done(std::move(read));
}

Bus::SubscriptionId EmbeddedBus::Subscribe(std::string_view topic, MessageHandler handler,
                                           DoneCallback ready) {
  SubscriptionId id;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    id = next_id_++;
    auto& current = topics_[AsAbsl(topic)];
    auto next =
        current == nullptr ? std::make_shared<Handlers>() : std::make_shared<Handlers>(*current);
    next->push_back(Entry{id, std::make_shared<Slot>(std::move(handler))});
    current = std::move(next);
    topic_of_.emplace(id, std::string(topic));
  }
  if (ready) ready(absl::OkStatus());
  return id;
}

void EmbeddedBus::Unsubscribe(SubscriptionId id) {
  std::shared_ptr<Slot> slot;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto topic_it = topic_of_.find(id);
    if (topic_it == topic_of_.end()) return;
    const auto list_it = topics_.find(topic_it->second);
    const Handlers& current = *list_it->second;
    auto next = std::make_shared<Handlers>();
    next->reserve(current.size());
    for (const Entry& entry : current) {
      if (entry.id == id) {
        slot = entry.slot;
      } else {
        next->push_back(entry);
      }
    }
    if (next->empty()) {
      topics_.erase(list_it);
    } else {
      list_it->second = std::move(next);
    }
    topic_of_.erase(topic_it);
  }
  if (slot == nullptr) return;

  slot->active.store(false);
  // Wait for calls in progress on other threads; calls of this handler that
  // this thread is inside (Unsubscribe from the handler) finish after we return.
  const auto own =
      static_cast<uint32_t>(std::count(t_running_slots.begin(), t_running_slots.end(), slot.get()));
  for (uint32_t n = slot->in_flight.load(); n > own; n = slot->in_flight.load()) {
    slot->in_flight.wait(n);
  }
}

void EmbeddedBus::SharePresence(PresenceShare share, DoneCallback done) {
  absl::Status status;
  {
    std::lock_guard lock(presence_mutex_);
    status = presence_->Put(share, std::chrono::steady_clock::now());
  }
  if (done) done(std::move(status));
}

void EmbeddedBus::QueryPresence(std::string_view user, PresenceCallback done) {
  PresenceTotals totals;
  {
    std::lock_guard lock(presence_mutex_);
    totals = presence_->Query(user, std::chrono::steady_clock::now());
  }
  if (done) done(std::move(totals));
}

}  // namespace pubsub
