#include "test_schema.h"

#include <gtest/gtest.h>

#include "pubsub/internal/json_writer.h"

namespace pubsub_runtime_test {
namespace {

using google::protobuf::Message;
using pubsub::internal::JsonWriter;

void WriteKitchen(const Message& message, JsonWriter& w) {
  // Enough of the event for rendering tests; the generator's writers are
  // tested against protobuf's printer in tests/runtime/json.
  const auto& k = static_cast<const Kitchen&>(message);
  w.Raw("{\"type\":\"kitchen\",\"room\":");
  w.String(k.room());
  w.Raw(",\"i64\":");
  w.Int64(k.i64());
  w.Raw("}");
}

void WriteNote(const Message& message, JsonWriter& w) {
  const auto& note = static_cast<const Note&>(message);
  w.Raw("{\"type\":\"note\",\"text\":");
  w.String(note.text());
  w.Raw(",\"id\":");
  w.Int64AsNumber(note.id());
  w.Raw("}");
}

void WriteLetter(const Message& message, JsonWriter& w) {
  w.Raw("{\"type\":\"letter\",\"text\":");
  w.String(static_cast<const Letter&>(message).text());
  w.Raw("}");
}

std::string NoScope(const Message&) { return ""; }

}  // namespace

const pubsub::ChannelInfo kRoomsChannel{"rooms", "/ws/rooms/{room}", "room",
                                        pubsub::Access::kAuthenticated, ""};
const pubsub::ChannelInfo kLobbyChannel{"lobby", "/ws/lobby", "", pubsub::Access::kAuthenticated,
                                        ""};
const pubsub::ChannelInfo kInboxChannel{"inbox", "/ws/inbox", "", pubsub::Access::kPersonal, ""};
const pubsub::ChannelInfo kStaffChannel{"staff", "/ws/staff", "", pubsub::Access::kRole, "admin"};

const pubsub::EventInfo kKitchenEvent{
    "kitchen",
    &kRoomsChannel,
    &Kitchen::descriptor,
    []() -> const Message& { return Kitchen::default_instance(); },
    [](const Message& m) { return static_cast<const Kitchen&>(m).room(); },
    &WriteKitchen,
};
const pubsub::EventInfo kNoteEvent{
    "note",
    &kLobbyChannel,
    &Note::descriptor,
    []() -> const Message& { return Note::default_instance(); },
    &NoScope,
    &WriteNote,
};
const pubsub::EventInfo kLetterEvent{
    "letter",
    &kInboxChannel,
    &Letter::descriptor,
    []() -> const Message& { return Letter::default_instance(); },
    &NoScope,
    &WriteLetter,
};

void RegisterTestSchema(pubsub::Registry& registry) {
  for (const pubsub::ChannelInfo* channel :
       {&kRoomsChannel, &kLobbyChannel, &kInboxChannel, &kStaffChannel}) {
    ASSERT_TRUE(registry.AddChannel(*channel).ok());
  }
  for (const pubsub::EventInfo* event : {&kKitchenEvent, &kNoteEvent, &kLetterEvent}) {
    ASSERT_TRUE(registry.AddEvent(*event).ok());
  }
}

}  // namespace pubsub_runtime_test
