#include "pubsub/schema.h"

#include <google/protobuf/descriptor.h>

#include "absl/container/flat_hash_map.h"
#include "pubsub/internal/str_cat.h"
#include "pubsub/status_macros.h"

namespace pubsub {
namespace {

using internal::Cat;

absl::Status Collision(std::string_view schema, std::string_view what, std::string_view other) {
  if (other.empty()) {
    return absl::AlreadyExistsError(
        Cat({"schema \"", schema, "\": ", what, " is already registered"}));
  }
  return absl::AlreadyExistsError(
      Cat({"schema \"", schema, "\": ", what, " is already declared by schema \"", other, "\""}));
}

}  // namespace

absl::Status RegisterSchemas(Registry& registry, std::span<const Schema> schemas) {
  // Who declared what, for messages that name both sides.
  absl::flat_hash_map<std::string_view, std::string_view> channel_owner;  // name and path
  absl::flat_hash_map<std::string_view, std::string_view> event_owner;    // type and message
  for (const ChannelInfo* c : registry.channels()) {
    channel_owner.emplace(c->name, "");
    channel_owner.emplace(c->path, "");
  }
  for (const EventInfo* e : registry.events()) {
    event_owner.emplace(e->type, "");
    event_owner.emplace(e->descriptor()->full_name(), "");
  }

  for (const Schema& schema : schemas) {
    // Each schema on its own first: its own errors name it alone, and a
    // collision is found before anything of it is registered.
    Registry own;
    if (absl::Status status = schema.register_all(own); !status.ok()) {
      return absl::Status(status.code(),
                          Cat("schema \"", schema.name, "\": ",
                              std::string_view(status.message().data(), status.message().size())));
    }
    for (const ChannelInfo* channel : own.channels()) {
      for (std::string_view key : {channel->name, channel->path}) {
        if (auto it = channel_owner.find(key); it != channel_owner.end()) {
          return Collision(schema.name,
                           Cat({"channel \"", channel->name, "\" (", channel->path, ")"}),
                           it->second);
        }
      }
    }
    for (const EventInfo* event : own.events()) {
      const std::string& message = event->descriptor()->full_name();
      for (std::string_view key : {event->type, std::string_view(message)}) {
        if (auto it = event_owner.find(key); it != event_owner.end()) {
          return Collision(schema.name,
                           Cat({"event type \"", event->type, "\" (message ", message, ")"}),
                           it->second);
        }
      }
    }
    PUBSUB_RETURN_IF_ERROR(schema.register_all(registry));
    for (const ChannelInfo* c : own.channels()) {
      // Two statements: one insertion may rehash under the other's reference.
      channel_owner[c->name] = schema.name;
      channel_owner[c->path] = schema.name;
    }
    for (const EventInfo* e : own.events()) {
      event_owner[e->type] = schema.name;
      event_owner[e->descriptor()->full_name()] = schema.name;
    }
  }
  return absl::OkStatus();
}

}  // namespace pubsub
