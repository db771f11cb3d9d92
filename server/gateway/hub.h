// Hub: which local sockets want which topic, and fan-out of bus events to them.
//
// The picture: a session on loop L joins its topic (e.g. "track_comments:42").
// The first join of a topic on this replica subscribes it on the bus; the
// last leave unsubscribes it. When the bus delivers an event, the hub decodes
// it and renders the JSON frame ONCE, then posts that one shared buffer to
// every loop that has subscribers of the topic; each loop hands it to its own
// sockets. So:
// - the delivery path takes no lock: the set of loops interested in a topic is
//   an atomic bit mask, and each loop's subscriber list is touched only by that
//   loop's thread;
// - the topic table's mutex is taken only on the first join / last leave of a
//   topic per loop and on bus readiness changes.
//
// Re-entrancy: Recipient::Deliver must not call Join or Leave synchronously
// (it runs while the hub iterates the loop's subscriber list); a session that
// decides to close defers its Leave (posts it).
#ifndef PUBSUB_SERVER_GATEWAY_HUB_H_
#define PUBSUB_SERVER_GATEWAY_HUB_H_

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "pubsub/bus.h"
#include "pubsub/registry.h"
#include "server/gateway/delivery.h"
#include "server/gateway/loop_pool.h"
#include "server/gateway/metrics.h"

namespace pubsub::gateway {

// A socket as the hub sees it. Lives on one loop.
class Recipient {
 public:
  virtual ~Recipient() = default;
  virtual const std::string& user_id() const = 0;
  // Queues the frame on the socket (called on the recipient's loop).
  virtual void Deliver(const DeliveryPtr& delivery) = 0;

 private:
  friend class Hub;
  size_t hub_slot_ = 0;  // index in its topic's per-loop list
};

class Hub {
 public:
  struct Topic;
  using TopicPtr = std::shared_ptr<Topic>;
  using ReadyCallback = std::function<void(absl::Status)>;

  Hub(Bus& bus, const Registry& registry, LoopPool& loops, Metrics& metrics);
  ~Hub();

  // On loop `loop`'s thread: adds `recipient` to `topic`'s subscribers there
  // and returns the topic handle to pass to Leave. `ready` runs on the same
  // loop once the topic is subscribed on the bus (at once if it already is),
  // or with Unavailable if the bus refused; events published after `ready`
  // reach the recipient.
  TopicPtr Join(size_t loop, const std::string& topic, const ChannelInfo& channel,
                Recipient* recipient, ReadyCallback ready);

  // On the recipient's loop: removes it. The last leave of a topic on the
  // replica unsubscribes it from the bus.
  void Leave(size_t loop, const TopicPtr& topic, Recipient* recipient);

  // Number of topics this replica is subscribed to (for /metrics and tests).
  size_t TopicCount() const;

 private:
  void OnBusMessage(const TopicPtr& topic, std::string_view envelope);
  void OnSubscribed(const TopicPtr& topic, absl::Status status);
  void DeliverOnLoop(size_t loop, const TopicPtr& topic, const DeliveryPtr& delivery);

  Bus& bus_;
  const Registry& registry_;
  LoopPool& loops_;
  Metrics& metrics_;

  mutable std::mutex mutex_;
  absl::flat_hash_map<std::string, TopicPtr> topics_;
};

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_GATEWAY_HUB_H_
