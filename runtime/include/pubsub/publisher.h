// Publisher: validates an event against its schema, wraps it in an envelope
// and publishes it on a Bus. Generated typed publishers (e.g.
// sample::TrackCommentsPublisher) are thin wrappers over it; the gateway's
// HTTP endpoint and the gRPC service use it directly with registry entries.
//
//   pubsub::Publisher publisher(bus);
//   publisher.Publish(*info, event, /*target_user_ids=*/{},
//                     [](absl::StatusOr<std::string> id) { ... });
//
// Delivery rules (DESIGN section 7):
// - scoped channel: the event goes to topic "channel:<scope value>"; an empty
//   scope value is InvalidArgument;
// - personal channel: targets are required; one envelope per target user, to
//   topic "channel@<user>";
// - other channels: targets, when given, restrict delivery to those users
//   among the topic's subscribers (targeted broadcast);
// - a channel with history (ChannelInfo::history): each envelope is stored
//   and gets its position (Bus::PublishStored), and `done` reports success
//   only once it is stored; live_only events skip history.
//
// Each envelope says who published it (EventSource, for metrics): the
// publisher's source, kService unless constructed with another (the CLI's
// --redis says kCli), or the one a Publish call names (the gateway's HTTP,
// gRPC and admin paths share one Publisher).
//
// Thread-safety: Publish may be called from any thread. Events published one
// after another from one thread keep their order on each topic.
#ifndef PUBSUB_PUBLISHER_H_
#define PUBSUB_PUBLISHER_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "pubsub/bus.h"
#include "pubsub/event_source.h"
#include "pubsub/registry.h"

namespace google::protobuf {
class Message;
}

namespace pubsub {

// Runs once with the event id, or the reason it was not published.
using PublishCallback = std::function<void(absl::StatusOr<std::string> event_id)>;

class Publisher {
 public:
  // `source`: what this publisher's envelopes say about who published them.
  explicit Publisher(Bus& bus, EventSource source = EventSource::kService);

  // Publishes `event`, which must be of `info`'s message type. `done` may be
  // empty (failures are then only logged).
  void Publish(const EventInfo& info, const google::protobuf::Message& event,
               std::span<const std::string> target_user_ids, PublishCallback done) {
    Publish(info, event, target_user_ids, source_, std::move(done));
  }
  // The same, saying `source` instead of the publisher's.
  void Publish(const EventInfo& info, const google::protobuf::Message& event,
               std::span<const std::string> target_user_ids, EventSource source,
               PublishCallback done);

  // A new process-unique event id ("<random prefix>-<counter>").
  std::string NextEventId();

  Bus& bus() { return bus_; }
  EventSource source() const { return source_; }

 private:
  Bus& bus_;
  const EventSource source_;
  const std::string id_prefix_;
  std::atomic<uint64_t> next_sequence_{1};
};

}  // namespace pubsub

#endif  // PUBSUB_PUBLISHER_H_
