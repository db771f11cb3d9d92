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
//   // A publisher that names the type beside the JSON (gRPC, the CLI):
//   auto typed = registry.ParseJson(R"({"track_id":"4",...})", "new_comment");
//   // A packed message (google.protobuf.Any's two parts):
//   auto packed = registry.Unpack(any.type_url(), any.value());
//
// Thread-safety: registration happens at startup; after that a Registry is
// immutable and safe to read from any thread.
#ifndef PUBSUB_REGISTRY_H_
#define PUBSUB_REGISTRY_H_

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pubsub/history.h"

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
  // The channel message's .proto comment, for the catalogue (pubsub/catalogue.h).
  std::string_view description = {};
  // What each of the channel's topics keeps (pubsub/history.h); none by default.
  HistoryPolicy history = {};
};

// A named JSON Schema (draft 7) that payload schemas refer to as
// {"$ref":"#/components/schemas/<name>"}: one per message type.
struct SchemaDefinition {
  std::string_view name;    // "sample.CommentData"
  std::string_view schema;  // compact JSON text
};

// What the catalogue (pubsub/catalogue.h: the AsyncAPI document and the
// Markdown pages) says about an event. protoc-gen-pubsub computes it from the
// schema; every string is compact JSON or plain text.
struct EventCatalogue {
  std::string_view message_name = {};  // "sample.NewComment"
  std::string_view description = {};   // the event message's .proto comment
  // JSON Schema of the browser JSON {"type":..., fields...}.
  std::string_view payload_schema = {};
  // The schemas `payload_schema` refers to, transitively.
  std::span<const SchemaDefinition> definitions = {};
  // A representative event (every field set, one element per repeated field
  // and map) serialized as protobuf, and its browser JSON as the generated
  // writer renders it: Registry::RenderJson(info, <sample decoded>) == example
  // (tests/codegen/catalogue_test.cc checks it for every event).
  std::string_view sample = {};
  std::string_view example = {};
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
  EventCatalogue catalogue = {};
  // On a channel with history: not stored, no position (live only).
  bool live_only = false;
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
  // Registers an event; AlreadyExists if its type string or its message
  // type is taken (a packed message must name exactly one event),
  // FailedPrecondition if its channel was not registered first.
  absl::Status AddEvent(const EventInfo& event);

  const EventInfo* FindEvent(std::string_view type) const;
  // The event whose message is `full_name` ("sample.NewComment"), or null.
  const EventInfo* FindEventByMessageName(std::string_view full_name) const;
  const ChannelInfo* FindChannel(std::string_view name) const;
  const std::vector<const ChannelInfo*>& channels() const { return channels_; }
  const std::vector<const EventInfo*>& events() const { return events_; }

  // Parses the event exactly as browsers receive it: a JSON object whose
  // "type" names a registered event and whose other keys are its fields. The
  // one parser of published JSON: the HTTP endpoint, the gRPC service and
  // the CLI all come here, in one pass over the text.
  //
  // `type`: nullopt when the JSON alone names the event (HTTP: "type" is
  // required). Otherwise the event's type as the caller was told it (gRPC's
  // JsonEvent.type, the CLI's TYPE): then "type" may be left out of `json`,
  // and if present must equal `type`; an empty `type` is refused as missing.
  //
  // InvalidArgument, naming the problem and the field path, for bad JSON,
  // invalid UTF-8, a missing, unknown or mismatched type, an unknown field, a
  // value of the wrong kind, or a missing scope value on a scoped channel:
  //   `type: unknown event type "nope"`, `data.id: expected an integer, got "x"`,
  //   `json: "type" is "new_broadcast", but type is "new_comment"`.
  absl::StatusOr<ParsedEvent> ParseJson(std::string_view json,
                                        std::optional<std::string_view> type = std::nullopt) const;

  // Decodes a packed event: google.protobuf.Any's type_url and value, e.g.
  // ("type.googleapis.com/sample.NewComment", bytes). The message name after
  // the last '/' selects the event (FindEventByMessageName). InvalidArgument,
  // prefixed "message: " (the Any), when the URL is malformed, names no
  // registered event's message, or the bytes do not parse as it (proto3
  // strings must be UTF-8). Scope and targets are the Publisher's to check.
  absl::StatusOr<ParsedEvent> Unpack(std::string_view type_url, std::string_view value) const;

  // Decodes a serialized event of type `info` (an envelope's payload).
  // InvalidArgument when the bytes do not parse.
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> Decode(const EventInfo& info,
                                                                    std::string_view bytes) const;

  // Renders the browser JSON of `event`.
  static std::string RenderJson(const EventInfo& info, const google::protobuf::Message& event);

 private:
  absl::flat_hash_map<std::string_view, const ChannelInfo*> channels_by_name_;
  absl::flat_hash_map<std::string_view, const EventInfo*> events_by_type_;
  // Keyed by the descriptor's full_name(), which lives as long as the pool.
  absl::flat_hash_map<std::string_view, const EventInfo*> events_by_message_;
  std::vector<const ChannelInfo*> channels_;
  std::vector<const EventInfo*> events_;
};

}  // namespace pubsub

#endif  // PUBSUB_REGISTRY_H_
