// Presence on a real redis-server: the functions pubsub_presence_put / _get
// through RedisBus (shares, totals, expiry, a partial share without a live one).
#include <hiredis/hiredis.h>

#include <chrono>
#include <future>
#include <thread>

#include <gtest/gtest.h>

#include "pubsub/redis_bus.h"
#include "redis_server.h"

namespace pubsub {
namespace {

using std::chrono::milliseconds;
using testing::RedisServer;

constexpr auto kLong = std::chrono::seconds(20);

absl::Status Share(RedisBus& bus, PresenceShare share) {
  std::promise<absl::Status> done;
  bus.SharePresence(std::move(share), [&](absl::Status s) { done.set_value(std::move(s)); });
  auto future = done.get_future();
  if (future.wait_for(kLong) != std::future_status::ready) return absl::DeadlineExceededError("");
  return future.get();
}

absl::StatusOr<PresenceTotals> Query(RedisBus& bus, const std::string& user) {
  std::promise<absl::StatusOr<PresenceTotals>> done;
  bus.QueryPresence(user, [&](absl::StatusOr<PresenceTotals> t) { done.set_value(std::move(t)); });
  auto future = done.get_future();
  if (future.wait_for(kLong) != std::future_status::ready) return absl::DeadlineExceededError("");
  return future.get();
}

TEST(RedisPresenceTest, SharesAddUpExpireAndAPartialOneAsksForAll) {
  RedisServer redis;
  ASSERT_TRUE(redis.Start()) << redis.log();
  RedisBusOptions options;
  options.port = redis.port();
  RedisBus bus(options);
  ASSERT_TRUE(bus.WaitUntilReady(kLong));

  ASSERT_TRUE(Share(bus, {.replica = "r1",
                          .connections = 3,
                          .users = {{"ann", 2}, {"bob", 1}},
                          .full = true,
                          .ttl = milliseconds(60000)})
                  .ok());
  ASSERT_TRUE(Share(bus, {.replica = "r2",
                          .connections = 2,
                          .users = {{"ann", 1}, {"cat", 1}},
                          .full = true,
                          .ttl = milliseconds(300)})
                  .ok());
  auto totals = Query(bus, "ann");
  ASSERT_TRUE(totals.ok()) << totals.status();
  EXPECT_EQ(totals->replicas, 2u);
  EXPECT_EQ(totals->connections, 5u);
  EXPECT_EQ(totals->users, 3u);  // ann once
  EXPECT_TRUE(totals->users_exact);
  EXPECT_EQ(totals->user_connections, 3u);

  // A change: bob leaves r1.
  ASSERT_TRUE(Share(bus, {.replica = "r1",
                          .connections = 2,
                          .users = {{"bob", 0}},
                          .full = false,
                          .ttl = milliseconds(60000)})
                  .ok());
  EXPECT_EQ(Query(bus, "bob")->user_connections, 0u);

  // r2 stops renewing its share: it drops out after its ttl.
  std::this_thread::sleep_for(milliseconds(400));
  totals = Query(bus, "cat");
  ASSERT_TRUE(totals.ok()) << totals.status();
  EXPECT_EQ(totals->replicas, 1u);
  EXPECT_EQ(totals->connections, 2u);
  EXPECT_EQ(totals->users, 1u);
  EXPECT_EQ(totals->user_connections, 0u);
  EXPECT_EQ(redis.Command({"EXISTS", "pubsub:{presence}:users:r2"})->integer, 0);
  // Coming back with only a change is refused: the whole share is needed.
  EXPECT_TRUE(absl::IsFailedPrecondition(
      Share(bus, {.replica = "r2", .connections = 1, .users = {}, .full = false})));
}

}  // namespace
}  // namespace pubsub
