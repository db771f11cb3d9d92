// Envelope decoding for subscribers: the bus carries untrusted bytes, so a
// malformed envelope is logged and dropped, never trusted.
#include <spdlog/spdlog.h>

#include "pubsub/envelope.pb.h"
#include "pubsub/subscription.h"

namespace pubsub::internal {

bool DecodeEnvelope(std::string_view topic, std::string_view bytes, std::string& type,
                    std::string& payload, EventMeta& meta) {
  Envelope envelope;
  if (bytes.size() > static_cast<size_t>(INT32_MAX) ||
      !envelope.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    spdlog::warn("dropped a malformed envelope on topic \"{}\" ({} bytes)", topic, bytes.size());
    return false;
  }
  if (envelope.type().empty()) {
    spdlog::warn("dropped an envelope without a type on topic \"{}\" (id \"{}\")", topic,
                 envelope.id());
    return false;
  }
  type = std::move(*envelope.mutable_type());
  payload = std::move(*envelope.mutable_payload());
  meta.id = std::move(*envelope.mutable_id());
  meta.publish_time_unix_nanos = envelope.publish_time_unix_nanos();
  meta.topic = topic;
  meta.source = EventSourceFromWire(envelope.source());
  if (!envelope.epoch().empty()) {
    meta.position = Position{std::move(*envelope.mutable_epoch()), envelope.seq()};
  }
  meta.target_user_ids.assign(std::make_move_iterator(envelope.mutable_target_user_ids()->begin()),
                              std::make_move_iterator(envelope.mutable_target_user_ids()->end()));
  return true;
}

}  // namespace pubsub::internal
