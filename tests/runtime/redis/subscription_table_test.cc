// The Redis bus's subscription bookkeeping without a socket: sequences of
// subscriptions, confirmations and connection changes, checking the commands
// and `ready` callbacks that come out, and readiness.
#include "redis/subscription_table.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace pubsub::internal::redis {
namespace {

using std::chrono::seconds;
using Direction = SubscriptionTable::Direction;
using Table = SubscriptionTable;

const Table::Clock::time_point kT0{seconds(1000)};

// The statuses a `ready` callback received (it must run at most once).
class Ready {
 public:
  Bus::DoneCallback Callback() {
    return [state = state_](absl::Status status) { state->push_back(std::move(status)); };
  }
  size_t calls() const { return state_->size(); }
  bool ran_with(absl::StatusCode code) const {
    return state_->size() == 1 && state_->front().code() == code;
  }
  const absl::Status& status() const { return state_->front(); }

 private:
  std::shared_ptr<std::vector<absl::Status>> state_ = std::make_shared<std::vector<absl::Status>>();
};

// Runs the callbacks of `actions` (as the bus would) and returns its
// commands as "VERB topic" lines, in order.
std::vector<std::string> Perform(Table::Actions actions) {
  for (Table::Callback& c : actions.callbacks) {
    EXPECT_TRUE(c.ready) << "an empty callback";
    if (c.ready) c.ready(c.status);
  }
  std::vector<std::string> lines;
  for (const Table::Command& command : actions.commands) {
    lines.push_back(std::string(command.verb) + " " + command.topic);
  }
  return lines;
}

std::vector<std::string> Confirm(Table& table, std::string_view topic, Direction direction,
                                 Table::Clock::time_point now = kT0) {
  absl::StatusOr<Table::Actions> actions = table.OnConfirmed(topic, direction, now);
  EXPECT_TRUE(actions.ok()) << actions.status();
  if (!actions.ok()) return {};
  return Perform(*std::move(actions));
}

using Lines = std::vector<std::string>;

class SubscriptionTableTest : public ::testing::Test {
 protected:
  void SetUp() override { EXPECT_TRUE(Perform(table_.ConnectionUp(kT0)).empty()); }

  Table table_;
};

TEST_F(SubscriptionTableTest, SubscribeRunsReadyOnceRedisConfirms) {
  Ready ready;
  EXPECT_EQ(Perform(table_.Add("news", 1, ready.Callback(), kT0)), Lines{"SUBSCRIBE news"});
  EXPECT_EQ(ready.calls(), 0u);
  EXPECT_FALSE(table_.ready());
  EXPECT_EQ(table_.unconfirmed(), 1u);
  EXPECT_EQ(table_.outstanding(), 1u);

  EXPECT_TRUE(Confirm(table_, "news", Direction::kSubscribe).empty());
  EXPECT_TRUE(ready.ran_with(absl::StatusCode::kOk));
  EXPECT_TRUE(table_.ready());
  EXPECT_EQ(table_.unconfirmed(), 0u);
  EXPECT_EQ(table_.outstanding(), 0u);
  const auto status = table_.Find("news");
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->subscriptions, 1u);
  EXPECT_TRUE(status->on_redis);
  EXPECT_FALSE(status->in_flight);
}

TEST_F(SubscriptionTableTest, ASecondSubscriptionOfAConfirmedTopicIsReadyAtOnce) {
  Perform(table_.Add("news", 1, nullptr, kT0));
  Confirm(table_, "news", Direction::kSubscribe);
  Ready second;
  EXPECT_TRUE(Perform(table_.Add("news", 2, second.Callback(), kT0)).empty());  // no command
  EXPECT_TRUE(second.ran_with(absl::StatusCode::kOk));
  EXPECT_TRUE(table_.ready());
}

