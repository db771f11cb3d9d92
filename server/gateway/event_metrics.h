// EventMetrics: what happens to each event type, for /metrics. The schema
// knows every type, so the label sets are bounded (event type, channel,
// source, reason; never a user or a scope value).
//
//   pubsub_events_published_total{type,channel,source}  accepted by this gateway
//                                                         (source: http, grpc, admin)
//   pubsub_publish_refused_total{source,reason}          refused by this gateway
//   pubsub_events_received_total{type,channel,source}   from the bus, by the envelope's source
//                                                         (service, http, grpc, admin, cli,
//                                                         unknown: pubsub/event_source.h)
//   pubsub_events_delivered_total{type,channel}           frames handed to sockets
//   pubsub_events_dropped_total{type,channel,reason}      frames that never were
//   pubsub_delivery_latency_seconds{type}                 publish time -> socket write
//
// The received and delivery-side counters and the histogram are kept per event loop
// (relaxed atomics on the loop's own cache lines, no lock) and summed when
// /metrics is scraped.
#ifndef PUBSUB_SERVER_GATEWAY_EVENT_METRICS_H_
#define PUBSUB_SERVER_GATEWAY_EVENT_METRICS_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "pubsub/event_source.h"
#include "pubsub/registry.h"

namespace pubsub::gateway {

// kAdmin: the admin page's console (POST /api/admin/publish).
enum class PublishSource { kHttp, kGrpc, kAdmin };
inline constexpr size_t kPublishSources = 3;

// What this gateway's envelopes say for a publish from `source`.
constexpr EventSource ToEventSource(PublishSource source) {
  switch (source) {
    case PublishSource::kHttp:
      return EventSource::kHttp;
    case PublishSource::kGrpc:
      return EventSource::kGrpc;
    case PublishSource::kAdmin:
      return EventSource::kAdmin;
  }
  return EventSource::kUnknown;
}

enum class RefusalReason { kInvalid, kUnauthorized, kTooLarge, kUnavailable };
inline constexpr size_t kRefusalReasons = 4;

enum class DropReason {
  kSlowConsumer,  // the socket's queue was dropped with close 1013
  kQueueFull,     // an event loop's inbox had no room: counted once per loop (its
                  // clients of the topic are shed)
  kShutdown,      // still queued when the gateway stopped
  kDisconnected,  // still queued when the connection was lost
};
inline constexpr size_t kDropReasons = 4;

// Upper bounds of the latency histogram's buckets, in seconds (+Inf after).
inline constexpr std::array<double, 13> kLatencyBounds = {
    0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5};

class EventMetrics {
 public:
  // Control frames and events of no registered type.
  static constexpr size_t kNoType = ~size_t{0};

  EventMetrics(size_t loops, const Registry& registry);

  // The index that the counters below take for `event`.
  size_t TypeIndex(const EventInfo* event) const;

  void Published(PublishSource source, size_t type);
  void Refused(PublishSource source, RefusalReason reason);
  // Either of the above from a publish's outcome (`event` null: refused
  // before its type was known).
  void CountPublish(PublishSource source, const EventInfo* event, const absl::Status& outcome);
  static RefusalReason ReasonOf(const absl::Status& refusal);
  // An event of `type` from the bus, published by `source`: on `loop`'s
  // thread (the topic's worker, which decodes and renders it).
  void Received(size_t loop, size_t type, EventSource source);
  // On `loop`'s thread. `latency_ns` < 0: unknown (not observed).
  void Delivered(size_t loop, size_t type, int64_t latency_ns);
  void Dropped(size_t loop, size_t type, DropReason reason, uint64_t count = 1);

  void Render(std::string& out) const;
  // The same counters as a JSON array, one object per event type, for the
  // admin page (admin.h):
  //   {"type":"new_comment","channel":"track_comments",
  //    "published":{"http":N,"grpc":N,"admin":N},"received":N,"delivered":N,
  //    "received_by_source":{"unknown":N,"service":N,"http":N,"grpc":N,"admin":N,"cli":N},
  //    "dropped":{"slow_consumer":N,"queue_full":N,"shutdown":N,"disconnected":N}}
  void RenderJson(std::string& out) const;
  // {"http":{"invalid":N,"unauthorized":N,"too_large":N,"unavailable":N},"grpc":{...},"admin":{...}}
  void RenderRefusalsJson(std::string& out) const;

 private:
  using Counter = std::atomic<uint64_t>;
  struct alignas(64) TypeCounters {
    std::array<Counter, kEventSources> received{};  // [EventSource]
    Counter delivered{0};
    std::array<Counter, kDropReasons> dropped{};
    std::array<Counter, kLatencyBounds.size() + 1> buckets{};  // not cumulative
    Counter latency_sum_ns{0};
  };

  const Registry& registry_;
  absl::flat_hash_map<const EventInfo*, size_t> index_;
  size_t types_ = 0;
  // [loop][type]
  std::vector<std::unique_ptr<TypeCounters[]>> loops_;
  std::unique_ptr<Counter[]> published_;  // [source * types_ + type]
  std::array<Counter, kPublishSources * kRefusalReasons> refused_{};
};

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_GATEWAY_EVENT_METRICS_H_
