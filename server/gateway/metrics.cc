#include "server/gateway/metrics.h"

#include <algorithm>

#include "spdlog/fmt/fmt.h"

namespace pubsub::gateway {

Metrics::Metrics(size_t shards, const Registry& registry)
    : events(shards, registry), registry_(registry) {
  const size_t channels = registry.channels().size();
  for (size_t i = 0; i < shards; ++i) {
    auto shard = std::make_unique<ShardCounters>();
    shard->channels = std::make_unique<ChannelCounters[]>(channels);
    shard->http_errors = std::make_unique<Counter[]>(kErrorStatuses);
    shards_.push_back(std::move(shard));
  }
}

size_t Metrics::ChannelIndex(const ChannelInfo* channel) const {
  const auto& all = registry_.channels();
  return static_cast<size_t>(std::find(all.begin(), all.end(), channel) - all.begin());
}

uint64_t Metrics::TotalConnections() const {
  uint64_t total = 0;
  for (const auto& shard : shards_) total += shard->connections.load(std::memory_order_relaxed);
  return total;
}

uint64_t Metrics::Sum(Counter ShardCounters::*field) const {
  uint64_t total = 0;
  for (const auto& shard : shards_) total += (shard.get()->*field).load(std::memory_order_relaxed);
  return total;
}

const char* ComponentName(Component component) {
  switch (component) {
    case Component::kHttp:
      return "http";
    case Component::kWebSocket:
      return "websocket";
    case Component::kHub:
      return "hub";
    case Component::kLoop:
      return "loop";
  }
  return "unknown";
}

namespace {

void AppendMetric(std::string& out, std::string_view name, std::string_view type,
                  std::string_view help, uint64_t value) {
  fmt::format_to(std::back_inserter(out), "# HELP {0} {2}\n# TYPE {0} {1}\n{0} {3}\n", name, type,
                 help, value);
}

}  // namespace

std::string Metrics::RenderPrometheus(bool bus_ready) const {
  auto sum = [this](Counter ShardCounters::*field) {
    uint64_t total = 0;
    for (const auto& shard : shards_)
      total += (shard.get()->*field).load(std::memory_order_relaxed);
    return total;
  };
  std::string out;
  out.reserve(4096);
  AppendMetric(out, "pubsub_connections", "gauge", "Open WebSocket connections.",
               sum(&ShardCounters::connections));
  AppendMetric(out, "pubsub_connections_total", "counter", "WebSocket upgrades completed.",
               sum(&ShardCounters::connections_total));
  AppendMetric(out, "pubsub_events_in_total", "counter", "Events received from the bus.",
               events_in.load(std::memory_order_relaxed));
  AppendMetric(out, "pubsub_bus_messages_dropped_total", "counter",
               "Bus messages dropped as undecodable or of an unknown type.",
               events_dropped.load(std::memory_order_relaxed));
  AppendMetric(out, "pubsub_render_queue_overflows_total", "counter",
               "Bus messages dropped because the event loop that renders their topic had its "
               "queue full (the topic's clients are closed with 1013).",
               render_queue_overflows.load(std::memory_order_relaxed));
  AppendMetric(out, "pubsub_publish_rejected_total", "counter",
               "Publish requests refused (bad input, auth, bus down).",
               publish_rejected.load(std::memory_order_relaxed));
  AppendMetric(out, "pubsub_deliveries_total", "counter", "Event frames queued on sockets.",
               sum(&ShardCounters::deliveries));
  AppendMetric(out, "pubsub_bytes_out_total", "counter", "Bytes written to WebSocket clients.",
               sum(&ShardCounters::bytes_out));
  AppendMetric(out, "pubsub_slow_consumer_disconnects_total", "counter",
               "Clients closed with 1013 because their send queue was full.",
               sum(&ShardCounters::slow_consumer_closes));
  AppendMetric(out, "pubsub_forced_disconnects_total", "counter",
               "Connections dropped because a close frame could not be sent in time.",
               sum(&ShardCounters::forced_disconnects));
  AppendMetric(out, "pubsub_client_messages_total", "counter",
               "Messages received from clients (read and ignored).",
               sum(&ShardCounters::frames_in));
  AppendMetric(out, "pubsub_handshake_rejects_total", "counter",
               "WebSocket upgrades refused before the handshake.",
               sum(&ShardCounters::handshake_rejects));
  AppendMetric(out, "pubsub_http_requests_total", "counter", "HTTP requests served.",
               sum(&ShardCounters::http_requests));
  AppendMetric(out, "pubsub_accept_errors_total", "counter",
               "Failed accepts (for example EMFILE: out of file descriptors).",
               accept_errors.load(std::memory_order_relaxed));
  AppendMetric(out, "pubsub_overload_disconnects_total", "counter",
               "Clients closed with 1013 because their event loop's queue was full and they "
               "missed an event.",
               sum(&ShardCounters::overload_closes));
  AppendMetric(out, "pubsub_loop_queue_overflows_total", "counter",
               "Events not queued on an event loop because its queue was full.",
               sum(&ShardCounters::loop_queue_overflows));
  out +=
      "# HELP pubsub_handler_exceptions_total Exceptions caught by the last-resort guard "
      "(each cost one connection or one event).\n"
      "# TYPE pubsub_handler_exceptions_total counter\n";
  for (size_t i = 0; i < kComponents; ++i) {
    fmt::format_to(
        std::back_inserter(out), "pubsub_handler_exceptions_total{{component=\"{}\"}} {}\n",
        ComponentName(static_cast<Component>(i)), exceptions_[i].load(std::memory_order_relaxed));
  }
  for (const auto& [component, count] : exception_sources_) {
    fmt::format_to(std::back_inserter(out),
                   "pubsub_handler_exceptions_total{{component=\"{}\"}} {}\n", component, count());
  }
  out +=
      "# HELP pubsub_http_errors_total HTTP error responses by status.\n"
      "# TYPE pubsub_http_errors_total counter\n";
  for (unsigned s = 0; s < kErrorStatuses; ++s) {
    uint64_t total = 0;
    for (const auto& shard : shards_)
      total += shard->http_errors[s].load(std::memory_order_relaxed);
    if (total != 0) {
      fmt::format_to(std::back_inserter(out), "pubsub_http_errors_total{{status=\"{}\"}} {}\n",
                     s + kFirstErrorStatus, total);
    }
  }
  AppendMetric(out, "pubsub_bus_ready", "gauge", "1 when the bus is connected and subscribed.",
               bus_ready ? 1 : 0);

  const auto& channels = registry_.channels();
  out +=
      "# HELP pubsub_channel_connections Open connections per channel.\n"
      "# TYPE pubsub_channel_connections gauge\n";
  for (size_t c = 0; c < channels.size(); ++c) {
    uint64_t total = 0;
    for (const auto& shard : shards_)
      total += shard->channels[c].connections.load(std::memory_order_relaxed);
    fmt::format_to(std::back_inserter(out), "pubsub_channel_connections{{channel=\"{}\"}} {}\n",
                   channels[c]->name, total);
  }
  out +=
      "# HELP pubsub_channel_deliveries_total Event frames queued per channel.\n"
      "# TYPE pubsub_channel_deliveries_total counter\n";
  for (size_t c = 0; c < channels.size(); ++c) {
    uint64_t total = 0;
    for (const auto& shard : shards_)
      total += shard->channels[c].deliveries.load(std::memory_order_relaxed);
    fmt::format_to(std::back_inserter(out),
                   "pubsub_channel_deliveries_total{{channel=\"{}\"}} {}\n", channels[c]->name,
                   total);
  }
  events.Render(out);
  if (extra_) out += extra_();
  return out;
}

}  // namespace pubsub::gateway