TEST_F(SubscriptionTableTest, SubscriptionsWhileInFlightShareOneCommand) {
  Ready first, second;
  EXPECT_EQ(Perform(table_.Add("news", 1, first.Callback(), kT0)), Lines{"SUBSCRIBE news"});
  EXPECT_TRUE(Perform(table_.Add("news", 2, second.Callback(), kT0)).empty());
  EXPECT_EQ(table_.outstanding(), 1u);
  Confirm(table_, "news", Direction::kSubscribe);
  EXPECT_TRUE(first.ran_with(absl::StatusCode::kOk));
  EXPECT_TRUE(second.ran_with(absl::StatusCode::kOk));
}

TEST_F(SubscriptionTableTest, TheLastUnsubscribeUnsubscribesAndForgetsTheTopic) {
  Perform(table_.Add("news", 1, nullptr, kT0));
  Perform(table_.Add("news", 2, nullptr, kT0));
  Confirm(table_, "news", Direction::kSubscribe);
  EXPECT_TRUE(Perform(table_.Remove("news", 1, kT0)).empty());  // 2 still needs it
  EXPECT_EQ(Perform(table_.Remove("news", 2, kT0)), Lines{"UNSUBSCRIBE news"});
  EXPECT_TRUE(table_.ready());          // nothing wanted is unconfirmed
  EXPECT_EQ(table_.topic_count(), 1u);  // until Redis confirms
  EXPECT_TRUE(Confirm(table_, "news", Direction::kUnsubscribe).empty());
  EXPECT_EQ(table_.topic_count(), 0u);
  EXPECT_FALSE(table_.Find("news").has_value());
}

TEST_F(SubscriptionTableTest, UnsubscribeWhileSubscribeInFlightCancelsAndUndoesIt) {
  Ready ready;
  EXPECT_EQ(Perform(table_.Add("news", 1, ready.Callback(), kT0)), Lines{"SUBSCRIBE news"});
  // No second command while one is in flight; `ready` is answered at once.
  EXPECT_TRUE(Perform(table_.Remove("news", 1, kT0)).empty());
  EXPECT_TRUE(ready.ran_with(absl::StatusCode::kCancelled));
  EXPECT_TRUE(table_.ready());
  // Redis confirms the SUBSCRIBE: the table undoes it.
  EXPECT_EQ(Confirm(table_, "news", Direction::kSubscribe), Lines{"UNSUBSCRIBE news"});
  EXPECT_TRUE(Confirm(table_, "news", Direction::kUnsubscribe).empty());
  EXPECT_EQ(table_.topic_count(), 0u);
  EXPECT_EQ(ready.calls(), 1u);
}

TEST_F(SubscriptionTableTest, ReadyNeverRunsForASubscriptionAnUnsubscribeInFlightWouldUndo) {
  Perform(table_.Add("news", 1, nullptr, kT0));
  Confirm(table_, "news", Direction::kSubscribe);
  EXPECT_EQ(Perform(table_.Remove("news", 1, kT0)), Lines{"UNSUBSCRIBE news"});
  // Subscribed again while Redis still has it but is about to drop it.
  Ready ready;
  EXPECT_TRUE(Perform(table_.Add("news", 2, ready.Callback(), kT0)).empty());
  EXPECT_EQ(ready.calls(), 0u);
  EXPECT_FALSE(table_.ready());
  EXPECT_EQ(Confirm(table_, "news", Direction::kUnsubscribe), Lines{"SUBSCRIBE news"});
  EXPECT_EQ(ready.calls(), 0u);  // Redis has it not
  EXPECT_TRUE(Confirm(table_, "news", Direction::kSubscribe).empty());
  EXPECT_TRUE(ready.ran_with(absl::StatusCode::kOk));
  EXPECT_TRUE(table_.ready());
}

