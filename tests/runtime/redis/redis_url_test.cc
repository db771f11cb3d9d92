// ParseRedisUrl: the --bus redis://... value.
#include "gtest/gtest.h"
#include "pubsub/redis_bus.h"

namespace pubsub {
namespace {

TEST(ParseRedisUrlTest, HostOnlyKeepsDefaults) {
  auto options = ParseRedisUrl("redis://localhost");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->host, "localhost");
  EXPECT_EQ(options->port, 6379);
  EXPECT_EQ(options->db, 0);
  EXPECT_TRUE(options->password.empty());
  EXPECT_EQ(options->channel_prefix, "pubsub:");
}

TEST(ParseRedisUrlTest, FullForm) {
  auto options = ParseRedisUrl("redis://:s3cret@10.0.0.5:6380/3");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->host, "10.0.0.5");
  EXPECT_EQ(options->port, 6380);
  EXPECT_EQ(options->db, 3);
  EXPECT_TRUE(options->username.empty());
  EXPECT_EQ(options->password, "s3cret");
}

TEST(ParseRedisUrlTest, UserPasswordAndPercentEncoding) {
  auto options = ParseRedisUrl("REDIS://app:p%40ss%3Aw%2Fd@redis.internal/");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->username, "app");
  EXPECT_EQ(options->password, "p@ss:w/d");
  EXPECT_EQ(options->host, "redis.internal");
  EXPECT_EQ(options->db, 0);
}

TEST(ParseRedisUrlTest, UnencodedAtInPassword) {
  auto options = ParseRedisUrl("redis://:a@b@host:1");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->password, "a@b");
  EXPECT_EQ(options->host, "host");
  EXPECT_EQ(options->port, 1);
}

TEST(ParseRedisUrlTest, Ipv6) {
  auto options = ParseRedisUrl("redis://[::1]:7000/2");
  ASSERT_TRUE(options.ok()) << options.status();
  EXPECT_EQ(options->host, "::1");
  EXPECT_EQ(options->port, 7000);
  EXPECT_EQ(options->db, 2);
}

TEST(ParseRedisUrlTest, HostNames) {
  for (const char* host : {"redis.internal", "redis_1", "REDIS-a.b", "10.0.0.5"}) {
    auto options = ParseRedisUrl(std::string("redis://") + host + ":7001");
    ASSERT_TRUE(options.ok()) << host << ": " << options.status();
    EXPECT_EQ(options->host, host);
    EXPECT_EQ(options->port, 7001);
  }
}

TEST(ParseRedisUrlTest, MessagesNameTheProblem) {
  auto message = [](std::string_view url) {
    return std::string(ParseRedisUrl(url).status().message());
  };
  EXPECT_NE(message("rediss://h").find("TLS"), std::string::npos);
  EXPECT_NE(message("redis://h:0").find("port"), std::string::npos);
  EXPECT_NE(message("redis://").find("missing host"), std::string::npos);
  EXPECT_NE(message("redis://bad_host!:1").find("host"), std::string::npos);
  EXPECT_NE(message("redis://h/x").find("database"), std::string::npos);
  EXPECT_NE(message("redis://h/0?timeout=1").find("query"), std::string::npos);
  EXPECT_NE(message("redis://user@h").find("password"), std::string::npos);
}

TEST(ParseRedisUrlTest, RejectsBadUrlsWithoutEchoingThePassword) {
  const char* bad[] = {
      "",
      "localhost:6379",
      "http://localhost",
      "rediss://localhost",
      "redis://",
      "redis://:6379",
      "redis://host:",
      "redis://host:0",
      "redis://host:65536",
      "redis://host:12ab",
      "redis://host/x",
      "redis://host/-1",
      "redis://host/1/2",
      "redis://host?db=1",
      "redis://host#x",
      "redis://user@host",
      "redis://:@host",
      "redis://:pw%zz@host",
      "redis://:pw%4@host",
      "redis://[::1",
      "redis://[::1]x",
      "redis://ho st",
      "redis://bad_host!:1",
      "redis://-host",
      "redis://[127.0.0.1]:1",
      "redis://[not-v6]",
      "redis://::1:6379",
  };
  for (const char* url : bad) {
    auto options = ParseRedisUrl(url);
    EXPECT_FALSE(options.ok()) << url;
    EXPECT_EQ(options.status().code(), absl::StatusCode::kInvalidArgument) << url;
    EXPECT_EQ(std::string(options.status().message()).find("pw"), std::string::npos) << url;
  }
}

TEST(RedisBusDescribeTest, OmitsThePassword) {
  auto options = ParseRedisUrl("redis://:topsecret@127.0.0.1:1/4");
  ASSERT_TRUE(options.ok());
  RedisBus bus(*options);  // nothing listens on port 1: it just retries
  EXPECT_EQ(bus.Describe(), "redis://127.0.0.1:1/4");
  EXPECT_FALSE(bus.IsReady());
}

}  // namespace
}  // namespace pubsub
