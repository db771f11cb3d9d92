// Registry: registration rules, lookups, decoding, unpacking and rendering.
#include "pubsub/registry.h"

#include <google/protobuf/any.pb.h>
#include <gtest/gtest.h>

#include "test_schema.h"

namespace pubsub_runtime_test {
namespace {

using pubsub::Registry;

TEST(RegistryTest, FindsWhatWasRegistered) {
  Registry registry;
  RegisterTestSchema(registry);
  EXPECT_EQ(registry.FindEvent("kitchen"), &kKitchenEvent);
  EXPECT_EQ(registry.FindEvent("letter"), &kLetterEvent);
  EXPECT_EQ(registry.FindEvent("nope"), nullptr);
  EXPECT_EQ(registry.FindEvent(""), nullptr);
  EXPECT_EQ(registry.FindChannel("rooms"), &kRoomsChannel);
  EXPECT_EQ(registry.FindChannel("staff"), &kStaffChannel);
  EXPECT_EQ(registry.FindChannel("kitchen"), nullptr);
  ASSERT_EQ(registry.channels().size(), 4u);
  EXPECT_EQ(registry.channels()[0], &kRoomsChannel);  // registration order
  ASSERT_EQ(registry.events().size(), 3u);
  EXPECT_EQ(registry.events()[2], &kLetterEvent);
}

TEST(RegistryTest, RefusesDuplicateChannelNameOrPath) {
  Registry registry;
  ASSERT_TRUE(registry.AddChannel(kRoomsChannel).ok());
  const pubsub::ChannelInfo same_name{"rooms", "/ws/other", "", pubsub::Access::kAuthenticated, ""};
  absl::Status status = registry.AddChannel(same_name);
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(status.message(), "channel \"rooms\" is already registered");

  const pubsub::ChannelInfo same_path{"rooms2", "/ws/rooms/{room}", "room",
                                      pubsub::Access::kAuthenticated, ""};
  status = registry.AddChannel(same_path);
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(status.message(),
            "channel \"rooms2\": path \"/ws/rooms/{room}\" is already used by channel \"rooms\"");
  EXPECT_EQ(registry.channels().size(), 1u);
}

TEST(RegistryTest, RefusesDuplicateTypeAndUnregisteredChannel) {
  Registry registry;
  absl::Status status = registry.AddEvent(kNoteEvent);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "event type \"note\": its channel \"lobby\" is not registered");

  ASSERT_TRUE(registry.AddChannel(kLobbyChannel).ok());
  ASSERT_TRUE(registry.AddEvent(kNoteEvent).ok());
  status = registry.AddEvent(kNoteEvent);
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(status.message(), "event type \"note\" is already registered");
  EXPECT_EQ(registry.events().size(), 1u);
}

TEST(RegistryTest, RefusesASecondEventOfTheSameMessage) {
  // A packed message names its event by message type: that must be unique.
  Registry registry;
  RegisterTestSchema(registry);
  const pubsub::EventInfo memo{"memo",
                               &kLobbyChannel,
                               kNoteEvent.descriptor,
                               kNoteEvent.default_instance,
                               kNoteEvent.scope_value,
                               kNoteEvent.write_json};
  absl::Status status = registry.AddEvent(memo);
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(status.message(),
            "event type \"memo\": its message pubsub_runtime_test.Note is already event type "
            "\"note\"");
  EXPECT_EQ(registry.FindEvent("memo"), nullptr);
}

TEST(RegistryTest, FindsEventsByMessageName) {
  Registry registry;
  RegisterTestSchema(registry);
  EXPECT_EQ(registry.FindEventByMessageName("pubsub_runtime_test.Kitchen"), &kKitchenEvent);
  EXPECT_EQ(registry.FindEventByMessageName("pubsub_runtime_test.Letter"), &kLetterEvent);
  EXPECT_EQ(registry.FindEventByMessageName("pubsub_runtime_test.Inner"), nullptr);
  EXPECT_EQ(registry.FindEventByMessageName("Kitchen"), nullptr);
  EXPECT_EQ(registry.FindEventByMessageName(""), nullptr);
}

TEST(RegistryTest, UnpacksPackedEvents) {
  Registry registry;
  RegisterTestSchema(registry);
  Note note;
  note.set_text("packed");
  note.set_id(3);
  google::protobuf::Any any;
  any.PackFrom(note);
  auto event = registry.Unpack(any.type_url(), any.value());
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->info, &kNoteEvent);
  EXPECT_EQ(Registry::RenderJson(*event->info, *event->message),
            R"({"type":"note","text":"packed","id":3})");
  // Any URL prefix will do: only the name after the last '/' counts.
  event = registry.Unpack("example.com/x/pubsub_runtime_test.Note", any.value());
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->info, &kNoteEvent);
  // Scope checks are the publisher's: an empty room unpacks.
  event = registry.Unpack("type.googleapis.com/pubsub_runtime_test.Kitchen", "");
  ASSERT_TRUE(event.ok()) << event.status();
  EXPECT_EQ(event->info, &kKitchenEvent);
}

