// EventSource: who published an event, as its envelope says (the envelope's
// `source`, schema/pubsub/envelope.proto). For metrics: a gateway counts the
// events it receives from the bus by source, whichever way they were
// published. A fixed, small set, so that it can be a metrics label.
//
//   pubsub::Publisher publisher(bus);                       // says kService
//   pubsub::Publisher cli(bus, pubsub::EventSource::kCli);  // says kCli
//   EventSourceName(meta.source);  // "service", ..., "unknown"
//
// Not for authorization or delivery: anyone who can write to the bus can
// write any value here.
#ifndef PUBSUB_EVENT_SOURCE_H_
#define PUBSUB_EVENT_SOURCE_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace pubsub {

// The values are the envelope's Envelope.Source numbers (publisher.cc checks).
enum class EventSource : uint8_t {
  // Not said (a publisher older than the field) or a value this version does
  // not know.
  kUnknown = 0,
  kService = 1,  // pubsub::Publisher in a C++ service (typed publishers)
  kHttp = 2,     // a gateway's POST /api/publish
  kGrpc = 3,     // a gateway's gRPC pubsub.v1.Publisher
  kAdmin = 4,    // a gateway's admin console, POST /api/admin/publish
  kCli = 5,      // the pubsub CLI straight to Redis (publish --redis)
};
inline constexpr size_t kEventSources = 6;

// "unknown", "service", "http", "grpc", "admin", "cli".
constexpr std::string_view EventSourceName(EventSource source) {
  constexpr std::string_view kNames[kEventSources] = {"unknown", "service", "http",
                                                      "grpc",    "admin",   "cli"};
  const auto index = static_cast<size_t>(source);
  return index < kEventSources ? kNames[index] : kNames[0];
}

// The source for an envelope's raw field value: kUnknown for any value
// outside the set (a newer publisher's, or garbage from the bus).
constexpr EventSource EventSourceFromWire(int value) {
  return value > 0 && static_cast<size_t>(value) < kEventSources ? static_cast<EventSource>(value)
                                                                 : EventSource::kUnknown;
}

}  // namespace pubsub

#endif  // PUBSUB_EVENT_SOURCE_H_
