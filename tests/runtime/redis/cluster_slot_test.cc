// ClusterSlot: Redis Cluster's key hash slot, against known values (the
// cluster spec's examples; redis_cluster_test compares with a real server's
// CLUSTER KEYSLOT).
#include <string>

#include "gtest/gtest.h"
#include "pubsub/redis_cluster_bus.h"

namespace pubsub {
namespace {

TEST(ClusterSlotTest, KnownValues) {
  EXPECT_EQ(ClusterSlot("foo"), 12182);
  EXPECT_EQ(ClusterSlot("bar"), 5061);
  EXPECT_EQ(ClusterSlot("hello"), 866);
  EXPECT_EQ(ClusterSlot(""), 0);
  // CRC16/XMODEM's check value 0x31C3 (12739), mod 16384.
  EXPECT_EQ(ClusterSlot("123456789"), 0x31C3 % 16384);
}

TEST(ClusterSlotTest, HashTags) {
  EXPECT_EQ(ClusterSlot("{user1000}.following"), ClusterSlot("{user1000}.followers"));
  EXPECT_EQ(ClusterSlot("{user1000}.following"), ClusterSlot("user1000"));
  EXPECT_EQ(ClusterSlot("a{foo}b"), ClusterSlot("foo"));
  // Only the first '{' and the first '}' after it count.
  EXPECT_EQ(ClusterSlot("foo{bar}{zap}"), ClusterSlot("bar"));
  EXPECT_EQ(ClusterSlot("foo{{bar}}zap"), ClusterSlot("{bar"));
  EXPECT_EQ(ClusterSlot("foo{{bar}}zap"), 4015);
  // An empty tag, or no closing '}': the whole key (values from Redis 7.0's
  // CLUSTER KEYSLOT).
  EXPECT_EQ(ClusterSlot("foo{}{bar}"), 8363);
  EXPECT_EQ(ClusterSlot("foo{bar"), 15278);
  EXPECT_EQ(ClusterSlot("}bar{"), 1498);
  // A history key and its shard channel share a slot.
  EXPECT_EQ(ClusterSlot("{pubsub:news}:s"), 6063);
  EXPECT_EQ(ClusterSlot("pubsub:news"), 6063);
}

TEST(ClusterSlotTest, BinaryKeysAndRange) {
  const std::string binary("\x00\xff\x80{", 4);
  EXPECT_LT(ClusterSlot(binary), 16384);
  for (int i = 0; i < 10000; ++i) {
    EXPECT_LT(ClusterSlot("key:" + std::to_string(i)), 16384);
  }
}

}  // namespace
}  // namespace pubsub
