#include "server/gateway/topic_history.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace pubsub::gateway {
namespace {

// Deliveries stand for events: their "envelope" is the position's text, so
// the render hook is Position::Parse, and a read is answered by the test.
DeliveryPtr At(const std::string& epoch, uint64_t seq) {
  auto d = std::make_shared<Delivery>();
  d->position = Position{epoch, seq};
  return d;
}

class TopicHistoryTest : public ::testing::Test {
 protected:
  TopicHistoryTest()
      : history_(HistoryPolicy{.size = 5, .ttl_seconds = 0}, 0,
                 TopicHistory::Hooks{
                     .read = [this](uint64_t, HistoryCallback done) { pending_.push_back(done); },
                     .render = [](std::string_view envelope) -> DeliveryPtr {
                       auto position = Position::Parse(envelope);
                       return position ? At(position->epoch, position->seq) : nullptr;
                     },
                     .deliver = [this](DeliveryPtr d) { delivered_.push_back(Describe(d)); },
                 }) {}

  static std::string Describe(const DeliveryPtr& d) {
    if (d->position) return d->position->ToString();
    return std::string(
        d->recovery.bytes().substr(2));  // a control: its JSON (after a 2-byte header)
  }

  // Answers the oldest pending read with the kept events of `epoch`.
  void AnswerRead(const std::string& epoch, uint64_t first, uint64_t last) {
    ASSERT_FALSE(pending_.empty());
    HistoryCallback done = pending_.front();
    pending_.erase(pending_.begin());
    HistoryRead read{.epoch = epoch, .first_seq = first, .last_seq = last, .envelopes = {}};
    for (uint64_t seq = first; first != 0 && seq <= last; ++seq) {
      read.envelopes.push_back(Position{epoch, seq}.ToString());
    }
    done(std::move(read));
  }

