// MakeBus and BusMetrics: the bus the gateway's flags ask for.
#include "server/bus_factory.h"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

namespace pubsub::gateway {
namespace {

std::string TempFile(const std::string& content) {
  char path[] = "/tmp/bus_factory_test_XXXXXX";
  const int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  close(fd);
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

GatewayConfig RedisConfig(const std::string& url) {
  GatewayConfig config;
  config.redis = *ParseRedisTarget(url);
  return config;
}

TEST(MakeBusTest, MemoryIsTheEmbeddedBusWithoutMetrics) {
  auto bus = MakeBus(GatewayConfig{});
  ASSERT_TRUE(bus.ok()) << bus.status();
  EXPECT_EQ((*bus)->Describe(), "memory");
  EXPECT_TRUE((*bus)->IsReady());
  EXPECT_FALSE(BusMetrics(**bus));
}

TEST(MakeBusTest, RedisConnectsInTheBackgroundAndHasMetrics) {
  // Nothing listens on port 1: the bus retries, MakeBus does not wait.
  GatewayConfig config = RedisConfig("redis://127.0.0.1:1/2");
  config.redis_password_file = TempFile("from-the-file\n");
  auto bus = MakeBus(config);
  unlink(config.redis_password_file.c_str());
  ASSERT_TRUE(bus.ok()) << bus.status();
  EXPECT_EQ((*bus)->Describe(), "redis://127.0.0.1:1/2");
  EXPECT_FALSE((*bus)->IsReady());
  auto metrics = BusMetrics(**bus);
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics().find("# TYPE pubsub_redis_reconnects_total counter"), std::string::npos);
}

TEST(MakeBusTest, ARedisClusterUrlMakesTheClusterBusWithItsMetrics) {
  auto bus = MakeBus(RedisConfig("redis-cluster://127.0.0.1:1,127.0.0.1:2"));
  ASSERT_TRUE(bus.ok()) << bus.status();
  EXPECT_NE((*bus)->Describe().find("redis-cluster://127.0.0.1:1"), std::string::npos)
      << (*bus)->Describe();
  EXPECT_FALSE((*bus)->IsReady());
  auto metrics = BusMetrics(**bus);
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics().find("# TYPE pubsub_redis_cluster_map_refreshes_total counter"),
            std::string::npos);
  EXPECT_NE(metrics().find("# TYPE pubsub_redis_reconnects_total counter"), std::string::npos);
  EXPECT_TRUE(BusExceptions(**bus));
}

TEST(MakeBusTest, AnUnreadablePasswordFileNamesTheFlagAndTheFile) {
  GatewayConfig config = RedisConfig("redis://127.0.0.1:1");
  config.redis_password_file = "/nonexistent/redis-password";
  auto bus = MakeBus(config);
  ASSERT_FALSE(bus.ok());
  EXPECT_TRUE(absl::IsInvalidArgument(bus.status()));
  const std::string message(bus.status().message());
  EXPECT_NE(message.find("--redis-password-file"), std::string::npos) << message;
  EXPECT_NE(message.find("/nonexistent/redis-password"), std::string::npos) << message;

  config.redis_password_file = TempFile("");
  bus = MakeBus(config);
  unlink(config.redis_password_file.c_str());
  EXPECT_TRUE(absl::IsInvalidArgument(bus.status()));
  EXPECT_NE(bus.status().message().find("empty"), std::string::npos) << bus.status();
}

}  // namespace
}  // namespace pubsub::gateway