TEST_F(SubscriptionTableTest, ChurnKeepsOneCommandInFlightAndAnswersEveryReadyOnce) {
  std::vector<Ready> readies(50);
  Lines sent;
  for (size_t i = 0; i < readies.size(); ++i) {
    for (auto& line : Perform(table_.Add("t", i + 1, readies[i].Callback(), kT0)))
      sent.push_back(line);
    for (auto& line : Perform(table_.Remove("t", i + 1, kT0))) sent.push_back(line);
    EXPECT_LE(table_.outstanding(), 1u);
  }
  Ready last;
  Perform(table_.Add("t", 1000, last.Callback(), kT0));
  // Play Redis: confirm whatever is outstanding until nothing is.
  for (int guard = 0; table_.outstanding() > 0 && guard < 10; ++guard) {
    const auto status = table_.Find("t");
    ASSERT_TRUE(status.has_value());
    ASSERT_TRUE(status->in_flight);
    for (auto& line :
         Confirm(table_, "t", status->on_redis ? Direction::kUnsubscribe : Direction::kSubscribe)) {
      sent.push_back(line);
    }
  }
  EXPECT_EQ(sent, Lines{"SUBSCRIBE t"});  // the first one, never undone
  EXPECT_TRUE(last.ran_with(absl::StatusCode::kOk));
  for (const Ready& r : readies) {
    ASSERT_EQ(r.calls(), 1u);
    EXPECT_TRUE(r.status().ok() || absl::IsCancelled(r.status())) << r.status();
  }
  EXPECT_TRUE(table_.ready());
}

TEST_F(SubscriptionTableTest, RemovingOneSubscriptionCancelsOnlyItsOwnReady) {
  Ready one, two;
  Perform(table_.Add("news", 1, one.Callback(), kT0));
  Perform(table_.Add("news", 2, two.Callback(), kT0));
  EXPECT_TRUE(Perform(table_.Remove("news", 1, kT0)).empty());
  EXPECT_TRUE(one.ran_with(absl::StatusCode::kCancelled));
  EXPECT_EQ(two.calls(), 0u);
  Confirm(table_, "news", Direction::kSubscribe);
  EXPECT_TRUE(two.ran_with(absl::StatusCode::kOk));
  EXPECT_EQ(one.calls(), 1u);
}

TEST_F(SubscriptionTableTest, UnknownRemovalsAreIgnored) {
  Perform(table_.Add("news", 1, nullptr, kT0));
  EXPECT_TRUE(Perform(table_.Remove("news", 7, kT0)).empty());
  EXPECT_TRUE(Perform(table_.Remove("other", 1, kT0)).empty());
  EXPECT_EQ(table_.Find("news")->subscriptions, 1u);
}

TEST_F(SubscriptionTableTest, DownWhileWaitingFailsReadyAndResubscribesOnUp) {
  Ready ready;
  Perform(table_.Add("news", 1, ready.Callback(), kT0));
  EXPECT_TRUE(
      Perform(table_.ConnectionDown(absl::UnavailableError("redis unavailable: gone"))).empty());
  ASSERT_TRUE(ready.ran_with(absl::StatusCode::kUnavailable));
  EXPECT_EQ(ready.status().message(), "redis unavailable: gone");
  EXPECT_FALSE(table_.up());
  EXPECT_FALSE(table_.ready());
  EXPECT_EQ(table_.outstanding(), 0u);
  // The subscription stays, and comes back with the connection.
  EXPECT_EQ(Perform(table_.ConnectionUp(kT0)), Lines{"SUBSCRIBE news"});
  EXPECT_FALSE(table_.ready());
  Confirm(table_, "news", Direction::kSubscribe);
  EXPECT_TRUE(table_.ready());
  EXPECT_EQ(ready.calls(), 1u);  // no second `ready`
}

TEST_F(SubscriptionTableTest, AddWhileDownFailsReadyAtOnceWithTheReason) {
  Table fresh;
  Ready before_first_up;
  EXPECT_TRUE(Perform(fresh.Add("news", 1, before_first_up.Callback(), kT0)).empty());
  ASSERT_TRUE(before_first_up.ran_with(absl::StatusCode::kUnavailable));
  EXPECT_EQ(before_first_up.status().message(), "redis unavailable: not connected yet");
  EXPECT_EQ(Perform(fresh.ConnectionUp(kT0)), Lines{"SUBSCRIBE news"});

  Perform(fresh.ConnectionDown(absl::UnavailableError("redis bus stopped")));
  Ready after_stop;
  Perform(fresh.Add("other", 2, after_stop.Callback(), kT0));
  ASSERT_TRUE(after_stop.ran_with(absl::StatusCode::kUnavailable));
  EXPECT_EQ(after_stop.status().message(), "redis bus stopped");
  EXPECT_EQ(fresh.down_status().message(), "redis bus stopped");
}

