// The Redis Cluster test tools on real redis-server processes: ClusterSlot
// against CLUSTER KEYSLOT, and the RedisCluster fixture (redis_cluster_fixture.h)
// forming a cluster, moving a slot, failing over and taking a node back.
#include <hiredis/hiredis.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "pubsub/redis_cluster_bus.h"
#include "redis_cluster_fixture.h"
#include "redis_server.h"

namespace pubsub::testing {
namespace {

TEST(ClusterSlotOnRedisTest, MatchesClusterKeyslotForRandomKeys) {
  RedisServer redis({"--cluster-enabled", "yes"});
  ASSERT_TRUE(redis.Start()) << redis.log();
  std::mt19937 random(12);
  // Braces are frequent so that hash tags (empty, nested, unclosed) are common.
  const std::string alphabet = "{}{}ab:xyz019_{}";
  RedisCluster unused(0, 0);  // only for its Command() with dynamic arguments
  for (int i = 0; i < 500; ++i) {
    std::string key;
    const size_t length = random() % 16;
    for (size_t j = 0; j < length; ++j) {
      key.push_back(i % 5 == 4 ? static_cast<char>(random() % 256)
                               : alphabet[random() % alphabet.size()]);
    }
    RawReply reply = unused.Command(redis.port(), {"CLUSTER", "KEYSLOT", key});
    ASSERT_NE(reply, nullptr);
    ASSERT_EQ(reply->type, REDIS_REPLY_INTEGER);
    EXPECT_EQ(ClusterSlot(key), reply->integer) << "key of " << key.size() << " bytes: " << key;
  }
}

TEST(RedisClusterFixtureTest, FormsMovesASlotFailsOverAndTakesANodeBack) {
  std::vector<uint16_t> ports;
  {
    RedisCluster cluster;
    ASSERT_TRUE(cluster.Start()) << cluster.error();
    std::printf("cluster formed in %.1f s\n", cluster.startup_time().count());
    ports = cluster.ports();
    ASSERT_EQ(ports.size(), 6u);
    EXPECT_EQ(cluster.url().rfind("redis-cluster://127.0.0.1:", 0), 0u);
    auto options = ParseRedisClusterUrl(cluster.url());
    ASSERT_TRUE(options.ok()) << options.status();
    EXPECT_EQ(options->seeds.size(), 6u);
    ASSERT_EQ(cluster.Masters().size(), 3u);
    for (uint16_t master : cluster.Masters()) EXPECT_EQ(cluster.ReplicasOf(master).size(), 1u);

    // Slot 6063 ("pubsub:news"), with keys, moves to another master; while
    // it is migrating, the source answers ASK for a key it no longer has.
    const int slot = ClusterSlot("pubsub:news");
    const uint16_t source = *cluster.MasterOfSlot(slot);
    uint16_t target = 0;
    for (uint16_t master : cluster.Masters()) {
      if (master != source) target = master;
    }
    for (int i = 0; i < 10; ++i) {
      ASSERT_EQ(cluster.Text(source, {"SET", "{pubsub:news}:" + std::to_string(i), "v"}), "OK");
    }
    ASSERT_TRUE(cluster.BeginSlotMigration(slot, source, target)) << cluster.error();
    EXPECT_EQ(cluster.Text(source, {"GET", "{pubsub:news}:absent"}),
              "ASK 6063 127.0.0.1:" + std::to_string(target));
    EXPECT_EQ(cluster.Text(source, {"GET", "{pubsub:news}:1"}), "v");
    ASSERT_TRUE(cluster.FinishSlotMigration(slot, source, target)) << cluster.error();
    for (uint16_t port : cluster.RunningPorts())
      EXPECT_EQ(cluster.MasterOfSlot(slot, port), target);
    EXPECT_EQ(cluster.Text(target, {"CLUSTER", "COUNTKEYSINSLOT", "6063"}), "10");
    EXPECT_EQ(cluster.Text(source, {"GET", "{pubsub:news}:1"}),
              "MOVED 6063 127.0.0.1:" + std::to_string(target));

    // The slot's master crashes: its replica takes over.
    const uint16_t replica = cluster.ReplicasOf(target).at(0);
    // Replication is asynchronous: the migrated keys must have reached the
    // replica before its master dies, or they are lost with it.
    EXPECT_EQ(cluster.Text(target, {"WAIT", "1", "5000"}), "1");
    ASSERT_TRUE(cluster.KillMaster(target)) << cluster.error();
    ASSERT_TRUE(cluster.WaitForFailover()) << cluster.error();
    std::printf("failover in %.1f s\n", cluster.failover_time().count());
    EXPECT_EQ(cluster.MasterOfSlot(slot), replica);
    EXPECT_EQ(cluster.Text(replica, {"GET", "{pubsub:news}:1"}), "v");

    // The old master comes back as a replica.
    ASSERT_TRUE(cluster.Restart(target)) << cluster.error();
    EXPECT_EQ(cluster.Role(target), "slave");
    EXPECT_EQ(cluster.Masters().size(), 3u);
  }
  // Destroyed: no node answers any more.
  RedisCluster probe(0, 0);
  for (uint16_t port : ports) EXPECT_EQ(probe.Command(port, {"PING"}), nullptr) << port;
}

}  // namespace
}  // namespace pubsub::testing
