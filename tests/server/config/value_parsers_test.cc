#include "server/config/value_parsers.h"

#include <string>

#include <gtest/gtest.h>

namespace pubsub::gateway::internal {
namespace {

TEST(ValueParsersTest, Bool) {
  bool value = false;
  for (std::string_view yes : {"true", "1", "yes", "on", "True", "YES", "On"}) {
    value = false;
    ASSERT_TRUE(ParseBool("x", yes, value).ok()) << yes;
    EXPECT_TRUE(value) << yes;
  }
  for (std::string_view no : {"false", "0", "no", "off", "FALSE", "No"}) {
    value = true;
    ASSERT_TRUE(ParseBool("x", no, value).ok()) << no;
    EXPECT_FALSE(value) << no;
  }
  for (std::string_view bad : {"", "y", "2", "truee", " true"}) {
    absl::Status status = ParseBool("environment PUBSUB_DEV_AUTH", bad, value);
    EXPECT_TRUE(absl::IsInvalidArgument(status)) << bad;
    EXPECT_TRUE(std::string(status.message())
                    .starts_with("environment PUBSUB_DEV_AUTH: expected true or false"))
        << status;
  }
}

TEST(ValueParsersTest, LabelStartsEveryError) {
  std::string host;
  uint16_t port = 0;
  EXPECT_EQ(ParseListen("config file gw.conf:2: listen", "127.0.0.1", host, port).message(),
            "config file gw.conf:2: listen: expected HOST:PORT, got '127.0.0.1'");
  size_t threads = 0;
  EXPECT_EQ(ParseNumber<size_t>("environment PUBSUB_THREADS", "0", 1, 8, threads).message(),
            "environment PUBSUB_THREADS: expected a number from 1 to 8, got '0'");
}

TEST(ValueParsersTest, FormatHostPort) {
  EXPECT_EQ(FormatHostPort("127.0.0.1", 8080), "127.0.0.1:8080");
  EXPECT_EQ(FormatHostPort("::1", 0), "[::1]:0");
}

TEST(ValueParsersTest, FormatBusMasksThePassword) {
  EXPECT_EQ(FormatBus(std::nullopt), "memory");
  auto bus = [](std::string_view url) {
    std::optional<RedisTarget> target;
    EXPECT_TRUE(ParseBus("--bus", url, target).ok()) << url;
    return FormatBus(target);
  };
  EXPECT_EQ(bus("redis://h"), "redis://h:6379/0");
  EXPECT_EQ(bus("redis://[::1]:7000/3"), "redis://[::1]:7000/3");
  EXPECT_EQ(bus("redis://:s3cret@h"), "redis://:****@h:6379/0");
  EXPECT_EQ(bus("redis://app:s3cret@h:6380/1"), "redis://app:****@h:6380/1");
  EXPECT_EQ(bus("redis://a%3Ab:s3cret@h"), "redis://a%3Ab:****@h:6379/0");
  EXPECT_EQ(bus("redis-cluster://10.0.0.1:7000,10.0.0.2:7001"),
            "redis-cluster://10.0.0.1:7000,10.0.0.2:7001");
  EXPECT_EQ(bus("redis-cluster://u:s3cret@10.0.0.1:7000"), "redis-cluster://u:****@10.0.0.1:7000");
  EXPECT_EQ(bus("memory"), "memory");
}

}  // namespace
}  // namespace pubsub::gateway::internal
