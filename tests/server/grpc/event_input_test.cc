// Unit tests of the gRPC service's input rules (server/grpc/event_input.h,
// publisher_key.h) against the sample schema: the messages callers see.
#include "server/grpc/event_input.h"

#include <google/protobuf/any.pb.h>

#include "comments.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "notifications.pb.h"
#include "server/grpc/publisher_key.h"
#include "server/linked_schema.h"

namespace pubsub::gateway {
namespace {

using ::testing::HasSubstr;

constexpr std::string_view kComment =
    R"({"type":"new_comment","track_id":"42","data":{"id":7,"content":"hi","author":"ann",)"
    R"("timestamp":12.5,"created_at":"2026-11-25T10:00:00Z"}})";
constexpr std::string_view kCommentWithoutType =
    R"({"track_id":"42","data":{"id":7,"content":"hi","author":"ann",)"
    R"("timestamp":12.5,"created_at":"2026-11-25T10:00:00Z"}})";

class EventInputTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(RegisterLinkedSchema(registry_).ok()); }

  std::string Message(std::string_view type, std::string_view json) {
    auto event = ParseTypedJson(registry_, type, json);
    EXPECT_FALSE(event.ok());
    EXPECT_EQ(event.status().code(), absl::StatusCode::kInvalidArgument);
    return std::string(event.status().message());
  }

  Registry registry_;
};

TEST_F(EventInputTest, JsonWithTypeParses) {
  auto event = ParseTypedJson(registry_, "new_comment", kComment);
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->info->type, "new_comment");
  EXPECT_EQ(Registry::RenderJson(*event->info, *event->message), kComment);
}

TEST_F(EventInputTest, JsonWithoutTypeGetsIt) {
  auto event = ParseTypedJson(registry_, "new_comment", kCommentWithoutType);
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(Registry::RenderJson(*event->info, *event->message), kComment);
}

TEST_F(EventInputTest, EmptyObjectWithoutTypeStillNeedsItsScope) {
  EXPECT_THAT(Message("new_comment", " { } "), HasSubstr("track_id"));
  auto event = ParseTypedJson(registry_, "private_message", "{}");
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(Registry::RenderJson(*event->info, *event->message),
            R"({"type":"private_message","text":""})");
}

TEST_F(EventInputTest, ErrorsNameTheProblem) {
  EXPECT_THAT(Message("", kComment), HasSubstr("type: required"));
  EXPECT_THAT(Message("no_such_event", kComment),
              HasSubstr("unknown event type \"no_such_event\""));
  EXPECT_THAT(Message("comment_updated", kComment),
              HasSubstr(R"("type" is "new_comment", but type is "comment_updated")"));
  // A "type" that names no event at all still reads as a mismatch.
  EXPECT_THAT(Message("new_comment", R"({"type":"typo","track_id":"1"})"),
              HasSubstr(R"("type" is "typo", but type is "new_comment")"));
  EXPECT_THAT(Message("new_comment", R"({"track_id":"1","data":{"id":"x"}})"),
              HasSubstr("data.id"));
  EXPECT_THAT(Message("new_comment", R"({"track_id":"1","bogus":1})"), HasSubstr("bogus"));
  EXPECT_THAT(Message("new_comment", R"({"track_id":"","data":{}})"), HasSubstr("track_id"));
  EXPECT_FALSE(Message("new_comment", R"({"track_id":)").empty());
  EXPECT_FALSE(Message("new_comment", "[1,2]").empty());
  EXPECT_FALSE(Message("new_comment", "\"\xff\"").empty());
}

TEST_F(EventInputTest, PackedEventUnpacks) {
  EventMessageIndex index(registry_);
  sample::NewComment comment;
  comment.set_track_id("42");
  comment.mutable_data()->set_id(7);
  google::protobuf::Any any;
  any.PackFrom(comment);
  auto event = UnpackEvent(index, any.type_url(), any.value());
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->info->type, "new_comment");
  EXPECT_THAT(Registry::RenderJson(*event->info, *event->message),
              HasSubstr(R"("track_id":"42","data":{"id":7,)"));
}

TEST_F(EventInputTest, PackedNonEventsAreRefused) {
  EventMessageIndex index(registry_);
  google::protobuf::Any any;
  any.PackFrom(sample::CommentData());  // a message of the schema, but not an event
  auto event = UnpackEvent(index, any.type_url(), any.value());
  ASSERT_FALSE(event.ok());
  EXPECT_EQ(event.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(event.status().message(),
              HasSubstr("\"sample.CommentData\" is not the message of a registered event type"));

  EXPECT_THAT(UnpackEvent(index, "", "").status().message(), HasSubstr("malformed type URL"));
  EXPECT_THAT(UnpackEvent(index, "type.googleapis.com/", "").status().message(),
              HasSubstr("malformed type URL"));
  EXPECT_THAT(UnpackEvent(index, "type.googleapis.com/sample.NewComment", "\xff\xff\xff")
                  .status()
                  .message(),
              HasSubstr("not a valid sample.NewComment"));
}

TEST_F(EventInputTest, PackedStringsMustBeUtf8) {
  EventMessageIndex index(registry_);
  sample::PrivateMessage message;
  message.set_text("ok");
  std::string bytes = message.SerializeAsString();
  bytes.back() = '\xff';  // "o\xff": invalid UTF-8 in a proto3 string
  auto event = UnpackEvent(index, "type.googleapis.com/sample.PrivateMessage", bytes);
  EXPECT_EQ(event.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PublisherKeyPolicyTest, KeyIsRequiredWhenSet) {
  PublisherKeyPolicy policy{.key = "s3cret", .allow_without_key = true};
  EXPECT_TRUE(policy.Check("Bearer s3cret").ok());
  EXPECT_TRUE(policy.Check("bearer s3cret").ok());  // the scheme is case-insensitive
  EXPECT_EQ(policy.Check(std::nullopt).code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(policy.Check("Bearer wrong").code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(policy.Check("Bearer s3cre").code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(policy.Check("Bearer s3cret ").code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(policy.Check("s3cret").code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(policy.Check("").code(), absl::StatusCode::kUnauthenticated);
}

TEST(PublisherKeyPolicyTest, WithoutKeyOnlyDevelopmentModePublishes) {
  const PublisherKeyPolicy development{.key = "", .allow_without_key = true};
  EXPECT_TRUE(development.Check(std::nullopt).ok());
  const absl::Status refused = PublisherKeyPolicy{}.Check("Bearer anything");
  EXPECT_EQ(refused.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(refused.message(), HasSubstr("--publisher-key-file"));
}

}  // namespace
}  // namespace pubsub::gateway