TEST_F(SubscriptionTableTest, ReconnectResubscribesEveryLiveTopicAndForgetsTheRest) {
  constexpr int kTopics = 100;
  for (int i = 0; i < kTopics; ++i) {
    Perform(table_.Add("t" + std::to_string(i), i + 1, nullptr, kT0));
    Confirm(table_, "t" + std::to_string(i), Direction::kSubscribe);
  }
  ASSERT_TRUE(table_.ready());
  // One topic being unsubscribed when the connection drops: nothing of it is
  // left afterwards (a new connection has no subscriptions).
  EXPECT_EQ(Perform(table_.Remove("t0", 1, kT0)), Lines{"UNSUBSCRIBE t0"});
  Perform(table_.ConnectionDown(absl::UnavailableError("redis unavailable: reset")));
  EXPECT_EQ(table_.topic_count(), static_cast<size_t>(kTopics - 1));
  EXPECT_EQ(table_.unconfirmed(), static_cast<size_t>(kTopics - 1));

  Lines resubscribed = Perform(table_.ConnectionUp(kT0));
  std::sort(resubscribed.begin(), resubscribed.end());
  Lines expected;
  for (int i = 1; i < kTopics; ++i) expected.push_back("SUBSCRIBE t" + std::to_string(i));
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(resubscribed, expected);
  EXPECT_EQ(table_.outstanding(), static_cast<size_t>(kTopics - 1));
}

TEST_F(SubscriptionTableTest, ReadinessCountsUnconfirmedTopics) {
  for (int i = 0; i < 10; ++i) Perform(table_.Add("t" + std::to_string(i), i + 1, nullptr, kT0));
  EXPECT_EQ(table_.unconfirmed(), 10u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_FALSE(table_.ready());
    Confirm(table_, "t" + std::to_string(i), Direction::kSubscribe);
    EXPECT_EQ(table_.unconfirmed(), static_cast<size_t>(9 - i));
  }
  EXPECT_TRUE(table_.ready());
  // A second subscription of a confirmed topic does not change readiness;
  // removing an unconfirmed topic's last subscription does.
  Perform(table_.Add("t3", 100, nullptr, kT0));
  EXPECT_TRUE(table_.ready());
  Perform(table_.Add("late", 101, nullptr, kT0));
  EXPECT_FALSE(table_.ready());
  Perform(table_.Remove("late", 101, kT0));
  EXPECT_TRUE(table_.ready());
  EXPECT_EQ(table_.unconfirmed(), 0u);
}

TEST_F(SubscriptionTableTest, ConfirmationsOutOfOrderAreAnError) {
  Perform(table_.Add("a", 1, nullptr, kT0));
  Perform(table_.Add("b", 2, nullptr, kT0));
  absl::StatusOr<Table::Actions> out = table_.OnConfirmed("b", Direction::kSubscribe, kT0);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << out.status();
}

TEST_F(SubscriptionTableTest, AConfirmationOfTheOppositeCommandIsAnError) {
  Perform(table_.Add("a", 1, nullptr, kT0));
  absl::StatusOr<Table::Actions> out = table_.OnConfirmed("a", Direction::kUnsubscribe, kT0);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kInvalidArgument) << out.status();
}

TEST_F(SubscriptionTableTest, UnaskedForPushesAreRecordedAndReconciled) {
  // A topic we know nothing of: ignored.
  EXPECT_TRUE(Confirm(table_, "stranger", Direction::kSubscribe).empty());
  EXPECT_EQ(table_.topic_count(), 0u);
  // Redis drops a confirmed topic on its own: the table subscribes again.
  Perform(table_.Add("news", 1, nullptr, kT0));
  Confirm(table_, "news", Direction::kSubscribe);
  EXPECT_EQ(Confirm(table_, "news", Direction::kUnsubscribe), Lines{"SUBSCRIBE news"});
  EXPECT_FALSE(table_.ready());
  Confirm(table_, "news", Direction::kSubscribe);
  EXPECT_TRUE(table_.ready());
}

