#include "server/gateway/admin.h"

#include <chrono>
#include <iterator>

#include "pubsub/internal/json_writer.h"
#include "server/gateway/text.h"
#include "spdlog/fmt/fmt.h"

namespace pubsub::gateway {

std::string RenderAdminOverview(const GatewayContext& context,
                                const absl::StatusOr<PresenceTotals>& cluster) {
  return FinishAdminOverview(StartAdminOverview(context), cluster);
}

std::string StartAdminOverview(const GatewayContext& context) {
  const Metrics& metrics = context.metrics;
  const std::chrono::duration<double> uptime = std::chrono::steady_clock::now() - metrics.started;
  std::string out;
  out.reserve(2048);
  auto it = std::back_inserter(out);
  internal::JsonWriter writer(out);
  fmt::format_to(
      it,
      R"({{"uptime_seconds":{:.3f},"replica":{{"connections":{},"users":{},"topics":{},)"
      R"("connections_total":{},"slow_consumer_closes":{},"overload_closes":{},)"
      R"("forced_disconnects":{},"handshake_rejects":{},"deliveries":{},)"
      R"("bus_messages_dropped":{},"render_queue_overflows":{},)"
      R"("loop_queue_overflows":{}}})",
      uptime.count(), context.presence.ConnectionCount(), context.presence.UserCount(),
      context.hub.TopicCount(), metrics.Sum(&ShardCounters::connections_total),
      metrics.Sum(&ShardCounters::slow_consumer_closes),
      metrics.Sum(&ShardCounters::overload_closes), metrics.Sum(&ShardCounters::forced_disconnects),
      metrics.Sum(&ShardCounters::handshake_rejects), metrics.Sum(&ShardCounters::deliveries),
      metrics.events_dropped.load(std::memory_order_relaxed),
      metrics.render_queue_overflows.load(std::memory_order_relaxed),
      metrics.Sum(&ShardCounters::loop_queue_overflows));
  const auto& redis = context.config.redis;
  out += R"(,"bus":{"kind":)";
  writer.String(!redis.has_value() ? "memory" : redis->cluster() ? "redis-cluster" : "redis");
  out += R"(,"description":)";
  writer.String(context.bus.Describe());
  fmt::format_to(it, R"(,"connected":{},"ready":{},"stats":{}}},"events":)",
                 context.bus.IsConnected(), context.bus.IsReady(), metrics.BusStatsJson());
  metrics.events.RenderJson(out);
  out += R"(,"refused":)";
  metrics.events.RenderRefusalsJson(out);
  out += R"(,"admin_role":)";
  writer.String(context.config.admin_role);
  return out;
}

std::string FinishAdminOverview(std::string out, const absl::StatusOr<PresenceTotals>& cluster) {
  if (cluster.ok()) {
    fmt::format_to(std::back_inserter(out),
                   R"(,"cluster":{{"replicas":{},"connections":{},"users":{},"users_exact":{}}})",
                   cluster->replicas, cluster->connections, cluster->users, cluster->users_exact);
  } else {
    out += R"(,"cluster":null,"cluster_error":)";
    internal::JsonWriter(out).String(View(cluster.status().message()));
  }
  out.push_back('}');
  return out;
}

}  // namespace pubsub::gateway
