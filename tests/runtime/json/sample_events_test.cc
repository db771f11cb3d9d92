// The browser JSON of every sample event (schema/examples, DESIGN section 4),
// written out by hand: exactly the shapes the seed's browser code parses.
// Each is checked three ways: the generated RenderJson, Registry::RenderJson
// by type string, and Registry::ParseJson of the expected text back into the
// same message.
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "book_requests.pubsub.h"
#include "broadcasts.pubsub.h"
#include "comments.pubsub.h"
#include "forum.pubsub.h"
#include "notifications.pubsub.h"
#include "pubsub/registry.h"

namespace sample {
namespace {

using google::protobuf::util::MessageDifferencer;

constexpr int64_t kNov25At10 = 1795600800;  // 2026-11-25T10:00:00Z

class SampleEventsTest : public ::testing::Test {
 protected:
  SampleEventsTest() {
    for (auto* reg : {&RegisterBroadcastsSchema, &RegisterCommentsSchema, &RegisterForumSchema,
                      &RegisterBookRequestsSchema, &RegisterNotificationsSchema}) {
      const absl::Status status = reg(registry_);
      EXPECT_TRUE(status.ok()) << status;
    }
  }

  template <class E>
  void Check(const E& event, std::string_view expected) {
    EXPECT_EQ(RenderJson(event), expected);
    const pubsub::EventInfo& info = pubsub::EventTraits<E>::Info();
    ASSERT_EQ(registry_.FindEvent(info.type), &info);
    EXPECT_EQ(pubsub::Registry::RenderJson(info, event), expected);
    auto parsed = registry_.ParseJson(expected);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_EQ(parsed->info, &info);
    EXPECT_TRUE(MessageDifferencer::Equals(*parsed->message, event))
        << parsed->message->ShortDebugString() << "\nvs\n"
        << event.ShortDebugString();
  }

