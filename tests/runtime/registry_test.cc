// Registry: registration rules, lookups, decoding and rendering.
#include "pubsub/registry.h"

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
