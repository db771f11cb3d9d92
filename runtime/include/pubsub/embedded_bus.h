// EmbeddedBus: an in-process Bus for one replica (the default, and `make run`).
//
// Publish delivers synchronously, on the publisher's thread, to every handler
// of the topic; so one thread's publishes reach each handler in order. It is
// always ready, and `ready` callbacks run before Subscribe returns.
//
// History lives in memory, a ring per topic with the Redis bus's semantics:
// an epoch per topic (new when the topic's history starts or expired), the
// newest `policy.size` events, dropped `ttl_seconds` after the topic's last
// event. Stored publishes are delivered under one lock, so subscribers see
// every topic's positions in order (a handler may publish again: the lock is
// re-entrant). The process is the only copy: history dies with it.
//
// Unsubscribe and concurrent publishes (the std::stop_callback rule): when
// Unsubscribe returns, the handler is not running and will not run again,
// except that Unsubscribe called from inside that very handler returns at
// once (the current call finishes normally). Unsubscribe therefore waits for
// calls in progress on other threads: do not call it while holding a lock
// that the handler takes.
#ifndef PUBSUB_EMBEDDED_BUS_H_
#define PUBSUB_EMBEDDED_BUS_H_

#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "pubsub/bus.h"

namespace pubsub {
namespace internal {
class PresenceTable;
}  // namespace internal

class EmbeddedBus final : public Bus {
 public:
  // Envelopes larger than `max_envelope_bytes` are refused with InvalidArgument.
  explicit EmbeddedBus(size_t max_envelope_bytes = 1 << 20);
  ~EmbeddedBus() override;

  void Publish(std::string_view topic, std::string envelope, DoneCallback done) override;
  void PublishStored(std::string_view topic, std::string envelope, const HistoryPolicy& policy,
                     StoredCallback done) override;
  void ReadHistory(std::string_view topic, const HistoryPolicy& policy, uint64_t after_seq,
                   size_t limit, HistoryCallback done) override;
  SubscriptionId Subscribe(std::string_view topic, MessageHandler handler,
                           DoneCallback ready) override;
  void Unsubscribe(SubscriptionId id) override;
  // Presence in memory (one process: the only replica), as on Redis.
  void SharePresence(PresenceShare share, DoneCallback done) override;
  void QueryPresence(std::string_view user, PresenceCallback done) override;
  bool IsReady() const override { return true; }
  std::string Describe() const override { return "memory"; }

 private:
  // One subscription; shared by the handler lists that still hold it.
  struct Slot;
  struct Entry {
    SubscriptionId id;
    std::shared_ptr<Slot> slot;
  };
  using Handlers = std::vector<Entry>;
  // One topic's history.
  struct Ring {
    std::string epoch;
    uint64_t last_seq = 0;
    std::deque<std::pair<uint64_t, std::string>> events;  // oldest first
    std::chrono::steady_clock::time_point expires;        // max(): never
  };

  void Deliver(std::string_view topic, const std::string& envelope);
  // The topic's ring, restarted when expired. history_mutex_ held.
  // The topic's ring (a new epoch when it has none or it expired); a store
  // (`touch`) extends its life, a read does not, as on Redis.
  Ring& RingOf(std::string_view topic, const HistoryPolicy& policy, bool touch);
  // Drops expired rings, so that topics read or written once do not hold
  // memory for ever (history_mutex_ held).
  void SweepExpiredRings();

  const size_t max_envelope_bytes_;
  mutable std::mutex mutex_;
  // Copy-on-write: Publish takes a reference to the current list under the
  // lock and calls the handlers after releasing it.
  absl::flat_hash_map<std::string, std::shared_ptr<const Handlers>> topics_;
  absl::flat_hash_map<SubscriptionId, std::string> topic_of_;
  SubscriptionId next_id_ = 1;

  std::recursive_mutex history_mutex_;
  absl::flat_hash_map<std::string, Ring> rings_;  // guarded by history_mutex_
  size_t sweep_at_ = 1024;                        // rings_.size() that triggers a sweep

  std::mutex presence_mutex_;
  std::unique_ptr<internal::PresenceTable> presence_;  // guarded by presence_mutex_
};

}  // namespace pubsub

#endif  // PUBSUB_EMBEDDED_BUS_H_
