// Fuzz target: the one parser of published events, Registry::ParseJson
// (runtime/include/pubsub/registry.h), against the sample schema the gateway
// serves (the generated sample_schema.schema.h), with and without a type given beside the
// JSON: what HTTP's POST /api/publish, gRPC's Publish and the CLI accept.
//
// Input byte 0 picks how the type is given:
//   0: not at all: the rest is the JSON, which must carry "type" (HTTP);
//   1: byte 1 picks a registered event type; the rest is the JSON (gRPC);
//   2: the rest is "TYPE\nJSON", the type as any text (gRPC, the CLI).
// Checks: no crash, no leak; refusals are InvalidArgument with a message; an
// accepted event is of the given type and carries its scope; rendering it
// (Registry::RenderJson, what browsers receive) and parsing that JSON again,
// with or without its type given, gives an equal message whose rendering is
// the same text.
#include <google/protobuf/message.h>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/util/field_comparator.h>
#include <google/protobuf/util/message_differencer.h>
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "pubsub/registry.h"
#include "sample_schema.schema.h"

namespace {

using google::protobuf::util::DefaultFieldComparator;
using google::protobuf::util::MessageDifferencer;

void Check(bool condition) {
  if (!condition) std::abort();
}

const pubsub::Registry& TheRegistry() {
  static const auto* registry = [] {
    // Quiet: every refused input would otherwise log a line.
    spdlog::set_level(spdlog::level::off);
    google::protobuf::SetLogHandler(nullptr);
    auto* r = new pubsub::Registry();
    Check(pubsub::schemas::sample_schema().register_all(*r).ok());
    Check(!r->events().empty());
    return r;
  }();
  return *registry;
}

// Equal field by field; NaN equals NaN (the JSON "NaN" reads back as one).
bool Equal(const google::protobuf::Message& a, const google::protobuf::Message& b) {
  static DefaultFieldComparator* comparator = [] {
    auto* c = new DefaultFieldComparator();
    c->set_treat_nan_as_equal(true);
    return c;
  }();
  MessageDifferencer differencer;
  differencer.set_field_comparator(comparator);
  return differencer.Compare(a, b);
}

// `json` as the registry renders `info`'s events must parse back to `event`.
void CheckRoundTrip(const pubsub::Registry& registry, const pubsub::ParsedEvent& event) {
  const std::string json = pubsub::Registry::RenderJson(*event.info, *event.message);
  for (const std::optional<std::string_view> type :
       {std::optional<std::string_view>(), std::optional<std::string_view>(event.info->type)}) {
    auto again = registry.ParseJson(json, type);
    Check(again.ok());
    Check(again->info == event.info);
    Check(Equal(*event.message, *again->message));
    Check(pubsub::Registry::RenderJson(*again->info, *again->message) == json);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const pubsub::Registry& registry = TheRegistry();
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::optional<std::string_view> type;
  switch (data[0] % 3) {
    case 0:
      break;
    case 1: {
      if (rest.empty()) return 0;
      const auto& events = registry.events();
      type = events[static_cast<uint8_t>(rest[0]) % events.size()]->type;
      rest.remove_prefix(1);
      break;
    }
    default: {
      const size_t newline = rest.find('\n');
      if (newline == std::string_view::npos) return 0;
      type = rest.substr(0, newline);
      rest.remove_prefix(newline + 1);
      break;
    }
  }

  auto event = registry.ParseJson(rest, type);
  if (!event.ok()) {
    Check(event.status().code() == absl::StatusCode::kInvalidArgument);
    Check(!event.status().message().empty());
    return 0;
  }
  Check(event->info != nullptr && event->message != nullptr);
  Check(event->message->GetDescriptor() == event->info->descriptor());
  Check(registry.FindEvent(event->info->type) == event->info);
  if (type.has_value()) Check(event->info->type == *type);
  if (!event->info->channel->scope_field.empty()) {
    Check(!event->info->scope_value(*event->message).empty());
  }
  CheckRoundTrip(registry, *event);
  return 0;
}
