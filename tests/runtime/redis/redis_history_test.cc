// History on the Redis bus, against a real redis-server: positions assigned
// atomically with storage and carried by what subscribers receive, reads
// after a position, trimming, expiry, and what a Redis restart does to a
// topic's epoch with and without persistence.
#include <atomic>
#include <chrono>
#include <functional>
#include <future>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <hiredis/hiredis.h>

#include "gtest/gtest.h"
#include "pubsub/envelope.pb.h"
#include "pubsub/history.h"
#include "pubsub/redis_bus.h"
#include "redis_server.h"

namespace pubsub {
namespace {

using std::chrono::milliseconds;
using testing::RedisServer;

constexpr auto kLong = std::chrono::seconds(20);  // a bound for "eventually"
const HistoryPolicy kKeep3{.size = 3, .ttl_seconds = 0};

RedisBusOptions OptionsFor(RedisServer& redis) {
  RedisBusOptions options;
  options.port = redis.port();
  options.initial_backoff = milliseconds(10);
  options.max_backoff = milliseconds(200);
  return options;
}

std::string EnvelopeOf(const std::string& id) {
  Envelope envelope;
  envelope.set_id(id);
  envelope.set_type("t");
  return envelope.SerializeAsString();
}

Envelope Parse(std::string_view bytes) {
  Envelope envelope;
  EXPECT_TRUE(envelope.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
  return envelope;
}

absl::StatusOr<Position> Store(RedisBus& bus, const std::string& topic, const std::string& id,
                               HistoryPolicy policy = kKeep3) {
  std::promise<absl::StatusOr<Position>> done;
  bus.PublishStored(topic, EnvelopeOf(id), policy,
                    [&](absl::StatusOr<Position> p) { done.set_value(std::move(p)); });
  auto future = done.get_future();
  if (future.wait_for(kLong) != std::future_status::ready) return absl::DeadlineExceededError("");
  return future.get();
}

absl::StatusOr<HistoryRead> Read(RedisBus& bus, const std::string& topic, uint64_t after,
                                 size_t limit = 100, HistoryPolicy policy = kKeep3) {
  std::promise<absl::StatusOr<HistoryRead>> done;
  bus.ReadHistory(topic, policy, after, limit,
                  [&](absl::StatusOr<HistoryRead> r) { done.set_value(std::move(r)); });
  auto future = done.get_future();
  if (future.wait_for(kLong) != std::future_status::ready) return absl::DeadlineExceededError("");
  return future.get();
}

// Stores until Redis answers (after a restart the bus reconnects first).
absl::StatusOr<Position> StoreWhenBack(RedisBus& bus, const std::string& topic,
                                       const std::string& id) {
  const auto deadline = std::chrono::steady_clock::now() + kLong;
  for (;;) {
    auto stored = Store(bus, topic, id);
    if (stored.ok() || std::chrono::steady_clock::now() > deadline) return stored;
    std::this_thread::sleep_for(milliseconds(20));
  }
}

TEST(RedisHistoryTest, PositionsAreAssignedWithStorageAndReachSubscribers) {
  RedisServer redis;
  ASSERT_TRUE(redis.Start()) << redis.log();
  RedisBus bus(OptionsFor(redis));
  ASSERT_TRUE(bus.WaitUntilReady(kLong));
  std::mutex mutex;
  std::vector<Envelope> seen;
  std::promise<void> subscribed;
  bus.Subscribe(
      "room",
      [&](std::string_view, std::string_view bytes) {
        std::lock_guard lock(mutex);
        seen.push_back(Parse(bytes));
      },
      [&](absl::Status) { subscribed.set_value(); });
  subscribed.get_future().wait();

  const auto first = Store(bus, "room", "a");
  const auto second = Store(bus, "room", "b");
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(first->seq, 1u);
  EXPECT_EQ(second->seq, 2u);
  EXPECT_EQ(first->epoch, second->epoch);
  const auto deadline = std::chrono::steady_clock::now() + kLong;
  while (std::chrono::steady_clock::now() < deadline) {
    std::lock_guard lock(mutex);
    if (seen.size() == 2) break;
  }
  std::lock_guard lock(mutex);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[0].id(), "a");
  EXPECT_EQ(seen[0].seq(), 1u);
  EXPECT_EQ(seen[1].epoch(), second->epoch);
  EXPECT_EQ(seen[1].seq(), 2u);
}

TEST(RedisHistoryTest, ReadsReturnWhatWasMissedAndTrimmingShows) {
  RedisServer redis;
  ASSERT_TRUE(redis.Start()) << redis.log();
  RedisBus bus(OptionsFor(redis));
  ASSERT_TRUE(bus.WaitUntilReady(kLong));
  for (const char* id : {"a", "b", "c", "d", "e"}) ASSERT_TRUE(Store(bus, "room", id).ok());
  const auto read = Read(bus, "room", 2);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->first_seq, 3u);
  EXPECT_EQ(read->last_seq, 5u);
  ASSERT_EQ(read->envelopes.size(), 3u);
  EXPECT_EQ(Parse(read->envelopes[0]).id(), "c");
  EXPECT_EQ(Parse(read->envelopes[2]).seq(), 5u);
  EXPECT_TRUE(read->Covers({read->epoch, 2}));
  EXPECT_FALSE(read->Covers({read->epoch, 1}));
  EXPECT_EQ(Read(bus, "room", 4)->envelopes.size(), 1u);
  EXPECT_EQ(Read(bus, "room", 0, 2)->envelopes.size(), 2u);
  EXPECT_TRUE(Read(bus, "room", 0, 0)->envelopes.empty());
  // The keys share the channel's slot: one hash tag, the channel's name.
  EXPECT_EQ(redis.Command({"EXISTS", "{pubsub:room}:s", "{pubsub:room}:m"})->integer, 2);
}

TEST(RedisHistoryTest, ANewestReadReturnsTheLastEventsAndWhereTheyStart) {
  RedisServer redis;
  ASSERT_TRUE(redis.Start()) << redis.log();
  RedisBus bus(OptionsFor(redis));
  ASSERT_TRUE(bus.WaitUntilReady(kLong));
  for (const char* id : {"a", "b", "c", "d", "e"}) ASSERT_TRUE(Store(bus, "room", id).ok());
  const auto read = Read(bus, "room", kReadNewest, 2);
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->envelopes.size(), 2u);
  EXPECT_EQ(Parse(read->envelopes[0]).id(), "d");
  EXPECT_EQ(Parse(read->envelopes[1]).id(), "e");
  EXPECT_EQ(read->first_seq, 4u);  // the oldest it returned
  EXPECT_EQ(read->last_seq, 5u);
  EXPECT_TRUE(read->Covers({read->epoch, 3}));
  EXPECT_FALSE(read->Covers({read->epoch, 2}));
  EXPECT_EQ(Read(bus, "room", kReadNewest, 100)->envelopes.size(), 3u);  // all kept
}

