// PresenceTable: the embedded bus's presence shares, with the Redis
// functions' semantics (expiry, partial shares, totals over live shares).
#include "presence_table.h"

#include <gtest/gtest.h>

namespace pubsub::internal {
namespace {

using std::chrono::milliseconds;
using Clock = PresenceTable::Clock;

PresenceShare Share(std::string replica, uint64_t connections,
                    std::vector<std::pair<std::string, uint64_t>> users, bool full,
                    milliseconds ttl = milliseconds(5000)) {
  return PresenceShare{.replica = std::move(replica),
                       .connections = connections,
                       .users = std::move(users),
                       .full = full,
                       .ttl = ttl};
}

TEST(PresenceTableTest, TotalsAddUpTheLiveSharesAndCountEachUserOnce) {
  PresenceTable table;
  const Clock::time_point t0 = Clock::now();
  ASSERT_TRUE(table.Put(Share("r1", 3, {{"ann", 2}, {"bob", 1}}, true), t0).ok());
  ASSERT_TRUE(table.Put(Share("r2", 2, {{"ann", 1}, {"cat", 1}}, true), t0).ok());
  const PresenceTotals totals = table.Query("ann", t0);
  EXPECT_EQ(totals.replicas, 2u);
  EXPECT_EQ(totals.connections, 5u);
  EXPECT_EQ(totals.users, 3u);  // ann on both replicas counts once
  EXPECT_TRUE(totals.users_exact);
  EXPECT_EQ(totals.user_connections, 3u);
  EXPECT_EQ(table.Query("nobody", t0).user_connections, 0u);
}

TEST(PresenceTableTest, ChangesUpdateAShareAndZeroRemovesAUser) {
  PresenceTable table;
  const Clock::time_point t0 = Clock::now();
  ASSERT_TRUE(table.Put(Share("r1", 3, {{"ann", 2}, {"bob", 1}}, true), t0).ok());
  ASSERT_TRUE(table.Put(Share("r1", 2, {{"bob", 0}}, false), t0).ok());
  const PresenceTotals totals = table.Query("bob", t0);
  EXPECT_EQ(totals.connections, 2u);
  EXPECT_EQ(totals.users, 1u);
  EXPECT_EQ(totals.user_connections, 0u);
  // A full share replaces everything the replica had.
  ASSERT_TRUE(table.Put(Share("r1", 1, {{"cat", 1}}, true), t0).ok());
  EXPECT_EQ(table.Query("ann", t0).user_connections, 0u);
  EXPECT_EQ(table.Query("cat", t0).user_connections, 1u);
}

TEST(PresenceTableTest, AShareExpiresAndAPartialShareThenAsksForAllOfIt) {
  PresenceTable table;
  const Clock::time_point t0 = Clock::now();
  ASSERT_TRUE(table.Put(Share("r1", 1, {{"ann", 1}}, true, milliseconds(100)), t0).ok());
  ASSERT_TRUE(table.Put(Share("r2", 1, {{"bob", 1}}, true, milliseconds(1000)), t0).ok());
  const Clock::time_point later = t0 + milliseconds(200);  // r1 missed its heartbeats
  const PresenceTotals totals = table.Query("ann", later);
  EXPECT_EQ(totals.replicas, 1u);
  EXPECT_EQ(totals.connections, 1u);
  EXPECT_EQ(totals.user_connections, 0u);
  EXPECT_TRUE(absl::IsFailedPrecondition(table.Put(Share("r1", 1, {}, false), later)));
  EXPECT_TRUE(table.Put(Share("r1", 1, {{"ann", 1}}, true), later).ok());
  EXPECT_EQ(table.Query("ann", later).user_connections, 1u);
}

}  // namespace
}  // namespace pubsub::internal
