#include "server/grpc/event_input.h"

#include <memory>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "absl/strings/str_cat.h"
#include "pubsub/internal/json_writer.h"

namespace pubsub::gateway {
namespace {

// This abseil's string_view is not std::string_view.
absl::string_view A(std::string_view text) { return {text.data(), text.size()}; }

std::string Quote(std::string_view text) {
  std::string out;
  internal::JsonWriter writer(out);
  writer.String(text);
  return out;
}

// `json` (a JSON object without "type") with "type":<type> as its first member.
std::string WithType(std::string_view json, std::string_view type, bool object_is_empty) {
  const size_t brace = json.find('{');  // the caller checked: an object
  std::string out;
  out.reserve(json.size() + type.size() + 10);
  out.append(json.substr(0, brace + 1));
  out.append("\"type\":");
  out.append(Quote(type));
  if (!object_is_empty) out.push_back(',');
  out.append(json.substr(brace + 1));
  return out;
}

}  // namespace

absl::StatusOr<ParsedEvent> ParseTypedJson(const Registry& registry, std::string_view type,
                                           std::string_view json) {
  if (type.empty()) {
    return absl::InvalidArgumentError(
        "type: required (the event's type string, e.g. \"new_comment\")");
  }
  const EventInfo* info = registry.FindEvent(type);
  if (info == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("type: unknown event type ", Quote(type)));
  }

  // Browser JSON carries "type": the common case parses once.
  absl::StatusOr<ParsedEvent> parsed = registry.ParseJson(json);
  if (parsed.ok()) {
    if (parsed->info != info) {
      return absl::InvalidArgumentError(absl::StrCat(
          "json: \"type\" is ", Quote(parsed->info->type), ", but type is ", Quote(type)));
    }
    return parsed;
  }

  // It failed: find out whether "type" was merely left out (then add it and
  // parse again) or differs from `type` (a clearer message than the
  // registry's). Anything else is the registry's error as it stands.
  boost::system::error_code error;
  const boost::json::value document = boost::json::parse(json, error);
  if (error || !document.is_object()) return parsed.status();
  const boost::json::object& object = document.get_object();
  const auto it = object.find("type");
  if (it == object.end()) {
    return registry.ParseJson(WithType(json, type, object.empty()));
  }
  if (it->value().is_string() && it->value().get_string() != type) {
    return absl::InvalidArgumentError(
        absl::StrCat("json: \"type\" is ", Quote(std::string_view(it->value().get_string())),
                     ", but type is ", Quote(type)));
  }
  return parsed.status();
}

EventMessageIndex::EventMessageIndex(const Registry& registry) {
  for (const EventInfo* info : registry.events()) {
    by_message_.emplace(info->descriptor()->full_name(), info);
  }
}

const EventInfo* EventMessageIndex::Find(std::string_view full_name) const {
  const auto it = by_message_.find(A(full_name));
  return it == by_message_.end() ? nullptr : it->second;
}

absl::StatusOr<ParsedEvent> UnpackEvent(const EventMessageIndex& index, std::string_view type_url,
                                        std::string_view value) {
  // "type.googleapis.com/sample.NewComment": the name follows the last '/'.
  const size_t slash = type_url.rfind('/');
  if (type_url.empty() || slash == std::string_view::npos || slash + 1 == type_url.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("message: malformed type URL ", Quote(type_url),
                     " (expected e.g. \"type.googleapis.com/sample.NewComment\")"));
  }
  const std::string_view name = type_url.substr(slash + 1);
  const EventInfo* info = index.Find(name);
  if (info == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("message: ", Quote(name), " is not the message of a registered event type"));
  }
  ParsedEvent event;
  event.info = info;
  event.message.reset(info->default_instance().New());
  if (!event.message->ParseFromArray(value.data(), static_cast<int>(value.size()))) {
    return absl::InvalidArgumentError(
        absl::StrCat("message: the bytes are not a valid ", A(name),
                     " (malformed, or a string field holds invalid UTF-8)"));
  }
  return event;
}

}  // namespace pubsub::gateway
