// Metrics: the gateway's counters, rendered as Prometheus text on /metrics.
//
// Counters are sharded per event loop (cache-line aligned, relaxed atomics)
// so that the delivery path never contends on a shared cache line; /metrics
// sums the shards. Gauges (current connections) are counters that go down.
//
//   metrics.shard(loop).deliveries.fetch_add(1, std::memory_order_relaxed);
//   std::string text = metrics.RenderPrometheus();
#ifndef PUBSUB_SERVER_GATEWAY_METRICS_H_
#define PUBSUB_SERVER_GATEWAY_METRICS_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pubsub/registry.h"

namespace pubsub::gateway {

using Counter = std::atomic<uint64_t>;

// Per channel and per loop.
struct ChannelCounters {
  Counter connections{0};  // gauge
  Counter deliveries{0};   // frames queued on sockets
};

struct alignas(64) ShardCounters {
  Counter connections{0};           // gauge: open WebSocket connections
  Counter connections_total{0};     // upgrades completed
  Counter deliveries{0};            // frames queued on sockets
  Counter bytes_out{0};             // bytes written to sockets (all frames)
  Counter slow_consumer_closes{0};  // closed with 1013 for a full send queue
  Counter forced_disconnects{0};    // TCP dropped: close could not be sent in time
  Counter frames_in{0};             // client data messages read (and ignored)
  Counter handshake_rejects{0};     // upgrades refused (401/403/404/503/...)
  Counter http_requests{0};
  std::unique_ptr<ChannelCounters[]> channels;
};

class Metrics {
 public:
  Metrics(size_t shards, const Registry& registry);

  ShardCounters& shard(size_t index) { return *shards_[index]; }
  // The channel's index in the registry's channel list (for per-channel counters).
  size_t ChannelIndex(const ChannelInfo* channel) const;

  // Counted where they happen (the bus thread, the publish endpoint).
  Counter events_in{0};         // events received from the bus
  Counter events_dropped{0};    // undecodable or unknown events from the bus
  Counter events_published{0};  // accepted by the publish endpoint
  Counter publish_rejected{0};  // refused by the publish endpoint (4xx/5xx)
  Counter accept_errors{0};     // accept() failures (EMFILE and friends)

  // Adds more Prometheus text to /metrics (e.g. the Redis bus's counters).
  // Set before the gateway starts; called from any loop thread.
  void SetExtraSource(std::function<std::string()> source) { extra_ = std::move(source); }

  uint64_t TotalConnections() const;
  std::string RenderPrometheus(bool bus_ready) const;

 private:
  const Registry& registry_;
  std::vector<std::unique_ptr<ShardCounters>> shards_;
  std::function<std::string()> extra_;
};

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_GATEWAY_METRICS_H_