TEST(RegistryTest, UnpackErrorsNameTheProblem) {
  Registry registry;
  RegisterTestSchema(registry);
  auto message = [&](std::string_view url, std::string_view bytes) {
    auto event = registry.Unpack(url, bytes);
    EXPECT_EQ(event.status().code(), absl::StatusCode::kInvalidArgument);
    return std::string(event.status().message());
  };
  EXPECT_EQ(
      message("", ""),
      R"(message: malformed type URL "" (expected e.g. "type.googleapis.com/sample.NewComment"))");
  EXPECT_EQ(message("pubsub_runtime_test.Note", ""),
            R"(message: malformed type URL "pubsub_runtime_test.Note" (expected e.g. )"
            R"("type.googleapis.com/sample.NewComment"))");
  EXPECT_EQ(message("type.googleapis.com/", ""),
            R"(message: malformed type URL "type.googleapis.com/" (expected e.g. )"
            R"("type.googleapis.com/sample.NewComment"))");
  EXPECT_EQ(
      message("type.googleapis.com/pubsub_runtime_test.Inner", ""),
      R"(message: "pubsub_runtime_test.Inner" is not the message of a registered event type)");
  EXPECT_EQ(message("type.googleapis.com/pubsub_runtime_test.Note", "\xff\xff\xff"),
            "message: the bytes are not a valid pubsub_runtime_test.Note (malformed, or a string "
            "field holds invalid UTF-8)");
  Note note;
  note.set_text("ok");
  std::string bytes = note.SerializeAsString();
  bytes.back() = '\xff';  // "o\xff": invalid UTF-8 in a proto3 string
  EXPECT_EQ(message("type.googleapis.com/pubsub_runtime_test.Note", bytes),
            "message: the bytes are not a valid pubsub_runtime_test.Note (malformed, or a string "
            "field holds invalid UTF-8)");
}

TEST(RegistryTest, DecodesPayloads) {
  Registry registry;
  RegisterTestSchema(registry);
  Note note;
  note.set_text("hello");
  note.set_id(7);
  auto decoded = registry.Decode(kNoteEvent, note.SerializeAsString());
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ((*decoded)->GetDescriptor(), Note::descriptor());
  EXPECT_EQ(static_cast<const Note&>(**decoded).text(), "hello");
  EXPECT_EQ(static_cast<const Note&>(**decoded).id(), 7);

  auto empty = registry.Decode(kNoteEvent, "");
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(static_cast<const Note&>(**empty).text(), "");

  auto bad = registry.Decode(kNoteEvent, "\xff\xff\xff");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "payload is not a valid pubsub_runtime_test.Note");
}

TEST(RegistryTest, RendersWithTheEventsWriter) {
  Note note;
  note.set_text("a \"quoted\"\nline");
  note.set_id(42);
  EXPECT_EQ(Registry::RenderJson(kNoteEvent, note),
            R"({"type":"note","text":"a \"quoted\"\nline","id":42})");
  Note big;
  big.set_text(std::string(10000, 'x'));
  EXPECT_EQ(Registry::RenderJson(kNoteEvent, big).size(), 10000u + 32u);
}

}  // namespace
}  // namespace pubsub_runtime_test
