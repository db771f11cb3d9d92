#include "pubsub/schema.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "test_schema.h"

namespace pubsub {
namespace {

using ::testing::HasSubstr;
using namespace pubsub_runtime_test;

absl::Status RegisterRoomsAndLobby(Registry& registry) {
  for (const ChannelInfo* c : {&kRoomsChannel, &kLobbyChannel}) {
    if (auto s = registry.AddChannel(*c); !s.ok()) return s;
  }
  for (const EventInfo* e : {&kKitchenEvent, &kNoteEvent}) {
    if (auto s = registry.AddEvent(*e); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status RegisterInbox(Registry& registry) {
  if (auto s = registry.AddChannel(kInboxChannel); !s.ok()) return s;
  return registry.AddEvent(kLetterEvent);
}

// A second library whose channel reuses the lobby's path.
const ChannelInfo kOtherLobby{"other_lobby", "/ws/lobby", "", Access::kAuthenticated, ""};
absl::Status RegisterOtherLobby(Registry& registry) { return registry.AddChannel(kOtherLobby); }

// A library that is broken on its own: an event before its channel.
absl::Status RegisterBroken(Registry& registry) { return registry.AddEvent(kLetterEvent); }

TEST(RegisterSchemasTest, LibrariesThatDoNotCollideCombine) {
  Registry registry;
  const Schema schemas[] = {{"rooms", &RegisterRoomsAndLobby}, {"mail", &RegisterInbox}};
  ASSERT_TRUE(RegisterSchemas(registry, schemas).ok());
  EXPECT_EQ(registry.channels().size(), 3u);
  EXPECT_NE(registry.FindEvent("letter"), nullptr);
}

TEST(RegisterSchemasTest, ACollisionNamesBothLibrariesAndRegistersNothingOfTheSecond) {
  Registry registry;
  const Schema schemas[] = {{"rooms", &RegisterRoomsAndLobby}, {"lobby2", &RegisterOtherLobby}};
  const absl::Status status = RegisterSchemas(registry, schemas);
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(status.message(),
            "schema \"lobby2\": channel \"other_lobby\" (/ws/lobby) is already declared by schema "
            "\"rooms\"");
  EXPECT_EQ(registry.FindChannel("other_lobby"), nullptr);
}

TEST(RegisterSchemasTest, TheSameEventTypeInTwoLibrariesIsRefused) {
  Registry registry;
  const Schema schemas[] = {{"mail", &RegisterInbox}, {"mail_again", &RegisterInbox}};
  const absl::Status status = RegisterSchemas(registry, schemas);
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(status.message(), HasSubstr("schema \"mail_again\": channel \"inbox\""));
  EXPECT_THAT(status.message(), HasSubstr("already declared by schema \"mail\""));
}

TEST(RegisterSchemasTest, AnErrorInsideOneLibraryNamesIt) {
  Registry registry;
  const Schema schemas[] = {{"broken", &RegisterBroken}};
  const absl::Status status = RegisterSchemas(registry, schemas);
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr("schema \"broken\": event type \"letter\""));
}

}  // namespace
}  // namespace pubsub
