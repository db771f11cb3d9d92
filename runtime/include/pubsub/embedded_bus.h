// EmbeddedBus: an in-process Bus for one replica (the default, and `make run`).
//
// Publish delivers synchronously, on the publisher's thread, to every handler
// of the topic; so one thread's publishes reach each handler in order. It is
// always ready, and `ready` callbacks run before Subscribe returns.
//
// Unsubscribe and concurrent publishes (the std::stop_callback rule): when
// Unsubscribe returns, the handler is not running and will not run again,
// except that Unsubscribe called from inside that very handler returns at
// once (the current call finishes normally). Unsubscribe therefore waits for
// calls in progress on other threads: do not call it while holding a lock
// that the handler takes.
#ifndef PUBSUB_EMBEDDED_BUS_H_
#define PUBSUB_EMBEDDED_BUS_H_

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "pubsub/bus.h"

namespace pubsub {

class EmbeddedBus final : public Bus {
 public:
  // Envelopes larger than `max_envelope_bytes` are refused with InvalidArgument.
  explicit EmbeddedBus(size_t max_envelope_bytes = 1 << 20);
  ~EmbeddedBus() override;

  void Publish(std::string_view topic, std::string envelope, DoneCallback done) override;
  SubscriptionId Subscribe(std::string_view topic, MessageHandler handler,
                           DoneCallback ready) override;
  void Unsubscribe(SubscriptionId id) override;
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

  const size_t max_envelope_bytes_;
  mutable std::mutex mutex_;
  // Copy-on-write: Publish takes a reference to the current list under the
  // lock and calls the handlers after releasing it.
  absl::flat_hash_map<std::string, std::shared_ptr<const Handlers>> topics_;
  absl::flat_hash_map<SubscriptionId, std::string> topic_of_;
  SubscriptionId next_id_ = 1;
};

}  // namespace pubsub

#endif  // PUBSUB_EMBEDDED_BUS_H_
