// RedisTarget: what a Redis URL given to a program names, one Redis or a
// Redis Cluster, and the bus that connects to it. The one place where the
// programs (gateway --bus, CLI --redis, load generator) turn a URL into a bus.
//
//   absl::StatusOr<pubsub::RedisTarget> target = pubsub::ParseRedisTarget(url);
//   if (!target.ok()) return Fail(target.status());  // names what is wrong, never the password
//   target->node.channel_prefix = "myapp:";          // options for every connection
//   std::unique_ptr<pubsub::Bus> bus = pubsub::MakeRedisBus(*std::move(target));
//   pubsub::WaitUntilReady(*bus, std::chrono::seconds(5));
#ifndef PUBSUB_REDIS_TARGET_H_
#define PUBSUB_REDIS_TARGET_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "pubsub/bus.h"
#include "pubsub/redis_bus.h"
#include "pubsub/redis_cluster_bus.h"

namespace pubsub {

struct RedisTarget {
  // One Redis (host, port, database, credentials...), or, for a cluster, the
  // options of every node connection (credentials, prefix, bounds, timeouts).
  RedisBusOptions node;
  // Not empty: a Redis Cluster, learned from these nodes.
  std::vector<std::pair<std::string, uint16_t>> cluster_seeds;

  bool cluster() const { return !cluster_seeds.empty(); }
};

// redis://, rediss:// (ParseRedisUrl) or redis-cluster:// (ParseRedisClusterUrl).
// InvalidArgument naming the accepted forms otherwise.
absl::StatusOr<RedisTarget> ParseRedisTarget(std::string_view url);

// A RedisBus or a RedisClusterBus; both connect in the background.
std::unique_ptr<Bus> MakeRedisBus(RedisTarget target);

// Waits until `bus` IsReady() or `timeout` passes; whether it is ready.
bool WaitUntilReady(const Bus& bus, std::chrono::milliseconds timeout);

}  // namespace pubsub

#endif  // PUBSUB_REDIS_TARGET_H_
