// Fuzz target: what the gateway's hub does with every message the bus
// delivers (server/gateway/hub.cc): pubsub::internal::DecodeEnvelope
// (runtime/include/pubsub/subscription.h), the registry's event for the
// envelope's type, Registry::Decode of the payload, and the browser JSON
// (Registry::RenderJson). A bus carries untrusted bytes: anything with access
// to Redis can publish on a gateway topic.
//
// Input byte 0 picks the shape:
//   0: the rest is a serialized pubsub.Envelope, as it comes off the bus;
//   1: the rest is "TYPE\0PAYLOAD": an envelope is built around them, so that
//      the fuzzer spends its time on payloads rather than on the envelope.
// Checks: no crash, no leak; the rendered JSON is a valid JSON object whose
// "type" is the envelope's; and what the gateway renders a publisher could
// publish back: the registry's parser takes it (unless the scope value is
// empty, which publishing refuses) and renders the very same text again.
#include <google/protobuf/stubs/logging.h>
#include <spdlog/spdlog.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "pubsub/envelope.pb.h"
#include "pubsub/registry.h"
#include "pubsub/subscription.h"
#include "sample_schema.schema.h"

namespace {

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
    return r;
  }();
  return *registry;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const pubsub::Registry& registry = TheRegistry();
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string bytes;
  if (data[0] % 2 == 0) {
    bytes.assign(rest);
  } else {
    const size_t nul = rest.find('\0');
    if (nul == std::string_view::npos) return 0;
    pubsub::Envelope envelope;
    envelope.set_id("fuzz-1");
    envelope.set_type(std::string(rest.substr(0, nul)));
    envelope.set_payload(std::string(rest.substr(nul + 1)));
    bytes = envelope.SerializeAsString();
  }

  std::string type;
  std::string payload;
  pubsub::EventMeta meta;
  if (!pubsub::internal::DecodeEnvelope("fuzz", bytes, type, payload, meta)) return 0;
  Check(!type.empty());
  Check(meta.topic == "fuzz");
  // Whatever the bytes say, the source is one of the bounded set (a metrics label).
  Check(static_cast<size_t>(meta.source) < pubsub::kEventSources);
  const pubsub::EventInfo* info = registry.FindEvent(type);
  if (info == nullptr) return 0;
  auto message = registry.Decode(*info, payload);
  if (!message.ok()) {
    Check(message.status().code() == absl::StatusCode::kInvalidArgument);
    return 0;
  }
  const std::string json = pubsub::Registry::RenderJson(*info, **message);

  boost::system::error_code error;
  const boost::json::value document = boost::json::parse(json, error);
  Check(!error);
  Check(document.is_object());
  const boost::json::value* rendered_type = document.get_object().if_contains("type");
  Check(rendered_type != nullptr && rendered_type->is_string());
  Check(std::string_view(rendered_type->get_string()) == info->type);

  auto again = registry.ParseJson(json);
  if (!again.ok()) {
    // Only the scope may stop a rendered event from being published again.
    Check(!info->channel->scope_field.empty() && info->scope_value(**message).empty());
    return 0;
  }
  Check(again->info == info);
  Check(pubsub::Registry::RenderJson(*again->info, *again->message) == json);
  return 0;
}
