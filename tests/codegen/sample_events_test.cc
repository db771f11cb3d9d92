// The browser contract of the sample schema (DESIGN section 4): each event's
// generated JSON, byte for byte, and the registry entries built from the
// generated EventTraits/ChannelTraits.
#include <string>

#include "book_requests.pubsub.h"
#include "broadcasts.pubsub.h"
#include "comments.pubsub.h"
#include "forum.pubsub.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "notifications.pubsub.h"
#include "pubsub/registry.h"

namespace {

using google::protobuf::util::TimeUtil;

google::protobuf::Timestamp At(const std::string& rfc3339) {
  google::protobuf::Timestamp timestamp;
  EXPECT_TRUE(TimeUtil::FromString(rfc3339, &timestamp)) << rfc3339;
  return timestamp;
}

sample::NewComment SampleNewComment() {
  sample::NewComment event;
  event.set_track_id("42");
  sample::CommentData* data = event.mutable_data();
  data->set_id(7);
  data->set_content("Nice drop at 0:12 \xe2\x80\xa6 \"really\"");
  data->set_author("ann");
  data->set_timestamp(12.5);
  *data->mutable_created_at() = At("2026-11-25T10:00:00Z");
  return event;
}

TEST(SampleEventJsonTest, NewBroadcast) {
  sample::NewBroadcast event;
  sample::BroadcastData* data = event.mutable_data();
  data->set_id(1);
  data->set_title("Hi");
  data->set_content("Hello, everyone");
  data->set_author("ann");
  *data->mutable_created_at() = At("2026-11-25T10:00:00Z");
  EXPECT_EQ(sample::RenderJson(event),
            R"({"type":"new_broadcast","data":{"id":1,"title":"Hi","content":"Hello, everyone",)"
            R"("author":"ann","created_at":"2026-11-25T10:00:00Z"}})");
}

TEST(SampleEventJsonTest, NewCommentHasTheSeedsShape) {
  EXPECT_EQ(sample::RenderJson(SampleNewComment()),
            "{\"type\":\"new_comment\",\"track_id\":\"42\",\"data\":{\"id\":7,"
            "\"content\":\"Nice drop at 0:12 \xe2\x80\xa6 \\\"really\\\"\",\"author\":\"ann\","
            "\"timestamp\":12.5,\"created_at\":\"2026-11-25T10:00:00Z\"}}");
}

TEST(SampleEventJsonTest, CommentUpdated) {
  sample::CommentUpdated event;
  event.set_track_id("42");
  event.mutable_data()->set_id(7);
  event.mutable_data()->set_content("edited");
  EXPECT_EQ(sample::RenderJson(event),
            R"({"type":"comment_updated","track_id":"42","data":{"id":7,"content":"edited"}})");
}

TEST(SampleEventJsonTest, CommentDeleted) {
  sample::CommentDeleted event;
  event.set_track_id("42");
  event.mutable_data()->set_id(7);
  EXPECT_EQ(sample::RenderJson(event),
            R"({"type":"comment_deleted","track_id":"42","data":{"id":7}})");
}

TEST(SampleEventJsonTest, NewPost) {
  sample::NewPost event;
  event.set_thread_id("9");
  sample::PostData* data = event.mutable_data();
  data->set_id(3);
  data->set_content("First!");
  data->set_author("bob");
  *data->mutable_created_at() = At("2026-11-25T10:00:00.250Z");
  EXPECT_EQ(sample::RenderJson(event),
            R"({"type":"new_post","thread_id":"9","data":{"id":3,"content":"First!",)"
            R"("author":"bob","created_at":"2026-11-25T10:00:00.250Z"}})");
}

TEST(SampleEventJsonTest, RequestCreatedWritesStatusLowercase) {
  sample::RequestCreated event;
  event.mutable_data()->set_id(5);
  event.mutable_data()->set_title("Dune");
  event.mutable_data()->set_status(sample::REQUEST_STATUS_PENDING);
  EXPECT_EQ(sample::RenderJson(event),
            R"({"type":"request_created","data":{"id":5,"title":"Dune","status":"pending"}})");
}

TEST(SampleEventJsonTest, StatusUpdated) {
  sample::StatusUpdated event;
  event.mutable_data()->set_id(5);
  event.mutable_data()->set_status(sample::REQUEST_STATUS_APPROVED);
  event.mutable_data()->set_message("Your request 'Dune' is now approved");
  EXPECT_EQ(sample::RenderJson(event),
            R"({"type":"status_updated","data":{"id":5,"status":"approved",)"
            R"("message":"Your request 'Dune' is now approved"}})");
}

TEST(SampleEventJsonTest, NewRequest) {
  sample::NewRequest event;
  event.mutable_data()->set_id(5);
  event.mutable_data()->set_title("Dune");
  event.mutable_data()->set_user("carol");
  *event.mutable_data()->mutable_created_at() = At("2026-11-25T10:00:00Z");
  EXPECT_EQ(sample::RenderJson(event),
            R"({"type":"new_request","data":{"id":5,"title":"Dune","user":"carol",)"
            R"("created_at":"2026-11-25T10:00:00Z"}})");
}

TEST(SampleEventJsonTest, RequestUpdatedWithEveryStatus) {
  const std::pair<sample::RequestStatus, const char*> kStatuses[] = {
      {sample::REQUEST_STATUS_PENDING, "pending"},
      {sample::REQUEST_STATUS_APPROVED, "approved"},
      {sample::REQUEST_STATUS_REJECTED, "rejected"},
      {sample::REQUEST_STATUS_FULFILLED, "fulfilled"},
      {sample::REQUEST_STATUS_UNSPECIFIED, "unspecified"},
  };
  for (const auto& [status, text] : kStatuses) {
    sample::RequestUpdated event;
    event.mutable_data()->set_id(5);
    event.mutable_data()->set_status(status);
    EXPECT_EQ(
        sample::RenderJson(event),
        std::string(R"({"type":"request_updated","data":{"id":5,"status":")") + text + "\"}}");
  }
}

TEST(SampleEventJsonTest, PersonalNotificationsAreTopLevelText) {
  sample::PrivateMessage message;
  message.set_text("see you at 5");
  EXPECT_EQ(sample::RenderJson(message), R"({"type":"private_message","text":"see you at 5"})");
  sample::TeamNotification notification;
  notification.set_text("standup\nnow");
  EXPECT_EQ(sample::RenderJson(notification),
            R"({"type":"team_notification","text":"standup\nnow"})");
}

// Unset message fields are left out; scalars are always written.
TEST(SampleEventJsonTest, DefaultsFollowTheDocumentedRules) {
  EXPECT_EQ(sample::RenderJson(sample::NewComment()), R"({"type":"new_comment","track_id":""})");
  sample::NewComment with_empty_data;
  with_empty_data.mutable_data();
  EXPECT_EQ(sample::RenderJson(with_empty_data),
            R"({"type":"new_comment","track_id":"","data":{"id":0,"content":"","author":"",)"
            R"("timestamp":0}})");
}

TEST(SampleEventJsonTest, WriteEventJsonAppends) {
  std::string out = "[";
  pubsub::internal::JsonWriter writer(out);
  sample::WriteEventJson(sample::PrivateMessage(), writer);
  writer.Char(',');
  sample::WriteJson(sample::PrivateMessage(), writer);  // the object without "type"
  writer.Char(']');
  EXPECT_EQ(out, R"([{"type":"private_message","text":""},{"text":""}])");
}

TEST(SampleTraitsTest, ChannelInfoMirrorsTheSchema) {
  const pubsub::ChannelInfo& comments = pubsub::ChannelTraits<sample::TrackComments>::Info();
  EXPECT_EQ(comments.name, "track_comments");
  EXPECT_EQ(comments.path, "/ws/comments/{track_id}");
  EXPECT_EQ(comments.scope_field, "track_id");
  EXPECT_EQ(comments.access, pubsub::Access::kAuthenticated);

  const pubsub::ChannelInfo& admin = pubsub::ChannelTraits<sample::BookRequestsAdmin>::Info();
  EXPECT_EQ(admin.access, pubsub::Access::kRole);
  EXPECT_EQ(admin.role, "creator");
  EXPECT_EQ(admin.scope_field, "");

  EXPECT_EQ(pubsub::ChannelTraits<sample::Notifications>::Info().access, pubsub::Access::kPersonal);
}

TEST(SampleTraitsTest, EventInfoMirrorsTheSchema) {
  using Traits = pubsub::EventTraits<sample::NewComment>;
  static_assert(std::is_same_v<Traits::Channel, sample::TrackComments>);
  static_assert(
      std::is_same_v<pubsub::EventTraits<sample::NewRequest>::Channel, sample::BookRequestsAdmin>);
  const pubsub::EventInfo& info = Traits::Info();
  EXPECT_EQ(info.type, "new_comment");
  EXPECT_EQ(info.channel, &pubsub::ChannelTraits<sample::TrackComments>::Info());
  EXPECT_EQ(info.descriptor(), sample::NewComment::descriptor());
  EXPECT_EQ(&info.default_instance(), &sample::NewComment::default_instance());

  const sample::NewComment event = SampleNewComment();
  EXPECT_EQ(info.scope_value(event), "42");
  std::string out;
  pubsub::internal::JsonWriter writer(out);
  info.write_json(event, writer);
  EXPECT_EQ(out, sample::RenderJson(event));

  EXPECT_EQ(pubsub::EventTraits<sample::NewBroadcast>::Info().scope_value(sample::NewBroadcast()),
            "");
}

pubsub::Registry& SampleRegistry() {
  static pubsub::Registry* registry = [] {
    auto* r = new pubsub::Registry;
    EXPECT_TRUE(sample::RegisterBroadcastsSchema(*r).ok());
    EXPECT_TRUE(sample::RegisterCommentsSchema(*r).ok());
    EXPECT_TRUE(sample::RegisterForumSchema(*r).ok());
    EXPECT_TRUE(sample::RegisterBookRequestsSchema(*r).ok());
    EXPECT_TRUE(sample::RegisterNotificationsSchema(*r).ok());
    return r;
  }();
  return *registry;
}

TEST(SampleRegistryTest, EveryChannelAndEventIsRegistered) {
  const pubsub::Registry& registry = SampleRegistry();
  EXPECT_EQ(registry.channels().size(), 6u);
  EXPECT_EQ(registry.events().size(), 11u);
  for (const char* type : {"new_broadcast", "new_comment", "comment_updated", "comment_deleted",
                           "new_post", "request_created", "status_updated", "new_request",
                           "request_updated", "private_message", "team_notification"}) {
    EXPECT_NE(registry.FindEvent(type), nullptr) << type;
  }
  EXPECT_EQ(registry.FindEvent("new_post")->channel->name, "forum");
  EXPECT_EQ(registry.FindChannel("book_requests")->access, pubsub::Access::kPersonal);
}

TEST(SampleRegistryTest, RegisteringTwiceIsAnError) {
  pubsub::Registry registry;
  ASSERT_TRUE(sample::RegisterCommentsSchema(registry).ok());
  EXPECT_FALSE(sample::RegisterCommentsSchema(registry).ok());
}

TEST(SampleRegistryTest, RendersAndParsesThroughTheRegistry) {
  const pubsub::Registry& registry = SampleRegistry();
  const std::string json = sample::RenderJson(SampleNewComment());
  EXPECT_EQ(pubsub::Registry::RenderJson(*registry.FindEvent("new_comment"), SampleNewComment()),
            json);

  absl::StatusOr<pubsub::ParsedEvent> parsed = registry.ParseJson(json);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->info->type, "new_comment");
  EXPECT_EQ(pubsub::Registry::RenderJson(*parsed->info, *parsed->message), json);
}

}  // namespace
