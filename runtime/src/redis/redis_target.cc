#include "pubsub/redis_target.h"

#include <thread>

#include "absl/strings/ascii.h"

namespace pubsub {

absl::StatusOr<RedisTarget> ParseRedisTarget(std::string_view url) {
  const size_t colon = url.find("://");
  const std::string scheme = colon == std::string_view::npos
                                 ? ""
                                 : absl::AsciiStrToLower(std::string(url.substr(0, colon)));
  RedisTarget target;
  if (scheme == "redis" || scheme == "rediss") {
    absl::StatusOr<RedisBusOptions> options = ParseRedisUrl(url);
    if (!options.ok()) return options.status();
    target.node = *std::move(options);
    return target;
  }
  if (scheme == "redis-cluster") {
    absl::StatusOr<RedisClusterOptions> options = ParseRedisClusterUrl(url);
    if (!options.ok()) return options.status();
    target.node = std::move(options->node);
    target.cluster_seeds = std::move(options->seeds);
    return target;
  }
  return absl::InvalidArgumentError(
      "expected redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] or "
      "redis-cluster://[[USER]:PASSWORD@]HOST:PORT[,HOST:PORT...]");
}

std::unique_ptr<Bus> MakeRedisBus(RedisTarget target) {
  if (!target.cluster()) return std::make_unique<RedisBus>(std::move(target.node));
  RedisClusterOptions options;
  options.seeds = std::move(target.cluster_seeds);
  options.node = std::move(target.node);
  return std::make_unique<RedisClusterBus>(std::move(options));
}

bool WaitUntilReady(const Bus& bus, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!bus.IsReady()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace pubsub
