#include "schema.h"

#include <functional>

namespace pubsub::codegen {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FileDescriptor;

void CollectMessages(const Descriptor* message, std::vector<const Descriptor*>& out) {
  if (message->options().map_entry()) return;
  out.push_back(message);
  for (int i = 0; i < message->nested_type_count(); ++i) {
    CollectMessages(message->nested_type(i), out);
  }
}

}  // namespace

std::set<const FileDescriptor*> VisibleFiles(const FileDescriptor* file) {
  std::set<const FileDescriptor*> visible;
  std::vector<const FileDescriptor*> stack = {file};
  while (!stack.empty()) {
    const FileDescriptor* next = stack.back();
    stack.pop_back();
    if (!visible.insert(next).second) continue;
    for (int i = 0; i < next->dependency_count(); ++i) stack.push_back(next->dependency(i));
  }
  return visible;
}

bool IsChannel(const Descriptor* message) {
  return message->options().HasExtension(pubsub::channel);
}

bool IsEvent(const Descriptor* message) { return message->options().HasExtension(pubsub::event); }

std::vector<const Descriptor*> AllMessages(const FileDescriptor* file) {
  std::vector<const Descriptor*> messages;
  for (int i = 0; i < file->message_type_count(); ++i) {
    CollectMessages(file->message_type(i), messages);
  }
  return messages;
}

std::vector<const EnumDescriptor*> AllEnums(const FileDescriptor* file) {
  std::vector<const EnumDescriptor*> enums;
  for (int i = 0; i < file->enum_type_count(); ++i) enums.push_back(file->enum_type(i));
  for (const Descriptor* message : AllMessages(file)) {
    for (int i = 0; i < message->enum_type_count(); ++i) enums.push_back(message->enum_type(i));
  }
  return enums;
}

Schema Schema::Build(const std::vector<const FileDescriptor*>& files) {
  Schema schema;
  schema.files_ = files;

  std::set<const FileDescriptor*> seen;
  std::function<void(const FileDescriptor*)> add = [&](const FileDescriptor* file) {
    if (!seen.insert(file).second) return;
    for (int i = 0; i < file->dependency_count(); ++i) add(file->dependency(i));
    schema.universe_.push_back(file);
  };
  for (const FileDescriptor* file : files) add(file);

  for (const FileDescriptor* file : schema.universe_) {
    for (const Descriptor* message : AllMessages(file)) {
      if (IsChannel(message)) {
        schema.channels_.push_back(
            Channel{message, message->options().GetExtension(pubsub::channel)});
      }
      if (IsEvent(message)) {
        schema.events_.push_back(Event{message, message->options().GetExtension(pubsub::event)});
      }
    }
  }

  // Resolve each event's channel among the files its own file can see.
  std::map<const FileDescriptor*, std::set<const FileDescriptor*>> visible_cache;
  for (Event& event : schema.events_) {
    const FileDescriptor* file = event.message->file();
    auto [it, inserted] = visible_cache.try_emplace(file);
    if (inserted) it->second = VisibleFiles(file);
    for (const Channel& channel : schema.channels_) {
      if (channel.options.name() == event.options.channel() && !event.options.channel().empty() &&
          it->second.count(channel.message->file()) > 0) {
        event.channel = &channel;
        break;
      }
    }
    if (event.channel != nullptr && !event.channel->options.scope().empty()) {
      event.scope_field = event.message->FindFieldByName(event.channel->options.scope());
    }
  }
  return schema;
}

std::vector<const Channel*> Schema::ChannelsOf(const FileDescriptor* file) const {
  std::vector<const Channel*> result;
  for (const Channel& channel : channels_) {
    if (channel.message->file() == file) result.push_back(&channel);
  }
  return result;
}

std::vector<const Event*> Schema::EventsOf(const FileDescriptor* file) const {
  std::vector<const Event*> result;
  for (const Event& event : events_) {
    if (event.message->file() == file) result.push_back(&event);
  }
  return result;
}

const Channel* Schema::FindChannelAnywhere(const std::string& name) const {
  for (const Channel& channel : channels_) {
    if (channel.options.name() == name) return &channel;
  }
  return nullptr;
}

}  // namespace pubsub::codegen
