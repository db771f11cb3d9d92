// The generated typed publishers and subscribers over a real EmbeddedBus:
// scopes, personal topics, targets, dispatch by type, and robustness against
// envelopes the subscriber cannot use.
#include <optional>
#include <string>
#include <vector>

#include "broadcasts.pubsub.h"
#include "codegen_test/imports_channel.pubsub.h"
#include "codegen_test/kitchen.pubsub.h"
#include "comments.pubsub.h"
#include "gtest/gtest.h"
#include "notifications.pubsub.h"
#include "pubsub/embedded_bus.h"
#include "pubsub/envelope.pb.h"
#include "pubsub/publisher.h"

namespace {

// Records the outcome of one publish (EmbeddedBus completes synchronously).
struct Outcome {
  std::optional<absl::StatusOr<std::string>> result;
  pubsub::PublishCallback Callback() {
    return [this](absl::StatusOr<std::string> id) { result = std::move(id); };
  }
};

sample::NewComment Comment(const std::string& track, int64_t id, const std::string& text) {
  sample::NewComment event;
  event.set_track_id(track);
  event.mutable_data()->set_id(id);
  event.mutable_data()->set_content(text);
  return event;
}

class TypedApiTest : public testing::Test {
 protected:
  pubsub::EmbeddedBus bus_;
  pubsub::Publisher publisher_{bus_};
};

TEST_F(TypedApiTest, ScopedSubscriberReceivesOnlyItsScope) {
  std::vector<std::string> track42;
  std::vector<std::string> track43;
  pubsub::EventMeta last_meta;
  std::string last_topic;  // meta.topic is only valid during the call
  absl::Status ready = absl::UnknownError("not called");
  auto sub42 = sample::TrackCommentsSubscriber::Subscribe(
      bus_, "42",
      {.on_new_comment =
           [&](const sample::NewComment& event, const pubsub::EventMeta& meta) {
             track42.push_back(event.data().content());
             last_meta = meta;
             last_topic = meta.topic;
           }},
      [&](absl::Status status) { ready = status; });
  auto sub43 = sample::TrackCommentsSubscriber::Subscribe(
      bus_, "43",
      {.on_new_comment = [&](const sample::NewComment& event, const pubsub::EventMeta&) {
        track43.push_back(event.data().content());
      }});
  EXPECT_TRUE(ready.ok()) << ready;

  sample::TrackCommentsPublisher comments(publisher_);
  Outcome outcome;
  comments.Publish(Comment("42", 1, "hello 42"), outcome.Callback());
  comments.Publish(Comment("43", 2, "hello 43"));
  comments.Publish(Comment("42", 3, "again 42"));

  ASSERT_TRUE(outcome.result.has_value());
  ASSERT_TRUE(outcome.result->ok()) << outcome.result->status();
  EXPECT_EQ(track42, (std::vector<std::string>{"hello 42", "again 42"}));
  EXPECT_EQ(track43, (std::vector<std::string>{"hello 43"}));
  EXPECT_EQ(last_topic, "track_comments:42");
  EXPECT_TRUE(last_meta.target_user_ids.empty());
  EXPECT_GT(last_meta.publish_time_unix_nanos, 0);
}

TEST_F(TypedApiTest, EachEventTypeReachesItsOwnHandler) {
  std::vector<std::string> calls;
  auto sub = sample::TrackCommentsSubscriber::Subscribe(
      bus_, "7",
      {
          .on_new_comment = [&](const sample::NewComment&,
                                const pubsub::EventMeta&) { calls.push_back("new"); },
          .on_comment_updated =
              [&](const sample::CommentUpdated& event, const pubsub::EventMeta&) {
                calls.push_back("updated:" + event.data().content());
              },
          // on_comment_deleted left empty: those events are ignored.
      });
  sample::TrackCommentsPublisher comments(publisher_);
  sample::CommentUpdated updated;
  updated.set_track_id("7");
  updated.mutable_data()->set_content("v2");
  sample::CommentDeleted deleted;
  deleted.set_track_id("7");

  comments.Publish(Comment("7", 1, "v1"));
  comments.Publish(updated);
  comments.Publish(deleted);
  EXPECT_EQ(calls, (std::vector<std::string>{"new", "updated:v2"}));
}

TEST_F(TypedApiTest, EventIdsReachTheSubscriber) {
  std::string received_id;
  auto sub = sample::BroadcastsSubscriber::Subscribe(
      bus_, {.on_new_broadcast = [&](const sample::NewBroadcast&, const pubsub::EventMeta& meta) {
        received_id = meta.id;
      }});
  sample::BroadcastsPublisher broadcasts(publisher_);
  Outcome outcome;
  broadcasts.Publish(sample::NewBroadcast(), outcome.Callback());
  ASSERT_TRUE(outcome.result.has_value() && outcome.result->ok());
  EXPECT_EQ(received_id, **outcome.result);
  EXPECT_FALSE(received_id.empty());
}

TEST_F(TypedApiTest, TargetsTravelWithTheEvent) {
  std::vector<std::vector<std::string>> targets;
  auto sub = sample::BroadcastsSubscriber::Subscribe(
      bus_, {.on_new_broadcast = [&](const sample::NewBroadcast&, const pubsub::EventMeta& meta) {
        targets.push_back(meta.target_user_ids);
      }});
  sample::BroadcastsPublisher broadcasts(publisher_);
  broadcasts.Publish(sample::NewBroadcast(), {"alice", "bob"});
  broadcasts.PublishToUser("carol", sample::NewBroadcast());
  EXPECT_EQ(targets, (std::vector<std::vector<std::string>>{{"alice", "bob"}, {"carol"}}));
}

TEST_F(TypedApiTest, PersonalSubscriberHearsOnlyItsUser) {
  std::vector<std::string> alice;
  std::vector<std::string> bob;
  auto alice_sub = sample::NotificationsSubscriber::Subscribe(
      bus_, "alice",
      {.on_private_message = [&](const sample::PrivateMessage& message,
                                 const pubsub::EventMeta&) { alice.push_back(message.text()); },
       .on_team_notification =
           [&](const sample::TeamNotification& notification, const pubsub::EventMeta&) {
             alice.push_back("team:" + notification.text());
           }});
  auto bob_sub = sample::NotificationsSubscriber::Subscribe(
      bus_, "bob",
      {.on_team_notification = [&](const sample::TeamNotification& notification,
                                   const pubsub::EventMeta& meta) {
        bob.push_back("team:" + notification.text());
        EXPECT_EQ(meta.topic, "notifications@bob");
      }});

  sample::NotificationsPublisher notifications(publisher_);
  sample::PrivateMessage message;
  message.set_text("psst");
  notifications.PublishToUser("alice", message);
  sample::TeamNotification team;
  team.set_text("standup");
  Outcome outcome;
  notifications.Publish(team, {"alice", "bob"}, outcome.Callback());

  ASSERT_TRUE(outcome.result.has_value() && outcome.result->ok());
  EXPECT_EQ(alice, (std::vector<std::string>{"psst", "team:standup"}));
  EXPECT_EQ(bob, (std::vector<std::string>{"team:standup"}));
}

TEST_F(TypedApiTest, PersonalEventWithoutTargetsIsRefused) {
  sample::NotificationsPublisher notifications(publisher_);
  Outcome outcome;
  notifications.Publish(sample::PrivateMessage(), std::vector<std::string>{}, outcome.Callback());
  ASSERT_TRUE(outcome.result.has_value());
  EXPECT_EQ(outcome.result->status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(TypedApiTest, EmptyScopeIsRefused) {
  sample::TrackCommentsPublisher comments(publisher_);
  Outcome outcome;
  comments.Publish(Comment("", 1, "where?"), outcome.Callback());
  ASSERT_TRUE(outcome.result.has_value());
  EXPECT_EQ(outcome.result->status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(TypedApiTest, NothingArrivesAfterTheSubscriptionIsDestroyed) {
  int calls = 0;
  sample::BroadcastsPublisher broadcasts(publisher_);
  {
    auto sub = sample::BroadcastsSubscriber::Subscribe(
        bus_, {.on_new_broadcast = [&](const sample::NewBroadcast&, const pubsub::EventMeta&) {
          ++calls;
        }});
    broadcasts.Publish(sample::NewBroadcast());
  }
  broadcasts.Publish(sample::NewBroadcast());
  EXPECT_EQ(calls, 1);
}

// A bus carries untrusted bytes: garbage, unknown types and payloads that do
// not parse are skipped without a crash, and later events still arrive.
TEST_F(TypedApiTest, UnusableEnvelopesAreSkipped) {
  int calls = 0;
  auto sub = sample::TrackCommentsSubscriber::Subscribe(
      bus_, "42",
      {.on_new_comment = [&](const sample::NewComment&, const pubsub::EventMeta&) { ++calls; }});

  bus_.Publish("track_comments:42", std::string("\xff\xff\xff garbage", 12), nullptr);
  bus_.Publish("track_comments:42", "", nullptr);
  pubsub::Envelope unknown;
  unknown.set_id("x-1");
  unknown.set_type("mystery_event");
  unknown.set_payload(Comment("42", 1, "hidden").SerializeAsString());
  bus_.Publish("track_comments:42", unknown.SerializeAsString(), nullptr);
  pubsub::Envelope broken;
  broken.set_id("x-2");
  broken.set_type("new_comment");
  broken.set_payload("\x0a\xff\xff\xff\xff");  // a length that runs past the end
  bus_.Publish("track_comments:42", broken.SerializeAsString(), nullptr);
  EXPECT_EQ(calls, 0);

  sample::TrackCommentsPublisher(publisher_).Publish(Comment("42", 2, "real"));
  EXPECT_EQ(calls, 1);
}

// The test schema's "rooms" channel is scoped by an int64: its topic uses the
// decimal text, and an event declared in an importing file is published
// through the untyped Publisher with its traits.
TEST_F(TypedApiTest, IntegerScopeAndAnEventFromAnImportingFile) {
  std::vector<std::string> notes;
  auto sub = codegen_test::RoomsSubscriber::Subscribe(
      bus_, "-5",
      {.on_room_event =
           [&](const codegen_test::RoomEvent& event, const pubsub::EventMeta& meta) {
             notes.push_back(event.note());
             EXPECT_EQ(meta.topic, "rooms:-5");
           },
       .on_room_closed = [&](const codegen_test::RoomClosed&,
                             const pubsub::EventMeta&) { notes.push_back("closed"); }});

  codegen_test::RoomsPublisher rooms(publisher_);
  codegen_test::RoomEvent event;
  event.set_room_id(-5);
  event.set_note("hi");
  rooms.Publish(event);
  event.set_room_id(6);
  rooms.Publish(event);  // another room

  static_assert(
      std::is_same_v<pubsub::EventTraits<codegen_test::more::Knock>::Channel, codegen_test::Rooms>);
  codegen_test::more::Knock knock;
  knock.set_room_id(-5);
  Outcome outcome;
  publisher_.Publish(pubsub::EventTraits<codegen_test::more::Knock>::Info(), knock, {},
                     outcome.Callback());
  ASSERT_TRUE(outcome.result.has_value() && outcome.result->ok());
  EXPECT_EQ(notes, (std::vector<std::string>{"hi"}));  // knock: no typed handler, skipped
}

}  // namespace
