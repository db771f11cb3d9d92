// Bus: the one seam between delivery and transport. Publish serialized
// envelopes to a topic; subscribe and unsubscribe topics.
//
// Implementations: EmbeddedBus (in-process, embedded_bus.h) and, for many
// replicas, the Redis bus. A bus reference-counts subscriptions per topic: the
// transport subscribes on the first Subscribe of a topic and unsubscribes after
// the last Unsubscribe.
//
//   pubsub::EmbeddedBus bus;
//   auto id = bus.Subscribe("broadcasts",
//       [](std::string_view topic, std::string_view envelope) { ... },
//       [](absl::Status ready) { /* now subscribed on the transport */ });
//   bus.Publish("broadcasts", envelope_bytes, [](absl::Status s) { ... });
//   bus.Unsubscribe(id);
//
// Threading: every method may be called from any thread. Handlers and
// callbacks run on a thread of the bus's choosing (the publisher's own thread
// for EmbeddedBus; the connection's I/O thread for Redis) and must not block.
// Messages of one topic reach a handler in the order they were published by
// one publisher thread.
#ifndef PUBSUB_BUS_H_
#define PUBSUB_BUS_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "pubsub/history.h"
#include "pubsub/presence.h"

namespace pubsub {

class Bus {
 public:
  using SubscriptionId = uint64_t;
  // Receives one serialized pubsub.Envelope; the views are valid for the call only.
  using MessageHandler = std::function<void(std::string_view topic, std::string_view envelope)>;
  using DoneCallback = std::function<void(absl::Status)>;

  virtual ~Bus() = default;

  // Publishes `envelope` to `topic`. `done` (may be empty) runs exactly once:
  // OK once the transport has taken the message, Unavailable when it is down
  // (the message was not sent), InvalidArgument when it exceeds the size limit.
  virtual void Publish(std::string_view topic, std::string envelope, DoneCallback done) = 0;

  // Stores `envelope` in `topic`'s history (keeping `policy`) and publishes
  // it, in one atomic step that assigns its Position (pubsub/history.h): the
  // envelope subscribers receive and the one stored carry that position, and
  // a topic's subscribers receive its stored events in position order.
  // `done` (may be empty) runs exactly once: the position once the event is
  // stored (an acknowledgement means stored), or the reason, as for Publish.
  virtual void PublishStored(std::string_view topic, std::string envelope,
                             const HistoryPolicy& policy, StoredCallback done) = 0;

  // Reads `topic`'s history after `after_seq` (at most `limit` envelopes;
  // limit 0 reads only the epoch and bounds), or with kReadNewest the newest
  // `limit` envelopes (pubsub/history.h). Starts the topic's epoch when it
  // has none (kept under `policy`'s expiry). `done` runs exactly once.
  virtual void ReadHistory(std::string_view topic, const HistoryPolicy& policy, uint64_t after_seq,
                           size_t limit, HistoryCallback done) = 0;

  // Adds `handler` for `topic`. `ready` (may be empty) runs once when the
  // topic is subscribed on the transport (at once if it already was), or with
  // an error if that failed. Returns an id for Unsubscribe.
  virtual SubscriptionId Subscribe(std::string_view topic, MessageHandler handler,
                                   DoneCallback ready) = 0;

  // Removes a subscription; its handler is not called after this returns.
  virtual void Unsubscribe(SubscriptionId id) = 0;

  // True while the transport is connected and every live topic is subscribed.
  virtual bool IsReady() const = 0;

  // True while the transport is connected, whether or not every topic's
  // subscription is confirmed yet: new subscriptions can be made (the gateway
  // accepts upgrades while this holds; /readyz reports IsReady).
  virtual bool IsConnected() const { return IsReady(); }

  // `handler` runs (on a thread of the bus's choosing) each time the bus has
  // subscribed every live topic again after losing its subscriptions (e.g.
  // its Redis connection dropped): messages published meanwhile never
  // reached the handlers, and a subscriber with history catches up. Buses
  // that cannot lose subscriptions never call it. Set it before subscribing.
  virtual void SetResubscribedHandler(std::function<void()> /*handler*/) {}

  // Cluster-wide presence (pubsub/presence.h). SharePresence writes this
  // replica's share; `done` gets FailedPrecondition when `share` is not
  // `full` and the bus holds no live share of that replica (it expired, or
  // Redis lost it): send it again with every user. QueryPresence adds up the
  // live shares (`user` may be empty). Unimplemented by buses without it.
  virtual void SharePresence(PresenceShare /*share*/, DoneCallback done) {
    if (done) done(absl::UnimplementedError("this bus keeps no presence"));
  }
  virtual void QueryPresence(std::string_view /*user*/, PresenceCallback done) {
    if (done) done(absl::UnimplementedError("this bus keeps no presence"));
  }

  // A one-word description for logs and the startup line ("memory", "redis://...").
  virtual std::string Describe() const = 0;
};

}  // namespace pubsub

#endif  // PUBSUB_BUS_H_
