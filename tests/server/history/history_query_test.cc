// The History API's rules and page reads, on the real embedded bus and the
// sample schema (forum keeps 100 posts per thread; broadcasts keep none).
#include "server/history/history_query.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "google/protobuf/message.h"
#include "pubsub/embedded_bus.h"
#include "pubsub/publisher.h"
#include "sample_schema.schema.h"

namespace pubsub::history_api {
namespace {

using ::testing::HasSubstr;

class HistoryQueryTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(schemas::sample_schema().register_all(registry_).ok()); }

  const ChannelInfo& Channel(std::string_view name) { return *registry_.FindChannel(name); }

  void Post(int id, std::string_view thread = "t1") {
    auto event = registry_.ParseJson(R"({"type":"new_post","thread_id":")" + std::string(thread) +
                                     R"(","data":{"id":)" + std::to_string(id) + "}}");
    ASSERT_TRUE(event.ok()) << event.status();
    publisher_.Publish(*event->info, *event->message, {},
                       [](absl::StatusOr<std::string> id) { ASSERT_TRUE(id.ok()) << id.status(); });
  }

  HistoryPage Read(std::string_view since, std::string_view limit = "") {
    auto query = MakeHistoryQuery(Channel("forum"), "t1", "", since, limit);
    EXPECT_TRUE(query.ok()) << query.status();
    absl::StatusOr<HistoryPage> page = absl::UnknownError("no answer");
    ReadHistoryPage(bus_, registry_, *query, [&](absl::StatusOr<HistoryPage> p) { page = p; });
    EXPECT_TRUE(page.ok()) << page.status();
    return *page;
  }

  static std::vector<uint64_t> Seqs(const HistoryPage& page) {
    std::vector<uint64_t> seqs;
    for (const auto& event : page.events) seqs.push_back(event.position.seq);
    return seqs;
  }

  Registry registry_;
  EmbeddedBus bus_;
  Publisher publisher_{bus_};
};

TEST_F(HistoryQueryTest, QueriesNameATopicOfAChannelWithHistory) {
  auto scoped = MakeHistoryQuery(Channel("forum"), "t1", "", "", "");
  ASSERT_TRUE(scoped.ok());
  EXPECT_EQ(scoped->topic, "forum:t1");
  EXPECT_EQ(scoped->limit, kDefaultPageSize);
  EXPECT_FALSE(scoped->since.has_value());
  auto personal = MakeHistoryQuery(Channel("notifications"), "", "alice", "abc:7", "5");
  ASSERT_TRUE(personal.ok());
  EXPECT_EQ(personal->topic, "notifications@alice");
  EXPECT_EQ(personal->since, (Position{"abc", 7}));
  EXPECT_EQ(personal->limit, 5u);
}

TEST_F(HistoryQueryTest, BadQueriesSayWhatIsWrong) {
  auto status = [&](std::string_view channel, std::string_view scope, std::string_view user,
                    std::string_view since, std::string_view limit) {
    return MakeHistoryQuery(Channel(channel), scope, user, since, limit).status();
  };
  EXPECT_TRUE(absl::IsNotFound(status("broadcasts", "", "", "", "")));
  EXPECT_THAT(status("broadcasts", "", "", "", "").message(), HasSubstr("keeps no history"));
  EXPECT_THAT(status("forum", "", "", "", "").message(), HasSubstr("needs its scope (thread_id)"));
  EXPECT_THAT(status("forum", "t1", "ann", "", "").message(), HasSubstr("not personal"));
  EXPECT_THAT(status("notifications", "", "", "", "").message(), HasSubstr("name the user"));
  EXPECT_THAT(status("notifications", "x", "ann", "", "").message(), HasSubstr("has no scope"));
  EXPECT_THAT(status("forum", std::string(300, 'x'), "", "", "").message(), HasSubstr("thread_id"));
  for (std::string_view since : {"now", "x", ":1", "a:", "a:b", "a:1:2"}) {
    EXPECT_THAT(status("forum", "t1", "", since, "").message(), HasSubstr("since")) << since;
  }
  for (std::string_view limit : {"0", "1001", "-1", "1e3", "ten", "99999999999999999999999"}) {
    EXPECT_THAT(status("forum", "t1", "", "", limit).message(), HasSubstr("limit")) << limit;
  }
}

TEST_F(HistoryQueryTest, WithoutSinceThePageIsTheNewestEventsOldestFirst) {
  for (int id = 1; id <= 5; ++id) Post(id);
  Post(99, "other");
  const HistoryPage page = Read("", "3");
  EXPECT_TRUE(page.complete);
  EXPECT_EQ(page.newest.seq, 5u);
  EXPECT_EQ(Seqs(page), (std::vector<uint64_t>{3, 4, 5}));
  EXPECT_EQ(page.events[0].info->type, "new_post");
  EXPECT_EQ(page.events[0].json,
            R"({"type":"new_post","thread_id":"t1","data":{"id":3,"content":"","author":""}})");
  EXPECT_TRUE(Read("").events.size() == 5);
}

TEST_F(HistoryQueryTest, AfterAPositionPagesContinueWithoutGapOrRepeat) {
  for (int id = 1; id <= 7; ++id) Post(id);
  const std::string epoch = Read("").newest.epoch;
  HistoryPage first = Read(epoch + ":0", "4");
  EXPECT_TRUE(first.complete);
  EXPECT_EQ(Seqs(first), (std::vector<uint64_t>{1, 2, 3, 4}));
  HistoryPage second = Read(first.events.back().position.ToString(), "4");
  EXPECT_EQ(Seqs(second), (std::vector<uint64_t>{5, 6, 7}));
  EXPECT_TRUE(Read(epoch + ":7").events.empty());
  EXPECT_TRUE(Read(epoch + ":7").complete);
}

TEST_F(HistoryQueryTest, APositionThatCannotBeContinuedFromIsNotComplete) {
  for (int id = 1; id <= 105; ++id) Post(id);  // forum keeps 100: 1..5 are trimmed
  const std::string epoch = Read("").newest.epoch;
  const HistoryPage trimmed = Read(epoch + ":2", "3");
  EXPECT_FALSE(trimmed.complete);
  EXPECT_EQ(Seqs(trimmed), (std::vector<uint64_t>{6, 7, 8}));
  // The oldest kept position continues exactly.
  EXPECT_TRUE(Read(epoch + ":5", "1").complete);
  const HistoryPage other_epoch = Read("gone:50", "1");
  EXPECT_FALSE(other_epoch.complete);
  EXPECT_EQ(Seqs(other_epoch), (std::vector<uint64_t>{6}));
  // A position beyond the newest (history lost and rewritten) is not trusted.
  EXPECT_FALSE(Read(epoch + ":500", "1").complete);
}

TEST_F(HistoryQueryTest, ThePageRendersAsTheRecoveryProtocolsEventItems) {
  Post(1);
  HistoryPage page = Read("");
  page.events[0].targets = {"ann", "b\"ob"};
  const std::string e = page.newest.epoch;
  EXPECT_EQ(
      RenderPageJson(page),
      R"({"position":")" + e + R"(:1","complete":true,"events":[{"position":")" + e +
          R"(:1","to":["ann","b\"ob"],"event":{"type":"new_post","thread_id":"t1","data":{"id":1,"content":"","author":""}}}]})");
  page.complete = false;
  page.events.clear();
  EXPECT_EQ(RenderPageJson(page), R"({"position":")" + e + R"(:1","complete":false,"events":[]})");
}

}  // namespace
}  // namespace pubsub::history_api
