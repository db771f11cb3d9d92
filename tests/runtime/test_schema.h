// Hand-built registry entries over tests/runtime/proto/runtime_test.proto,
// standing in for what protoc-gen-pubsub emits, so that the runtime's tests
// do not depend on the generator.
//
//   channel "rooms"  /ws/rooms/{room}  scope room  authenticated  event "kitchen" (Kitchen)
//   channel "lobby"  /ws/lobby                     authenticated  event "note"    (Note)
//   channel "inbox"  /ws/inbox                     personal       event "letter"  (Letter)
//   channel "staff"  /ws/staff                     role "admin"   (no events)
#ifndef PUBSUB_TESTS_RUNTIME_TEST_SCHEMA_H_
#define PUBSUB_TESTS_RUNTIME_TEST_SCHEMA_H_

#include "pubsub/registry.h"
#include "runtime_test.pb.h"

namespace pubsub_runtime_test {

extern const pubsub::ChannelInfo kRoomsChannel;
extern const pubsub::ChannelInfo kLobbyChannel;
extern const pubsub::ChannelInfo kInboxChannel;
extern const pubsub::ChannelInfo kStaffChannel;

extern const pubsub::EventInfo kKitchenEvent;
extern const pubsub::EventInfo kNoteEvent;
extern const pubsub::EventInfo kLetterEvent;

// Registers every channel and event above.
void RegisterTestSchema(pubsub::Registry& registry);

}  // namespace pubsub_runtime_test

#endif  // PUBSUB_TESTS_RUNTIME_TEST_SCHEMA_H_