TEST(RedisHistoryTest, AReadStartsTheEpochThatTheFirstEventThenUses) {
  RedisServer redis;
  ASSERT_TRUE(redis.Start()) << redis.log();
  RedisBus bus(OptionsFor(redis));
  ASSERT_TRUE(bus.WaitUntilReady(kLong));
  const auto before = Read(bus, "quiet", 0);
  ASSERT_TRUE(before.ok()) << before.status();
  EXPECT_EQ(before->last_seq, 0u);
  const auto stored = Store(bus, "quiet", "a");
  EXPECT_EQ(stored->epoch, before->epoch);
  EXPECT_TRUE(Read(bus, "quiet", 0)->Covers({before->epoch, 0}));
}

TEST(RedisHistoryTest, ExpiredHistoryStartsANewEpoch) {
  RedisServer redis;
  ASSERT_TRUE(redis.Start()) << redis.log();
  RedisBus bus(OptionsFor(redis));
  ASSERT_TRUE(bus.WaitUntilReady(kLong));
  const HistoryPolicy fleeting{.size = 3, .ttl_seconds = 1};
  const auto stored = Store(bus, "room", "a", fleeting);
  ASSERT_TRUE(stored.ok());
  EXPECT_GT(redis.Command({"TTL", "{pubsub:room}:s"})->integer, 0);
  // Wait for Redis to expire the keys (a condition, not a duration claim).
  const auto deadline = std::chrono::steady_clock::now() + kLong;
  while (redis.Command({"EXISTS", "{pubsub:room}:m"})->integer != 0 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(50));
  }
  const auto after = Store(bus, "room", "b", fleeting);
  ASSERT_TRUE(after.ok());
  EXPECT_NE(after->epoch, stored->epoch);
  EXPECT_EQ(after->seq, 1u);
}

TEST(RedisHistoryTest, ARestartWithoutPersistenceChangesTheEpoch) {
  RedisServer redis;
  ASSERT_TRUE(redis.Start()) << redis.log();
  RedisBus bus(OptionsFor(redis));
  ASSERT_TRUE(bus.WaitUntilReady(kLong));
  const auto before = Store(bus, "room", "a");
  ASSERT_TRUE(before.ok());
  redis.Kill();
  ASSERT_TRUE(redis.Start()) << redis.log();
  // The bus reconnects and loads its functions again.
  const auto after = StoreWhenBack(bus, "room", "b");
  ASSERT_TRUE(after.ok()) << after.status();
  EXPECT_NE(after->epoch, before->epoch);
  const auto read = Read(bus, "room", 0);
  EXPECT_FALSE(read->Covers(*before));
}

TEST(RedisHistoryTest, ARestartWithAofKeepsTheEpochAndTheHistory) {
  RedisServer redis({"--appendonly", "yes", "--appendfsync", "always"});
  ASSERT_TRUE(redis.Start()) << redis.log();
  RedisBus bus(OptionsFor(redis));
  ASSERT_TRUE(bus.WaitUntilReady(kLong));
  const auto first = Store(bus, "room", "a");
  const auto second = Store(bus, "room", "b");
  ASSERT_TRUE(second.ok());
  redis.Kill();
  ASSERT_TRUE(redis.Start()) << redis.log();
  const auto third = StoreWhenBack(bus, "room", "c");
  ASSERT_TRUE(third.ok()) << third.status();
  EXPECT_EQ(third->epoch, first->epoch);
  EXPECT_EQ(third->seq, 3u);
  const auto read = Read(bus, "room", first->seq);
  ASSERT_TRUE(read.ok());
  EXPECT_TRUE(read->Covers(*first));
  ASSERT_EQ(read->envelopes.size(), 2u);
  EXPECT_EQ(Parse(read->envelopes[0]).id(), "b");
}

TEST(RedisHistoryTest, StoringWhileRedisIsDownIsRefusedNotAcknowledged) {
  RedisServer redis;
  ASSERT_TRUE(redis.Start()) << redis.log();
  RedisBus bus(OptionsFor(redis));
  ASSERT_TRUE(bus.WaitUntilReady(kLong));
  redis.Kill();
  const auto deadline = std::chrono::steady_clock::now() + kLong;
  absl::StatusOr<Position> stored = Position{};
  while (stored.ok() && std::chrono::steady_clock::now() < deadline) {
    stored = Store(bus, "room", "a");
  }
  EXPECT_EQ(stored.status().code(), absl::StatusCode::kUnavailable) << stored.status();
}

}  // namespace
}  // namespace pubsub
