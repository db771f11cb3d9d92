// Schema: the channels and events declared with pubsub's options in a set of
// .proto files, read once (GetExtension) into plain structs that the
// validator and the emitters share.
//
//   Schema schema = Schema::Build(files);   // files of one protoc run
//   for (const Event* event : schema.EventsOf(file)) { ... event->channel ... }
#ifndef PUBSUB_CODEGEN_SCHEMA_H_
#define PUBSUB_CODEGEN_SCHEMA_H_

#include <deque>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "pubsub/options.pb.h"

namespace pubsub::codegen {

struct Channel {
  const google::protobuf::Descriptor* message = nullptr;
  pubsub::ChannelOptions options;
};

struct Event {
  const google::protobuf::Descriptor* message = nullptr;
  pubsub::EventOptions options;
  // The channel named by options.channel() that the event's file can see
  // (declared in it or in a file it imports); null when there is none.
  const Channel* channel = nullptr;
  // The channel's scope field in this event; null when unscoped or missing.
  const google::protobuf::FieldDescriptor* scope_field = nullptr;
};

// True for messages that carry (pubsub.channel) / (pubsub.event).
bool IsChannel(const google::protobuf::Descriptor* message);
bool IsEvent(const google::protobuf::Descriptor* message);

// Every message of `file` in declaration order, nested ones after their
// parent; map-entry messages excluded.
std::vector<const google::protobuf::Descriptor*> AllMessages(
    const google::protobuf::FileDescriptor* file);
// Every enum of `file`, top-level and nested, in declaration order.
std::vector<const google::protobuf::EnumDescriptor*> AllEnums(
    const google::protobuf::FileDescriptor* file);

// `file` and everything it imports, transitively.
std::set<const google::protobuf::FileDescriptor*> VisibleFiles(
    const google::protobuf::FileDescriptor* file);

class Schema {
 public:
  // Reads `files` (the files to generate) and everything they import.
  static Schema Build(const std::vector<const google::protobuf::FileDescriptor*>& files);

  Schema(Schema&&) = default;

  // The files to generate, in protoc's order.
  const std::vector<const google::protobuf::FileDescriptor*>& files() const { return files_; }
  // The files to generate and their transitive imports, imports first.
  const std::vector<const google::protobuf::FileDescriptor*>& universe() const { return universe_; }

  // Declaration order within a file.
  std::vector<const Channel*> ChannelsOf(const google::protobuf::FileDescriptor* file) const;
  std::vector<const Event*> EventsOf(const google::protobuf::FileDescriptor* file) const;
  // Every channel / event in the universe, files in universe() order.
  const std::deque<Channel>& channels() const { return channels_; }
  const std::deque<Event>& events() const { return events_; }

  // A channel named `name` declared in any file of the universe (for error
  // messages about channels a file cannot see).
  const Channel* FindChannelAnywhere(const std::string& name) const;

 private:
  Schema() = default;

  std::vector<const google::protobuf::FileDescriptor*> files_;
  std::vector<const google::protobuf::FileDescriptor*> universe_;
  std::deque<Channel> channels_;
  std::deque<Event> events_;
};

}  // namespace pubsub::codegen

#endif  // PUBSUB_CODEGEN_SCHEMA_H_