  pubsub::Registry registry_;
};

TEST_F(SampleEventsTest, NewBroadcast) {
  NewBroadcast event;
  BroadcastData* data = event.mutable_data();
  data->set_id(1);
  data->set_title("Hi");
  data->set_content("Welcome to the \"new\" site\n");
  data->set_author("ann");
  data->mutable_created_at()->set_seconds(kNov25At10);
  Check(event, R"({"type":"new_broadcast","data":{"id":1,"title":"Hi",)"
               R"("content":"Welcome to the \"new\" site\n","author":"ann",)"
               R"("created_at":"2026-11-25T10:00:00Z"}})");
}

TEST_F(SampleEventsTest, NewComment) {
  NewComment event;
  event.set_track_id("42");
  CommentData* data = event.mutable_data();
  data->set_id(7);
  data->set_content("\u2026");
  data->set_author("ann");
  data->set_timestamp(12.5);
  data->mutable_created_at()->set_seconds(kNov25At10);
  // DESIGN section 2, byte for byte.
  Check(event,
        "{\"type\":\"new_comment\",\"track_id\":\"42\",\"data\":{\"id\":7,\"content\":\"\u2026\","
        "\"author\":\"ann\",\"timestamp\":12.5,\"created_at\":\"2026-11-25T10:00:00Z\"}}");
}

TEST_F(SampleEventsTest, CommentUpdatedAndDeleted) {
  CommentUpdated updated;
  updated.set_track_id("42");
  updated.mutable_data()->set_id(7);
  updated.mutable_data()->set_content("edited \U0001F600");
  Check(updated,
        "{\"type\":\"comment_updated\",\"track_id\":\"42\",\"data\":{\"id\":7,"
        "\"content\":\"edited \U0001F600\"}}");

  CommentDeleted deleted;
  deleted.set_track_id("42");
  deleted.mutable_data()->set_id(7);
  Check(deleted, R"({"type":"comment_deleted","track_id":"42","data":{"id":7}})");
}

TEST_F(SampleEventsTest, NewPost) {
  NewPost event;
  event.set_thread_id("9");
  PostData* data = event.mutable_data();
  data->set_id(3);
  data->set_content("First!");
  data->set_author("bob");
  data->mutable_created_at()->set_seconds(kNov25At10);
  data->mutable_created_at()->set_nanos(250000000);
  Check(event, R"({"type":"new_post","thread_id":"9","data":{"id":3,"content":"First!",)"
               R"("author":"bob","created_at":"2026-11-25T10:00:00.250Z"}})");
}

TEST_F(SampleEventsTest, BookRequestEvents) {
  RequestCreated created;
  created.mutable_data()->set_id(5);
  created.mutable_data()->set_title("Dune");
  created.mutable_data()->set_status(REQUEST_STATUS_PENDING);
  Check(created, R"({"type":"request_created","data":{"id":5,"title":"Dune","status":"pending"}})");

  StatusUpdated status;
  status.mutable_data()->set_id(5);
  status.mutable_data()->set_status(REQUEST_STATUS_APPROVED);
  status.mutable_data()->set_message("Your request 'Dune' is now approved");
  Check(status, R"({"type":"status_updated","data":{"id":5,"status":"approved",)"
                R"("message":"Your request 'Dune' is now approved"}})");

  NewRequest request;
  request.mutable_data()->set_id(5);
  request.mutable_data()->set_title("Dune");
  request.mutable_data()->set_user("carol");
  request.mutable_data()->mutable_created_at()->set_seconds(kNov25At10);
  Check(request, R"({"type":"new_request","data":{"id":5,"title":"Dune","user":"carol",)"
                 R"("created_at":"2026-11-25T10:00:00Z"}})");

  RequestUpdated updated;
  updated.mutable_data()->set_id(5);
  updated.mutable_data()->set_status(REQUEST_STATUS_FULFILLED);
  Check(updated, R"({"type":"request_updated","data":{"id":5,"status":"fulfilled"}})");
  updated.mutable_data()->set_status(REQUEST_STATUS_REJECTED);
  Check(updated, R"({"type":"request_updated","data":{"id":5,"status":"rejected"}})");
}

TEST_F(SampleEventsTest, Notifications) {
  PrivateMessage message;
  message.set_text("hello");
  Check(message, R"({"type":"private_message","text":"hello"})");
  TeamNotification team;
  team.set_text("standup in 5 \u2028 min\t!");
  Check(team, R"({"type":"team_notification","text":"standup in 5 \u2028 min\t!"})");
}

TEST_F(SampleEventsTest, UnsetAndDefaultValues) {
  // An unset `data` is left out; a set one writes every scalar, defaults too,
  // and leaves out an unset created_at.
  NewComment event;
  event.set_track_id("42");
  Check(event, R"({"type":"new_comment","track_id":"42"})");
  event.mutable_data();
  Check(event, R"({"type":"new_comment","track_id":"42","data":{"id":0,"content":"","author":"",)"
               R"("timestamp":0}})");
  RequestCreated created;
  created.mutable_data();
  Check(created, R"({"type":"request_created","data":{"id":0,"title":"","status":"unspecified"}})");
}

TEST_F(SampleEventsTest, IdsAreNumbersEvenWhenLarge) {
  CommentDeleted deleted;
  deleted.set_track_id("1");
  deleted.mutable_data()->set_id(9007199254740993);  // beyond 2^53: still a number, as documented
  Check(deleted, R"({"type":"comment_deleted","track_id":"1","data":{"id":9007199254740993}})");
  deleted.mutable_data()->set_id(-1);
  Check(deleted, R"({"type":"comment_deleted","track_id":"1","data":{"id":-1}})");
}

TEST_F(SampleEventsTest, EverySampleTypeIsRegistered) {
  std::vector<std::string> types;
  for (const pubsub::EventInfo* info : registry_.events()) types.emplace_back(info->type);
  std::sort(types.begin(), types.end());
  EXPECT_EQ(types, (std::vector<std::string>{
                       "comment_deleted", "comment_updated", "new_broadcast", "new_comment",
                       "new_post", "new_request", "private_message", "request_created",
                       "request_updated", "status_updated", "team_notification"}));
  EXPECT_EQ(registry_.channels().size(), 6u);
}

}  // namespace
}  // namespace sample
