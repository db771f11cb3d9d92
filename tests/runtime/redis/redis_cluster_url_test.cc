// ParseRedisClusterUrl: the --bus redis-cluster://... value.
#include <string>
#include <utility>

#include "gtest/gtest.h"
#include "pubsub/redis_cluster_bus.h"

namespace pubsub {
namespace {

using Seed = std::pair<std::string, uint16_t>;

TEST(ParseRedisClusterUrlTest, OneNode) {
  auto options = ParseRedisClusterUrl("redis-cluster://10.0.0.1:7000");
  ASSERT_TRUE(options.ok()) << options.status();
  ASSERT_EQ(options->seeds.size(), 1u);
  EXPECT_EQ(options->seeds[0], Seed("10.0.0.1", 7000));
  EXPECT_TRUE(options->node.username.empty());
  EXPECT_TRUE(options->node.password.empty());
  EXPECT_EQ(options->node.db, 0);
  EXPECT_EQ(options->node.channel_prefix, "pubsub:");
}

TEST(ParseRedisClusterUrlTest, SeveralNodesIpv6AndDefaultPort) {
  auto options =
      ParseRedisClusterUrl("Redis-Cluster://a.internal:7000,[::1]:7001,redis_3,[fe80::1]/");
  ASSERT_TRUE(options.ok()) << options.status();
  ASSERT_EQ(options->seeds.size(), 4u);
  EXPECT_EQ(options->seeds[0], Seed("a.internal", 7000));
  EXPECT_EQ(options->seeds[1], Seed("::1", 7001));
  EXPECT_EQ(options->seeds[2], Seed("redis_3", 6379));
  EXPECT_EQ(options->seeds[3], Seed("fe80::1", 6379));
}

TEST(ParseRedisClusterUrlTest, UserInfoIsPercentDecodedAndShared) {
  auto options = ParseRedisClusterUrl("redis-cluster://app:p%40ss%2C%2Fw@h1:1,h2:2");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->node.username, "app");
  EXPECT_EQ(options->node.password, "p@ss,/w");
  ASSERT_EQ(options->seeds.size(), 2u);
  EXPECT_EQ(options->seeds[1], Seed("h2", 2));

  // Unencoded '@' and ',' in the password: the user info ends at the last '@'.
  options = ParseRedisClusterUrl("redis-cluster://:a@b,c@h1:1,h2:2");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_TRUE(options->node.username.empty());
  EXPECT_EQ(options->node.password, "a@b,c");
  EXPECT_EQ(options->seeds.size(), 2u);
}

TEST(ParseRedisClusterUrlTest, MessagesNameTheProblem) {
  auto message = [](std::string_view url) {
    return std::string(ParseRedisClusterUrl(url).status().message());
  };
  EXPECT_NE(message("redis-cluster://h:1/0").find("database 0 only"), std::string::npos);
  EXPECT_NE(message("redis-cluster://h:1/3").find("remove the /N"), std::string::npos);
  EXPECT_NE(message("redis://h:1").find("redis-cluster://"), std::string::npos);
  EXPECT_NE(message("rediss-cluster://h:1").find("TLS"), std::string::npos);
  EXPECT_NE(message("redis-cluster://h:1,,h:2").find("node 2: empty"), std::string::npos);
  EXPECT_NE(message("redis-cluster://h:1,h:0").find("node 2: port"), std::string::npos);
  EXPECT_NE(message("redis-cluster://h:1,h:1").find("same node twice"), std::string::npos);
  EXPECT_NE(message("redis-cluster://h,h:6379").find("same node twice"), std::string::npos);
  EXPECT_NE(message("redis-cluster://").find("missing host"), std::string::npos);
  EXPECT_NE(message("redis-cluster://h:1?x=1").find("query"), std::string::npos);
  EXPECT_NE(message("redis-cluster://user@h:1").find("redis-cluster://USER:PASSWORD@host"),
            std::string::npos);
  EXPECT_EQ(message("redis-cluster://h:1").find("redis-cluster URL: "), std::string::npos);
  EXPECT_EQ(message("redis-cluster://h:0").rfind("redis-cluster URL: ", 0), 0u);
}

TEST(ParseRedisClusterUrlTest, RejectsBadUrlsWithoutEchoingThePassword) {
  const char* bad[] = {
      "",
      "h:1,h:2",
      "redis://:pw@h:1",
      "rediss://:pw@h:1",
      "http://:pw@h:1",
      "rediss-cluster://:pw@h:1",
      "redis-cluster://",
      "redis-cluster://:pw@",
      "redis-cluster://:pw@,h:1",
      "redis-cluster://:pw@h:1,",
      "redis-cluster://:pw@h:1,,h:2",
      "redis-cluster://:pw@h:",
      "redis-cluster://:pw@h:1,h2:",
      "redis-cluster://:pw@h:0",
      "redis-cluster://:pw@h:65536",
      "redis-cluster://:pw@h:12ab",
      "redis-cluster://:pw@h:1/0",
      "redis-cluster://:pw@h:1/1",
      "redis-cluster://:pw@h:1,h:2/x",
      "redis-cluster://:pw@h:1?db=1",
      "redis-cluster://:pw@h:1#x",
      "redis-cluster://pw@h:1",
      "redis-cluster://:@h:1",
      "redis-cluster://:pw%zz@h:1",
      "redis-cluster://:pw%4@h:1",
      "redis-cluster://:pw@[::1",
      "redis-cluster://:pw@[::1]x",
      "redis-cluster://:pw@[::1]:1,[::1]:1",
      "redis-cluster://:pw@[127.0.0.1]:1",
      "redis-cluster://:pw@::1:7000",
      "redis-cluster://:pw@ho st:1",
      "redis-cluster://:pw@bad_host!:1",
      "redis-cluster://:pw@-h:1",
      "redis-cluster://:pw@h:1;h:2",
  };
  for (const char* url : bad) {
    auto options = ParseRedisClusterUrl(url);
    EXPECT_FALSE(options.ok()) << url;
    EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument) << url;
    EXPECT_EQ(std::string(options.status().message()).find("pw"), std::string::npos)
        << url << ": " << options.status();
  }
}

}  // namespace
}  // namespace pubsub
