// Registry: the name-based view of the schemas a program links. Registration
// happens at startup; lookups afterwards are lock-free reads.
#include "pubsub/registry.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "pubsub/internal/json_writer.h"
#include "pubsub/internal/str_cat.h"

namespace pubsub {
namespace {

std::string Quote(std::string_view text) {
  std::string out;
  internal::JsonWriter writer(out);
  writer.String(text);
  return out;
}

}  // namespace

absl::Status Registry::AddChannel(const ChannelInfo& channel) {
  if (channels_by_name_.contains(channel.name)) {
    return absl::AlreadyExistsError(
        internal::Cat("channel \"", channel.name, "\" is already registered"));
  }
  for (const ChannelInfo* other : channels_) {
    if (other->path == channel.path) {
      return absl::AlreadyExistsError(
          internal::Cat("channel \"", channel.name, "\": path \"", channel.path,
                        "\" is already used by channel \"", other->name, "\""));
    }
  }
  channels_by_name_.emplace(channel.name, &channel);
  channels_.push_back(&channel);
  return absl::OkStatus();
}

absl::Status Registry::AddEvent(const EventInfo& event) {
  if (events_by_type_.contains(event.type)) {
    return absl::AlreadyExistsError(
        internal::Cat("event type \"", event.type, "\" is already registered"));
  }
  if (event.channel == nullptr || !channels_by_name_.contains(event.channel->name)) {
    return absl::FailedPreconditionError(
        internal::Cat("event type \"", event.type, "\": its channel \"",
                      event.channel == nullptr ? "" : event.channel->name, "\" is not registered"));
  }
  const std::string& message_name = event.descriptor()->full_name();
  if (const EventInfo* other = FindEventByMessageName(message_name)) {
    return absl::AlreadyExistsError(internal::Cat("event type \"", event.type, "\": its message ",
                                                  message_name, " is already event type \"",
                                                  other->type, "\""));
  }
  events_by_type_.emplace(event.type, &event);
  events_by_message_.emplace(message_name, &event);
  events_.push_back(&event);
  return absl::OkStatus();
}

const EventInfo* Registry::FindEvent(std::string_view type) const {
  const auto it = events_by_type_.find(type);
  return it == events_by_type_.end() ? nullptr : it->second;
}

const EventInfo* Registry::FindEventByMessageName(std::string_view full_name) const {
  const auto it = events_by_message_.find(full_name);
  return it == events_by_message_.end() ? nullptr : it->second;
}

const ChannelInfo* Registry::FindChannel(std::string_view name) const {
  const auto it = channels_by_name_.find(name);
  return it == channels_by_name_.end() ? nullptr : it->second;
}

absl::StatusOr<std::unique_ptr<google::protobuf::Message>> Registry::Decode(
    const EventInfo& info, std::string_view bytes) const {
  std::unique_ptr<google::protobuf::Message> message(info.default_instance().New());
  if (bytes.size() > static_cast<size_t>(INT32_MAX) ||
      !message->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError(
        internal::Cat("payload is not a valid ", message->GetDescriptor()->full_name()));
  }
  return message;
}

absl::StatusOr<ParsedEvent> Registry::Unpack(std::string_view type_url,
                                             std::string_view value) const {
  // "type.googleapis.com/sample.NewComment": the name follows the last '/'.
  const size_t slash = type_url.rfind('/');
  if (slash == std::string_view::npos || slash + 1 == type_url.size()) {
    return absl::InvalidArgumentError(
        internal::Cat("message: malformed type URL ", Quote(type_url),
                      " (expected e.g. \"type.googleapis.com/sample.NewComment\")"));
  }
  const std::string_view name = type_url.substr(slash + 1);
  const EventInfo* info = FindEventByMessageName(name);
  if (info == nullptr) {
    return absl::InvalidArgumentError(
        internal::Cat("message: ", Quote(name), " is not the message of a registered event type"));
  }
  ParsedEvent event;
  event.info = info;
  event.message.reset(info->default_instance().New());
  if (value.size() > static_cast<size_t>(INT32_MAX) ||
      !event.message->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return absl::InvalidArgumentError(
        internal::Cat("message: the bytes are not a valid ", name,
                      " (malformed, or a string field holds invalid UTF-8)"));
  }
  return event;
}

std::string Registry::RenderJson(const EventInfo& info, const google::protobuf::Message& event) {
  std::string json;
  // Browser events are small: one allocation covers nearly all of them, and
  // the rare big one grows geometrically.
  json.reserve(256);
  internal::JsonWriter writer(json);
  info.write_json(event, writer);
  return json;
}

}  // namespace pubsub
