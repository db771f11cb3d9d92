// RedisClusterBus: the Bus on Redis Cluster (Redis 7), with sharded pub/sub.
//
//   absl::StatusOr<pubsub::RedisClusterOptions> options =
//       pubsub::ParseRedisClusterUrl("redis-cluster://10.0.0.1:7000,10.0.0.2:7000");
//   pubsub::RedisClusterBus bus(*options);   // discovers the cluster in the background
//   pubsub::Publisher publisher(bus);
//
// Why sharded pub/sub: with classic PUBLISH on a cluster, every node receives
// every message (the bus would not scale with shards); SPUBLISH/SSUBSCRIBE
// keep a topic's messages on the shard that owns its slot.
//
// Design:
// - Topic T is the shard channel `channel_prefix + T`, in the slot that Redis
//   Cluster hashes it to (CRC16 of the channel, or of its {hash tag}). The
//   history of T (a stream and a hash) is keyed "{channel}:s" and
//   "{channel}:m", so it lives in the same slot: storing and publishing stay
//   one atomic step (one FCALL) on one shard.
// - The bus keeps one RedisBus per master that owns a slot it needs (each
//   with its own publisher and subscriber connection, in sharded mode), and
//   routes every call by the topic's slot through the slot map (CLUSTER
//   SLOTS), which it learns from the seed nodes.
// - Redirections: a MOVED (or READONLY: a master became a replica) reply
//   refreshes the map and retries the call on the new owner; ASK and TRYAGAIN
//   (a slot being migrated) retry after a short pause until the migration is
//   over. A subscription whose slot moved (Redis drops it with an unasked-for
//   sunsubscribe when a slot migrates, or the master failed) is moved to the
//   new owner; the resubscribed handler then runs, so that the gateway reads
//   history for what was published in between.
// - The map is refreshed on every redirection, whenever a master's
//   connection is lost (failover), and every `refresh_interval`.
//
// Failure semantics are RedisBus's, per shard: a call on a topic whose master
// is unreachable fails with Unavailable (never queued); IsReady() is true only
// while the map covers every slot and every master the bus uses is ready, so
// the gateway answers 503 while a slot has no reachable master.
#ifndef PUBSUB_REDIS_CLUSTER_BUS_H_
#define PUBSUB_REDIS_CLUSTER_BUS_H_

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

namespace pubsub {

struct RedisClusterOptions {
  // Nodes to learn the cluster from (any of them, masters or replicas).
  std::vector<std::pair<std::string, uint16_t>> seeds;
  // For every node connection: credentials, channel prefix, bounds, timeouts
  // (host, port and db are ignored: a cluster has database 0 only).
  RedisBusOptions node;
  // How often the slot map is refreshed without a reason to.
  std::chrono::milliseconds refresh_interval{5000};
  // How long a call keeps retrying a slot that is being migrated (ASK,
  // TRYAGAIN) or that has no reachable master yet, before failing with
  // Unavailable.
  std::chrono::milliseconds redirect_budget{3000};
};

// Parses `redis-cluster://[[username]:password@]host:port[,host:port...]`
// (hosts may be IPv6 literals in brackets; a node without a port means 6379;
// no /db path: a cluster has database 0 only). InvalidArgument otherwise, with
// a message that never quotes the password.
absl::StatusOr<RedisClusterOptions> ParseRedisClusterUrl(std::string_view url);

// The cluster slot (0..16383) of a Redis key or shard channel: CRC16 of the
// key, or of its hash tag (the part between the first '{' and the next '}',
// when not empty).
uint16_t ClusterSlot(std::string_view key);

class RedisClusterBus final : public Bus {
 public:
  struct Stats {
    uint64_t map_refreshes = 0;  // slot maps fetched
    uint64_t redirections = 0;   // MOVED/ASK/TRYAGAIN/READONLY replies followed
    uint64_t moved_topics = 0;   // subscriptions moved to another master
    uint64_t masters = 0;        // masters in the current map
    RedisBus::Stats nodes;       // summed over the node buses
  };

  explicit RedisClusterBus(RedisClusterOptions options);
  ~RedisClusterBus() override;
  RedisClusterBus(const RedisClusterBus&) = delete;
  RedisClusterBus& operator=(const RedisClusterBus&) = delete;

  void Publish(std::string_view topic, std::string envelope, DoneCallback done) override;
  void PublishStored(std::string_view topic, std::string envelope, const HistoryPolicy& policy,
                     StoredCallback done) override;
  void ReadHistory(std::string_view topic, const HistoryPolicy& policy, uint64_t after_seq,
                   size_t limit, HistoryCallback done) override;
  SubscriptionId Subscribe(std::string_view topic, MessageHandler handler,
                           DoneCallback ready) override;
  void Unsubscribe(SubscriptionId id) override;
  // On the master of the {presence} hash tag's slot.
  void SharePresence(PresenceShare share, DoneCallback done) override;
  void QueryPresence(std::string_view user, PresenceCallback done) override;
  void SetResubscribedHandler(std::function<void()> handler) override;
  bool IsReady() const override;
  bool IsConnected() const override;
  // "redis-cluster://host:port,... (N masters)" (no password).
  std::string Describe() const override;

  bool WaitUntilReady(std::chrono::milliseconds timeout) const;
  Stats stats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pubsub

#endif  // PUBSUB_REDIS_CLUSTER_BUS_H_
