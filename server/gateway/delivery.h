// Delivery: one event (or one control message), rendered once per replica as
// complete WebSocket text frames, shared read-only by every socket it is
// queued on.
//
// Two frames, because clients choose their protocol when they connect:
// - the plain frame: the event's JSON exactly as the schema renders it, for
//   clients that speak the seed's protocol (the default);
// - the recovery frame, for clients that opted into recovery (?since=...):
//     {"position":"EPOCH:SEQ","event":{...}}   an event with its position
//     {"event":{...}}                          an event without one (no history)
//     {"control":"recovery","recovered":false,"position":"EPOCH:SEQ","reason":"..."}
//   A control delivery has no plain frame: plain clients never see it.
#ifndef PUBSUB_SERVER_GATEWAY_DELIVERY_H_
#define PUBSUB_SERVER_GATEWAY_DELIVERY_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "pubsub/history.h"

#include "server/gateway/event_metrics.h"

namespace pubsub::gateway {

// A complete WebSocket text frame built in place: the payload is appended to
// `storage` after room for the header, then the header is written in front.
struct Frame {
  // Room kept in front of the payload for the frame header (at most 10 bytes).
  static constexpr size_t kHeaderRoom = 10;

  std::string storage;  // [unused room][frame header][payload]
  size_t offset = 0;    // where the frame starts; storage.size() when empty

  // Starts a frame whose payload the caller appends to `storage`.
  void Begin(size_t reserve);
  // Writes the header in front of what was appended since Begin.
  void Finish();
  std::string_view bytes() const { return std::string_view(storage).substr(offset); }
  bool empty() const { return offset >= storage.size(); }
};

struct Delivery {
  Frame plain;     // empty for a control delivery
  Frame recovery;  // what clients that opted into recovery receive
  // The event's position in its topic's history; nullopt without history
  // (and for control deliveries, which carry it in their JSON).
  std::optional<Position> position;
  std::vector<std::string> targets;  // empty: every subscriber of the topic
  // Built when there are many targets, so a check is O(1).
  std::unique_ptr<absl::flat_hash_set<std::string_view>> target_set;
  size_t channel_index = 0;
  // EventMetrics' index of the event's type; kNoType for a control delivery.
  size_t event_type = EventMetrics::kNoType;
  int64_t publish_time_unix_nanos = 0;

  std::string_view frame() const { return plain.bytes(); }
  // The frame for a client in the given protocol; empty: nothing to send.
  std::string_view FrameFor(bool recovery_protocol) const {
    return recovery_protocol ? recovery.bytes() : plain.bytes();
  }
  bool IsFor(std::string_view user_id) const {
    if (targets.empty()) return true;
    if (target_set) return target_set->contains(user_id);
    for (const auto& target : targets) {
      if (target == user_id) return true;
    }
    return false;
  }
};

using DeliveryPtr = std::shared_ptr<const Delivery>;

// Completes `delivery`'s recovery frame from its plain frame's JSON (and its
// position): {"position":...,"event":<json>} or {"event":<json>}.
void BuildRecoveryFrame(Delivery& delivery);

// A delivery with only the recovery frame of `plain`'s event: for a client in
// the recovery protocol on a channel whose events are rendered without one
// (a channel without history).
DeliveryPtr WrapForRecovery(const Delivery& plain);

// A control delivery telling clients in the recovery protocol whether they
// have everything up to `position` ({"control":"recovery",...}; a position
// without epoch is left out).
DeliveryPtr MakeRecoveryControl(bool recovered, const Position& position, std::string_view reason,
                                size_t channel_index);

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_GATEWAY_DELIVERY_H_
