// Turning the two shapes in which publishers hand over an event — a type name
// plus browser JSON, or a packed protobuf message — into a registry event,
// with errors that name the problem. Used by the gRPC Publish service and by
// the `pubsub publish` CLI (which validates locally before sending). Free of
// gRPC headers on purpose: the CLI's and the tests' translation units that
// only validate need not pay for them.
//
//   pubsub::gateway::EventMessageIndex index(registry);
//   auto event = pubsub::gateway::ParseTypedJson(registry, "new_comment",
//                                                R"({"track_id":"42","data":{...}})");
//   auto packed = pubsub::gateway::UnpackEvent(index, any.type_url(), any.value());
//   if (!event.ok()) return InvalidArgument(event.status().message());
//   publisher.Publish(*event->info, *event->message, targets, done);
#ifndef PUBSUB_SERVER_GRPC_EVENT_INPUT_H_
#define PUBSUB_SERVER_GRPC_EVENT_INPUT_H_

#include <string>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "pubsub/registry.h"

namespace pubsub::gateway {

// Parses an event given as its type plus the JSON browsers receive. `json`
// may carry "type" (then it must equal `type`) or leave it out. All errors
// are InvalidArgument: an empty or unknown `type`, a "type" in the JSON that
// differs, and everything Registry::ParseJson refuses (bad JSON, unknown or
// mistyped fields, a missing scope value), with its field path.
absl::StatusOr<ParsedEvent> ParseTypedJson(const Registry& registry, std::string_view type,
                                           std::string_view json);

// The registry's events by their message's full protobuf name
// ("sample.NewComment"), for packed messages. Build it once after
// registration; immutable afterwards, so safe to share between threads.
class EventMessageIndex {
 public:
  explicit EventMessageIndex(const Registry& registry);

  // The event whose message is `full_name`, or null.
  const EventInfo* Find(std::string_view full_name) const;

 private:
  absl::flat_hash_map<std::string, const EventInfo*> by_message_;
};

// Decodes a packed message (google.protobuf.Any's type_url and value) into a
// registry event. InvalidArgument when the type URL is malformed, names a
// message that is not a registered event's, or the bytes do not parse as it.
absl::StatusOr<ParsedEvent> UnpackEvent(const EventMessageIndex& index, std::string_view type_url,
                                        std::string_view value);

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_GRPC_EVENT_INPUT_H_