  std::vector<HistoryCallback> pending_;
  std::vector<std::string> delivered_;
  TopicHistory history_;
};

TEST_F(TopicHistoryTest, InOrderEventsGoStraightThroughAndDuplicatesDoNot) {
  history_.OnLive(At("e", 1));
  history_.OnLive(At("e", 2));
  history_.OnLive(At("e", 2));
  history_.OnLive(At("e", 3));
  EXPECT_EQ(delivered_, (std::vector<std::string>{"e:1", "e:2", "e:3"}));
  EXPECT_EQ(history_.reads(), 0u);
}

TEST_F(TopicHistoryTest, AGapIsFilledFromHistoryBeforeLaterEvents) {
  history_.OnLive(At("e", 1));
  history_.OnLive(At("e", 4));  // 2 and 3 never came live
  history_.OnLive(At("e", 5));
  EXPECT_EQ(delivered_, (std::vector<std::string>{"e:1"}));
  AnswerRead("e", 1, 5);
  EXPECT_EQ(delivered_, (std::vector<std::string>{"e:1", "e:2", "e:3", "e:4", "e:5"}));
  history_.OnLive(At("e", 6));
  EXPECT_EQ(delivered_.back(), "e:6");
}

TEST_F(TopicHistoryTest, AReadThatRanBeforeTheGapWasStoredIsRepeated) {
  history_.OnLive(At("e", 1));
  history_.OnLive(At("e", 4));
  AnswerRead("e", 1, 2);  // stale: 3 was not stored yet when it ran
  EXPECT_EQ(delivered_, (std::vector<std::string>{"e:1"}));
  AnswerRead("e", 1, 4);
  EXPECT_EQ(delivered_, (std::vector<std::string>{"e:1", "e:2", "e:3", "e:4"}));
}

TEST_F(TopicHistoryTest, LostHistoryIsAnnouncedNeverSkippedSilently) {
  history_.OnLive(At("e", 1));
  history_.OnLive(At("f", 1));  // a new epoch: Redis lost the topic
  AnswerRead("f", 1, 1);
  ASSERT_EQ(delivered_.size(), 3u);
  EXPECT_EQ(delivered_[1], R"json({"control":"recovery","recovered":false,"position":"f:0",)json"
                           R"json("reason":"history was lost (a new epoch began)"})json");
  EXPECT_EQ(delivered_[2], "f:1");
  history_.OnLive(At("f", 2));  // and the new epoch goes on without another gap
  EXPECT_EQ(delivered_.back(), "f:2");
  EXPECT_EQ(delivered_.size(), 4u);
}

TEST_F(TopicHistoryTest, AfterLostHistoryTheNewEpochsStoredEventsAreDelivered) {
  // Redis restarted without persistence while the subscription was down:
  // f:1 was stored (and acknowledged) before the subscription came back, so
  // it never came live; only the read has it.
  history_.OnLive(At("e", 1));
  history_.OnResubscribed();
  AnswerRead("f", 1, 1);
  ASSERT_EQ(delivered_.size(), 3u);
  EXPECT_EQ(delivered_[1], R"json({"control":"recovery","recovered":false,"position":"f:0",)json"
                           R"json("reason":"history was lost (a new epoch began)"})json");
  EXPECT_EQ(delivered_[2], "f:1");
  history_.OnLive(At("f", 2));
  EXPECT_EQ(delivered_.back(), "f:2");
}

TEST_F(TopicHistoryTest, AfterATrimmedGapWhatIsStillKeptIsDelivered) {
  history_.OnLive(At("e", 1));
  history_.OnLive(At("e", 9));  // 2..8 never came live; 5 events are kept
  AnswerRead("e", 5, 9);        // 2..4 were trimmed
  EXPECT_EQ(delivered_, (std::vector<std::string>{
                            "e:1",
                            R"json({"control":"recovery","recovered":false,"position":"e:4",)json"
                            R"json("reason":"events were missed and are no longer kept"})json",
                            "e:5", "e:6", "e:7", "e:8", "e:9"}));
}

TEST_F(TopicHistoryTest, TooManyHeldEventsAreAnnouncedAtTheFirstHeldOne) {
  history_.OnLive(At("e", 1));
  for (uint64_t seq = 3; seq < 3 + TopicHistory::kMaxHeld + 1; ++seq) history_.OnLive(At("e", seq));
  ASSERT_GE(delivered_.size(), 2u);
  EXPECT_EQ(delivered_[1],
            R"json({"control":"recovery","recovered":false,"position":"e:2",)json"
            R"json("reason":"too many events arrived while the gap was being read"})json");
  EXPECT_EQ(delivered_[2], "e:3");
}

TEST_F(TopicHistoryTest, AfterAResubscriptionWhatWasStoredMeanwhileIsDelivered) {
  history_.OnLive(At("e", 1));
  history_.OnLive(At("e", 2));
  history_.OnResubscribed();
  AnswerRead("e", 1, 4);
  EXPECT_EQ(delivered_, (std::vector<std::string>{"e:1", "e:2", "e:3", "e:4"}));
}

TEST_F(TopicHistoryTest, ManyRecoveriesCostOneReadAndGetTheirMissedEvents) {
  history_.OnLive(At("e", 3));
  std::vector<TopicHistory::Recovery> answers;
  for (int i = 0; i < 1000; ++i) {
    history_.Recover(Position{"e", 1}, [&](TopicHistory::Recovery r) { answers.push_back(r); });
  }
  EXPECT_EQ(history_.reads(), 1u);
  AnswerRead("e", 1, 3);
  ASSERT_EQ(answers.size(), 1000u);
  EXPECT_TRUE(answers[0].recovered);
  EXPECT_EQ(answers[0].position, (Position{"e", 3}));
  ASSERT_EQ(answers[0].missed.size(), 2u);
  EXPECT_EQ(answers[0].missed[0]->position->seq, 2u);
  // Later ones come from the tail, extended by live events: no more reads.
  history_.OnLive(At("e", 4));
  TopicHistory::Recovery later;
  history_.Recover(Position{"e", 2}, [&](TopicHistory::Recovery r) { later = r; });
  EXPECT_EQ(history_.reads(), 1u);
  EXPECT_TRUE(later.recovered);
  ASSERT_EQ(later.missed.size(), 2u);
  EXPECT_EQ(later.missed[1]->position->seq, 4u);
}

TEST_F(TopicHistoryTest, WhatCannotBeRecoveredIsSaid) {
  history_.OnLive(At("e", 1));
  history_.Recover(std::nullopt, [](TopicHistory::Recovery) {});
  AnswerRead("e", 1, 1);
  for (int seq = 2; seq <= 10; ++seq) history_.OnLive(At("e", seq));  // size 5 keeps 6..10
  auto ask = [&](std::optional<Position> since) {
    TopicHistory::Recovery answer;
    history_.Recover(since, [&](TopicHistory::Recovery r) { answer = r; });
    return answer;
  };
  EXPECT_TRUE(ask(Position{"e", 5}).recovered);
  const auto trimmed = ask(Position{"e", 4});  // 5 is no longer kept
  EXPECT_FALSE(trimmed.recovered);
  ASSERT_EQ(trimmed.missed.size(), 5u);  // what is kept comes all the same
  EXPECT_EQ(trimmed.missed.front()->position->seq, 6u);
  EXPECT_FALSE(ask(Position{"x", 9}).recovered);   // another epoch
  EXPECT_FALSE(ask(Position{"e", 11}).recovered);  // ahead of history
  const auto now = ask(std::nullopt);
  EXPECT_TRUE(now.recovered);
  EXPECT_EQ(now.position, (Position{"e", 10}));
  EXPECT_TRUE(now.missed.empty());
  EXPECT_EQ(history_.reads(), 1u);
}

}  // namespace
}  // namespace pubsub::gateway
