// History on the embedded bus (the in-memory ring), and the position helpers.
// The Redis bus's history is tested against a real redis-server in
// tests/runtime/redis/redis_history_test.cc with the same expectations.
#include "pubsub/history.h"

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "pubsub/embedded_bus.h"
#include "pubsub/envelope.pb.h"

namespace pubsub {
namespace {

std::string EnvelopeOf(const std::string& id) {
  Envelope envelope;
  envelope.set_id(id);
  envelope.set_type("t");
  return envelope.SerializeAsString();
}

Envelope Parse(const std::string& bytes) {
  Envelope envelope;
  EXPECT_TRUE(envelope.ParseFromString(bytes));
  return envelope;
}

TEST(PositionTest, TextRoundTrips) {
  const Position position{"abc123", 42};
  EXPECT_EQ(position.ToString(), "abc123:42");
  EXPECT_EQ(Position::Parse("abc123:42"), position);
  for (const char* bad :
       {"", "abc", ":1", "abc:", "ab c:1", "abc:-1", "abc:1x", "abc:123456789012345678901"}) {
    EXPECT_FALSE(Position::Parse(bad).has_value()) << bad;
  }
}

TEST(PositionTest, AppendedFieldsAreMergedIntoTheEnvelope) {
  std::string bytes = EnvelopeOf("id-1");
  internal::AppendPosition(bytes, Position{"ep", 300});
  const Envelope envelope = Parse(bytes);
  EXPECT_EQ(envelope.id(), "id-1");
  EXPECT_EQ(envelope.epoch(), "ep");
  EXPECT_EQ(envelope.seq(), 300u);
}

TEST(HistoryReadTest, CoversOnlyWhatIsKeptOfTheSameEpoch) {
  const HistoryRead read{.epoch = "e", .first_seq = 5, .last_seq = 9, .envelopes = {}};
  EXPECT_TRUE(read.Covers({"e", 4}));    // missed 5..9: all kept
  EXPECT_TRUE(read.Covers({"e", 9}));    // missed nothing
  EXPECT_FALSE(read.Covers({"e", 3}));   // 4 was trimmed
  EXPECT_FALSE(read.Covers({"x", 9}));   // another epoch
  EXPECT_FALSE(read.Covers({"e", 10}));  // from the future: history was lost
  const HistoryRead empty{.epoch = "e", .first_seq = 0, .last_seq = 0, .envelopes = {}};
  EXPECT_TRUE(empty.Covers({"e", 0}));
}

class EmbeddedHistoryTest : public ::testing::Test {
 protected:
  absl::StatusOr<Position> Store(const std::string& topic, const std::string& id,
                                 HistoryPolicy policy = {.size = 3, .ttl_seconds = 0}) {
    absl::StatusOr<Position> result = absl::UnknownError("no callback");
    bus_.PublishStored(topic, EnvelopeOf(id), policy,
                       [&](absl::StatusOr<Position> p) { result = std::move(p); });
    return result;
  }
  HistoryRead Read(const std::string& topic, uint64_t after, size_t limit = 100,
                   HistoryPolicy policy = {.size = 3, .ttl_seconds = 0}) {
    HistoryRead read;
    bus_.ReadHistory(topic, policy, after, limit, [&](absl::StatusOr<HistoryRead> r) {
      ASSERT_TRUE(r.ok()) << r.status();
      read = *std::move(r);
    });
    return read;
  }

  EmbeddedBus bus_;
};

TEST_F(EmbeddedHistoryTest, PositionsCountUpAndSubscribersSeeThem) {
  std::vector<Envelope> seen;
  bus_.Subscribe(
      "room",
      [&](std::string_view, std::string_view bytes) { seen.push_back(Parse(std::string(bytes))); },
      {});
  const auto first = Store("room", "a");
  const auto second = Store("room", "b");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->seq, 1u);
  EXPECT_EQ(second->seq, 2u);
  EXPECT_EQ(first->epoch, second->epoch);
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_EQ(seen[1].seq(), 2u);
  EXPECT_EQ(seen[1].epoch(), second->epoch);
  // Another topic has its own epoch and sequence.
  const auto other = Store("hall", "c");
  EXPECT_EQ(other->seq, 1u);
  EXPECT_NE(other->epoch, first->epoch);
}

TEST_F(EmbeddedHistoryTest, AReadReturnsWhatWasMissedOldestFirstAndTrims) {
  for (const char* id : {"a", "b", "c", "d", "e"}) ASSERT_TRUE(Store("room", id).ok());
  const HistoryRead read = Read("room", 2);
  EXPECT_EQ(read.first_seq, 3u);  // size 3 keeps 3..5
  EXPECT_EQ(read.last_seq, 5u);
  ASSERT_EQ(read.envelopes.size(), 3u);
  EXPECT_EQ(Parse(read.envelopes[0]).id(), "c");
  EXPECT_EQ(Parse(read.envelopes[2]).seq(), 5u);
  EXPECT_TRUE(read.Covers({read.epoch, 2}));
  EXPECT_FALSE(read.Covers({read.epoch, 1}));
  EXPECT_EQ(Read("room", 4, 100).envelopes.size(), 1u);
  EXPECT_EQ(Read("room", 0, 2).envelopes.size(), 2u);  // the limit
  EXPECT_TRUE(Read("room", 0, 0).envelopes.empty());   // bounds only
}

TEST_F(EmbeddedHistoryTest, ANewestReadReturnsTheLastEventsAndWhereTheyStart) {
  for (const char* id : {"a", "b", "c", "d", "e"}) ASSERT_TRUE(Store("room", id).ok());
  const HistoryRead read = Read("room", kReadNewest, 2);
  ASSERT_EQ(read.envelopes.size(), 2u);
  EXPECT_EQ(Parse(read.envelopes[0]).id(), "d");
  EXPECT_EQ(Parse(read.envelopes[1]).id(), "e");
  EXPECT_EQ(read.first_seq, 4u);  // the oldest it returned
  EXPECT_TRUE(read.Covers({read.epoch, 3}));
  EXPECT_FALSE(read.Covers({read.epoch, 2}));
  EXPECT_EQ(Read("room", kReadNewest, 100).envelopes.size(), 3u);  // all kept
}

TEST_F(EmbeddedHistoryTest, ReadsDoNotKeepAnExpiredHistoryAlive) {
  const HistoryPolicy brief{.size = 3, .ttl_seconds = 1};
  const auto stored = Store("brief", "a", brief);
  ASSERT_TRUE(stored.ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3);
  while (std::chrono::steady_clock::now() < deadline) {
    if (Read("brief", 0, 100, brief).epoch != stored->epoch) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const HistoryRead after = Read("brief", 0, 100, brief);
  EXPECT_NE(after.epoch, stored->epoch);  // reading every 50 ms did not extend it
  EXPECT_TRUE(after.envelopes.empty());
}

TEST_F(EmbeddedHistoryTest, AReadStartsTheEpochOfATopicWithoutHistory) {
  const HistoryRead before = Read("quiet", 0);
  EXPECT_FALSE(before.epoch.empty());
  EXPECT_EQ(before.last_seq, 0u);
  const auto stored = Store("quiet", "a");
  EXPECT_EQ(stored->epoch, before.epoch);  // a client that read first recovers
  EXPECT_EQ(stored->seq, 1u);
  EXPECT_TRUE(Read("quiet", 0).Covers({before.epoch, 0}));
}

}  // namespace
}  // namespace pubsub