TEST_F(SubscriptionTableTest, PushesWhileDownAreIgnored) {
  Ready ready;
  Perform(table_.Add("news", 1, ready.Callback(), kT0));
  Perform(table_.ConnectionDown(absl::UnavailableError("redis unavailable: x")));
  EXPECT_TRUE(Confirm(table_, "news", Direction::kSubscribe).empty());
  EXPECT_FALSE(table_.Find("news")->on_redis);
  EXPECT_EQ(ready.calls(), 1u);
}

TEST_F(SubscriptionTableTest, TheWatchdogWatchesTheOldestOutstandingCommand) {
  const auto timeout = seconds(5);
  Perform(table_.Add("a", 1, nullptr, kT0));
  Perform(table_.Add("b", 2, nullptr, kT0 + seconds(3)));
  EXPECT_FALSE(table_.CommandOverdue(kT0 + seconds(5), timeout));
  EXPECT_TRUE(table_.CommandOverdue(kT0 + seconds(6), timeout));
  Confirm(table_, "a", Direction::kSubscribe, kT0 + seconds(6));
  EXPECT_FALSE(table_.CommandOverdue(kT0 + seconds(7), timeout));  // b was sent at +3
  EXPECT_TRUE(table_.CommandOverdue(kT0 + seconds(9), timeout));
  Confirm(table_, "b", Direction::kSubscribe, kT0 + seconds(9));
  EXPECT_FALSE(table_.CommandOverdue(kT0 + seconds(100), timeout));
  // A dropped connection has nothing outstanding.
  Perform(table_.Add("c", 3, nullptr, kT0));
  Perform(table_.ConnectionDown(absl::UnavailableError("redis unavailable: x")));
  EXPECT_FALSE(table_.CommandOverdue(kT0 + seconds(100), timeout));
}

TEST_F(SubscriptionTableTest, CommandsCarryTheirDirection) {
  Table::Actions out = table_.Add("news", 1, nullptr, kT0);
  ASSERT_EQ(out.commands.size(), 1u);
  EXPECT_EQ(out.commands[0].direction, Direction::kSubscribe);
  Confirm(table_, "news", Direction::kSubscribe);
  out = table_.Remove("news", 1, kT0);
  ASSERT_EQ(out.commands.size(), 1u);
  EXPECT_EQ(out.commands[0].direction, Direction::kUnsubscribe);
}

// The cluster use: sharded verbs, and topics moving between node tables.
class ShardedTablesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Perform(from_.ConnectionUp(kT0));
    Perform(to_.ConnectionUp(kT0));
  }

  Table from_{Table::kShardVerbs};
  Table to_{Table::kShardVerbs};
};

TEST_F(ShardedTablesTest, AConfirmedTopicMovesToAnotherNode) {
  Ready first;
  EXPECT_EQ(Perform(from_.Add("news", 1, first.Callback(), kT0)), Lines{"SSUBSCRIBE news"});
  Confirm(from_, "news", Direction::kSubscribe);
  EXPECT_TRUE(first.ran_with(absl::StatusCode::kOk));

  Table::MovedTopic moved;
  EXPECT_EQ(Perform(from_.MoveOut("news", /*dropped_by_redis=*/false, kT0, &moved)),
            Lines{"SUNSUBSCRIBE news"});
  EXPECT_TRUE(from_.ready());  // nothing of it is wanted here any more
  EXPECT_EQ(moved.topic, "news");
  EXPECT_EQ(moved.ids, std::vector<Bus::SubscriptionId>{1});
  EXPECT_EQ(Perform(to_.MoveIn(std::move(moved), kT0)), Lines{"SSUBSCRIBE news"});
  EXPECT_FALSE(to_.ready());
  Ready second;
  EXPECT_TRUE(Perform(to_.Add("news", 2, second.Callback(), kT0)).empty());

  EXPECT_TRUE(Confirm(from_, "news", Direction::kUnsubscribe).empty());
  EXPECT_EQ(from_.topic_count(), 0u);
  Confirm(to_, "news", Direction::kSubscribe);
  EXPECT_TRUE(to_.ready());
  EXPECT_TRUE(second.ran_with(absl::StatusCode::kOk));
  EXPECT_EQ(first.calls(), 1u);
  // The subscriptions now live in the new table.
  EXPECT_TRUE(Perform(to_.Remove("news", 1, kT0)).empty());
  EXPECT_EQ(Perform(to_.Remove("news", 2, kT0)), Lines{"SUNSUBSCRIBE news"});
}

