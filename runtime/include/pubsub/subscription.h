// Subscription: an RAII handle on a Bus subscription, and the envelope
// decoding that generated typed subscribers build on.
//
//   auto sub = sample::TrackCommentsSubscriber::Subscribe(bus, "42", {
//       .on_new_comment = [](const sample::NewComment& c, const pubsub::EventMeta& meta) {...},
//   });
//   // events of track 42 arrive until `sub` is destroyed
#ifndef PUBSUB_SUBSCRIPTION_H_
#define PUBSUB_SUBSCRIPTION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pubsub/bus.h"
#include "pubsub/event_source.h"
#include "pubsub/history.h"

namespace pubsub {

// What the envelope says about an event, beside its payload.
struct EventMeta {
  std::string id;
  int64_t publish_time_unix_nanos = 0;
  std::string_view topic;
  std::vector<std::string> target_user_ids;  // empty: for everybody on the topic
  // The event's place in its topic's history; nullopt when the topic keeps none.
  std::optional<Position> position;
  // Who published it (metrics only: the bus does not vouch for it).
  EventSource source = EventSource::kUnknown;
};

// Unsubscribes when destroyed. Not copyable; movable.
class Subscription {
 public:
  Subscription(Bus& bus, Bus::SubscriptionId id) : bus_(&bus), id_(id) {}
  Subscription(Subscription&& other) noexcept : bus_(other.bus_), id_(other.id_) {
    other.bus_ = nullptr;
  }
  Subscription& operator=(Subscription&&) = delete;
  Subscription(const Subscription&) = delete;
  ~Subscription() {
    if (bus_ != nullptr) bus_->Unsubscribe(id_);
  }

 private:
  Bus* bus_;
  Bus::SubscriptionId id_;
};

namespace internal {

// Splits a serialized envelope into its type, payload and meta. False (and
// a log line) when the bytes are not an envelope: a bus carries untrusted data.
bool DecodeEnvelope(std::string_view topic, std::string_view bytes, std::string& type,
                    std::string& payload, EventMeta& meta);

}  // namespace internal
}  // namespace pubsub

#endif  // PUBSUB_SUBSCRIPTION_H_
