#include "server/bus_factory.h"

#include <utility>

#include "pubsub/embedded_bus.h"
#include "pubsub/redis_bus.h"
#include "pubsub/redis_cluster_bus.h"
#include "pubsub/redis_target.h"
#include "server/auth/jwt.h"
#include "spdlog/fmt/fmt.h"

namespace pubsub::gateway {
namespace {

void AddMetric(std::string& out, const char* type, const char* name, const char* help,
               uint64_t value) {
  out += fmt::format("# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", name, help, type, value);
}

std::string RedisMetrics(const RedisBus::Stats& stats) {
  std::string out;
  auto add = [&out](const char* name, const char* help, uint64_t value) {
    AddMetric(out, "counter", name, help, value);
  };
  add("pubsub_redis_reconnects_total", "Redis connections re-established after a loss.",
      stats.reconnects);
  add("pubsub_redis_dropped_connections_total",
      "Established Redis connections that were lost (including Redis dropping a slow subscriber).",
      stats.dropped_connections);
  add("pubsub_redis_protocol_errors_total", "Redis connections dropped for a malformed reply.",
      stats.protocol_errors);
  add("pubsub_redis_messages_in_total", "Messages received from Redis subscriptions.",
      stats.messages_in);
  add("pubsub_redis_publishes_total", "Publishes confirmed by Redis.", stats.publishes);
  add("pubsub_redis_publish_errors_total", "Publishes that failed.", stats.publish_errors);
  return out;
}

std::string ClusterMetrics(const RedisClusterBus::Stats& stats) {
  std::string out = RedisMetrics(stats.nodes);  // summed over the masters' connections
  AddMetric(out, "counter", "pubsub_redis_cluster_map_refreshes_total",
            "Slot maps fetched from the cluster (CLUSTER SLOTS).", stats.map_refreshes);
  AddMetric(out, "counter", "pubsub_redis_cluster_redirections_total",
            "MOVED, ASK, TRYAGAIN and READONLY replies followed.", stats.redirections);
  AddMetric(out, "counter", "pubsub_redis_cluster_moved_topics_total",
            "Subscriptions moved to another master (failover or resharding).", stats.moved_topics);
  AddMetric(out, "gauge", "pubsub_redis_cluster_masters", "Masters in the current slot map.",
            stats.masters);
  return out;
}

std::string RedisStatsFields(const RedisBus::Stats& stats) {
  return fmt::format(
      R"("connects":{},"reconnects":{},"dropped_connections":{},"protocol_errors":{},)"
      R"("messages_in":{},"publishes":{},"publish_errors":{})",
      stats.connects, stats.reconnects, stats.dropped_connections, stats.protocol_errors,
      stats.messages_in, stats.publishes, stats.publish_errors);
}

}  // namespace

absl::StatusOr<std::unique_ptr<Bus>> MakeBus(const GatewayConfig& config) {
  // The embedded bus refuses envelopes over --max-body-bytes itself: the
  // gRPC path relies on that to refuse events over the limit (it checks only
  // the message size, which is --max-body-bytes + kEnvelopeOverheadBytes).
  if (!config.redis.has_value()) return std::make_unique<EmbeddedBus>(config.max_body_bytes);
  RedisTarget target = *config.redis;
  RedisBusOptions& options = target.node;
  if (!config.redis_password_file.empty()) {
    auto password = auth::ReadSecretFile(config.redis_password_file);
    if (!password.ok()) {
      return absl::InvalidArgumentError("--redis-password-file " +
                                        std::string(password.status().message()));
    }
    options.password = *std::move(password);
  }
  options.max_envelope_bytes = config.max_body_bytes + kEnvelopeOverheadBytes;
  return MakeRedisBus(std::move(target));
}

std::function<std::string()> BusMetrics(const Bus& bus) {
  if (const auto* redis = dynamic_cast<const RedisBus*>(&bus)) {
    return [redis] { return RedisMetrics(redis->stats()); };
  }
  if (const auto* cluster = dynamic_cast<const RedisClusterBus*>(&bus)) {
    return [cluster] { return ClusterMetrics(cluster->stats()); };
  }
  return nullptr;
}

std::function<std::string()> BusStatsJson(const Bus& bus) {
  if (const auto* redis = dynamic_cast<const RedisBus*>(&bus)) {
    return [redis] { return "{" + RedisStatsFields(redis->stats()) + "}"; };
  }
  if (const auto* cluster = dynamic_cast<const RedisClusterBus*>(&bus)) {
    return [cluster] {
      const RedisClusterBus::Stats stats = cluster->stats();
      return fmt::format(
          R"({{{},"map_refreshes":{},"redirections":{},"moved_topics":{},"masters":{}}})",
          RedisStatsFields(stats.nodes), stats.map_refreshes, stats.redirections,
          stats.moved_topics, stats.masters);
    };
  }
  return nullptr;
}

std::function<uint64_t()> BusExceptions(const Bus& bus) {
  if (const auto* redis = dynamic_cast<const RedisBus*>(&bus)) {
    return [redis] { return redis->stats().handler_exceptions; };
  }
  if (const auto* cluster = dynamic_cast<const RedisClusterBus*>(&bus)) {
    return [cluster] { return cluster->stats().nodes.handler_exceptions; };
  }
  return nullptr;
}

}  // namespace pubsub::gateway