TEST_F(ShardedTablesTest, ASlotThatRedisMigratedNeedsNoUnsubscribe) {
  Perform(from_.Add("news", 1, nullptr, kT0));
  Confirm(from_, "news", Direction::kSubscribe);
  // Redis moved the slot and said so (an unasked-for sunsubscribe push).
  Table::MovedTopic moved;
  EXPECT_TRUE(Perform(from_.MoveOut("news", /*dropped_by_redis=*/true, kT0, &moved)).empty());
  EXPECT_EQ(from_.topic_count(), 0u);
  EXPECT_EQ(Perform(to_.MoveIn(std::move(moved), kT0)), Lines{"SSUBSCRIBE news"});
}

TEST_F(ShardedTablesTest, AWaitingReadyMovesAlongAndTheOldCommandIsUndone) {
  Ready pending;
  EXPECT_EQ(Perform(from_.Add("sports", 5, pending.Callback(), kT0)), Lines{"SSUBSCRIBE sports"});
  Table::MovedTopic moved;
  // The SSUBSCRIBE is still in flight on the old node: nothing to send yet.
  EXPECT_TRUE(Perform(from_.MoveOut("sports", false, kT0, &moved)).empty());
  EXPECT_EQ(moved.waiters.size(), 1u);
  EXPECT_EQ(Perform(to_.MoveIn(std::move(moved), kT0)), Lines{"SSUBSCRIBE sports"});
  EXPECT_EQ(pending.calls(), 0u);
  // The old node's confirmation does not answer it; it is undone there.
  EXPECT_EQ(Confirm(from_, "sports", Direction::kSubscribe), Lines{"SUNSUBSCRIBE sports"});
  EXPECT_EQ(pending.calls(), 0u);
  Confirm(to_, "sports", Direction::kSubscribe);
  EXPECT_TRUE(pending.ran_with(absl::StatusCode::kOk));
}

TEST_F(ShardedTablesTest, MovingIntoATableThatIsDownFailsTheWaitersAndSubscribesOnUp) {
  Ready pending;
  Perform(from_.Add("sports", 5, pending.Callback(), kT0));
  Perform(to_.ConnectionDown(absl::UnavailableError("redis unavailable: node down")));
  Table::MovedTopic moved;
  Perform(from_.MoveOut("sports", false, kT0, &moved));
  EXPECT_TRUE(Perform(to_.MoveIn(std::move(moved), kT0)).empty());
  EXPECT_TRUE(pending.ran_with(absl::StatusCode::kUnavailable));
  EXPECT_EQ(Perform(to_.ConnectionUp(kT0)), Lines{"SSUBSCRIBE sports"});
}

TEST_F(ShardedTablesTest, MovingAnUnknownTopicMovesNothing) {
  Table::MovedTopic moved;
  EXPECT_TRUE(Perform(from_.MoveOut("nothing", false, kT0, &moved)).empty());
  EXPECT_TRUE(moved.ids.empty());
  EXPECT_TRUE(Perform(to_.MoveIn(std::move(moved), kT0)).empty());
  EXPECT_EQ(to_.topic_count(), 0u);
}

}  // namespace
}  // namespace pubsub::internal::redis
