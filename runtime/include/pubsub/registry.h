// Registry: type string -> everything needed to validate, decode and render an
// event without compiling against it by name.
//
// Generated code describes each channel and event with static tables; a
// program registers the schemas it links:
//
//   pubsub::Registry registry;
//   sample::RegisterCommentsSchema(registry);   // from comments.pubsub.h
//   auto event = registry.ParseJson(R"({"type":"new_comment","track_id":"4",...})");
//   if (!event.ok()) return Status400(event.status().message());
//   std::string json = registry.RenderJson(*event->info, *event->message);
//
// Thread-safety: registration happens at startup; after that a Registry is
// immutable and safe to read from any thread.
#ifndef PUBSUB_REGISTRY_H_
#define PUBSUB_REGISTRY_H_

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace google::protobuf {
class Descriptor;
class Message;
}  // namespace google::protobuf

namespace pubsub {
namespace internal {
class JsonWriter;
}

// Who may subscribe to a channel (see schema/pubsub/options.proto).
enum class Access { kAuthenticated, kRole, kPersonal };

struct ChannelInfo {
  std::string_view name;         // "track_comments"
  std::string_view path;         // "/ws/comments/{track_id}"
  std::string_view scope_field;  // "track_id", or empty when unscoped
  Access access;
  std::string_view role;  // required role when access == kRole
};

struct EventInfo {
  std::string_view type;  // "new_comment"
  const ChannelInfo* channel;
  // The event's message type (a function: descriptors are built at run time).
  const google::protobuf::Descriptor* (*descriptor)();
  // The default instance, for New() and for decoding.
  const google::protobuf::Message& (*default_instance)();
  // The scope field's value as a string ("" when the channel is unscoped).
  std::string (*scope_value)(const google::protobuf::Message& event);
  // Appends the browser JSON {"type":..., fields...}. `event` must be of this
  // type's message class.
  void (*write_json)(const google::protobuf::Message& event, internal::JsonWriter& writer);
};

// An event parsed from browser-shaped JSON, ready to publish.
struct ParsedEvent {
  const EventInfo* info = nullptr;
  std::unique_ptr<google::protobuf::Message> message;
};

class Registry {
 public:
  Registry() = default;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Registers a channel; AlreadyExists if its name or path is taken.
  absl::Status AddChannel(const ChannelInfo& channel);
  // Registers an event; AlreadyExists if its type string is taken,
  // FailedPrecondition if its channel was not registered first.
  absl::Status AddEvent(const EventInfo& event);

  const EventInfo* FindEvent(std::string_view type) const;
  const ChannelInfo* FindChannel(std::string_view name) const;
  const std::vector<const ChannelInfo*>& channels() const { return channels_; }
  const std::vector<const EventInfo*>& events() const { return events_; }

  // Parses the event exactly as browsers receive it: a JSON object whose
  // "type" names a registered event and whose other keys are its fields.
  // InvalidArgument, naming the problem and the field path, for bad JSON,
  // invalid UTF-8, an unknown type or field, a value of the wrong kind, or a
  // missing scope value on a scoped channel.
  absl::StatusOr<ParsedEvent> ParseJson(std::string_view json) const;

  // Decodes a serialized event of type `info` (an envelope's payload).
  // InvalidArgument when the bytes do not parse.
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> Decode(const EventInfo& info,
                                                                    std::string_view bytes) const;

  // Renders the browser JSON of `event`.
  static std::string RenderJson(const EventInfo& info, const google::protobuf::Message& event);

 private:
  absl::flat_hash_map<std::string_view, const ChannelInfo*> channels_by_name_;
  absl::flat_hash_map<std::string_view, const EventInfo*> events_by_type_;
  std::vector<const ChannelInfo*> channels_;
  std::vector<const EventInfo*> events_;
};

}  // namespace pubsub

#endif  // PUBSUB_REGISTRY_H_
