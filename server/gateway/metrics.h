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
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pubsub/registry.h"
#include "server/gateway/event_metrics.h"

namespace pubsub::gateway {

using Counter = std::atomic<uint64_t>;

// Where an exception was caught by the last-resort guard (fault_guard.h).
enum class Component { kHttp, kWebSocket, kHub, kLoop };
inline constexpr size_t kComponents = 4;
const char* ComponentName(Component component);

// HTTP error responses are counted by status, 400..599.
inline constexpr unsigned kFirstErrorStatus = 400;
inline constexpr unsigned kErrorStatuses = 200;

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
  Counter overload_closes{0};       // closed with 1013: their loop's queue overflowed
  Counter loop_queue_overflows{0};  // events not queued on this loop (queue full)
  std::unique_ptr<ChannelCounters[]> channels;
  std::unique_ptr<Counter[]> http_errors;  // by status - kFirstErrorStatus
};

class Metrics {
 public:
  Metrics(size_t shards, const Registry& registry);

  ShardCounters& shard(size_t index) { return *shards_[index]; }
  // The channel's index in the registry's channel list (for per-channel counters).
  size_t ChannelIndex(const ChannelInfo* channel) const;

  // Counted where they happen (the bus thread, the topic workers, the
  // publish endpoint).
  Counter events_in{0};               // events received from the bus
  Counter events_dropped{0};          // undecodable or unknown events from the bus
  Counter render_queue_overflows{0};  // bus messages a full worker queue could not take
  Counter publish_rejected{0};        // refused by the publish endpoint (4xx/5xx)
  EventMetrics events;                // per event type (event_metrics.h)
  Counter accept_errors{0};           // accept() failures (EMFILE and friends)

  // An exception caught by the last-resort guard.
  void CountException(Component component) {
    exceptions_[static_cast<size_t>(component)].fetch_add(1, std::memory_order_relaxed);
  }
  uint64_t Exceptions(Component component) const {
    return exceptions_[static_cast<size_t>(component)].load(std::memory_order_relaxed);
  }
  // An HTTP response with status 400..599 sent from loop `shard`.
  void CountHttpError(size_t shard, unsigned status) {
    if (status >= kFirstErrorStatus && status < kFirstErrorStatus + kErrorStatuses) {
      shards_[shard]->http_errors[status - kFirstErrorStatus].fetch_add(1,
                                                                        std::memory_order_relaxed);
    }
  }

  // Adds a component to pubsub_handler_exceptions_total whose count lives
  // elsewhere (the gRPC server, the Redis bus). Set before the gateway
  // starts; `count` is called from any loop thread.
  void AddExceptionSource(std::string component, std::function<uint64_t()> count) {
    exception_sources_.emplace_back(std::move(component), std::move(count));
  }

  // Adds more Prometheus text to /metrics (e.g. the Redis bus's counters).
  // Set before the gateway starts; called from any loop thread.
  void SetExtraSource(std::function<std::string()> source) { extra_ = std::move(source); }

  // The bus's own counters as a JSON object (a RedisBus's reconnects, ...)
  // for the admin overview; set before the gateway starts.
  void SetBusStatsSource(std::function<std::string()> source) { bus_stats_ = std::move(source); }
  // That object, or "null" when the bus keeps none (the embedded bus).
  std::string BusStatsJson() const { return bus_stats_ ? bus_stats_() : "null"; }

  uint64_t TotalConnections() const;
  // A shard counter summed over the loops.
  uint64_t Sum(Counter ShardCounters::*field) const;
  // When the metrics (the gateway) were made, for the uptime.
  const std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::string RenderPrometheus(bool bus_ready) const;

 private:
  const Registry& registry_;
  std::vector<std::unique_ptr<ShardCounters>> shards_;
  Counter exceptions_[kComponents] = {};
  std::vector<std::pair<std::string, std::function<uint64_t()>>> exception_sources_;
  std::function<std::string()> extra_;
  std::function<std::string()> bus_stats_;
};

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_GATEWAY_METRICS_H_
