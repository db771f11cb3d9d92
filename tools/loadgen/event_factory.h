// EventFactory: the events the load generator publishes, in each publishing
// path's form (typed protobuf message for Redis and gRPC; the browser JSON
// for HTTP), for the channel that --path names.
//
//   EventFactory factory(options);
//   EventSpec spec{.seq = 7, .send_unix_nanos = NowUnixNanos(), .scope = 3};
//   std::string body = factory.JsonBody(spec);     // {"type":"new_comment","track_id":"3",...}
//   auto message = factory.Typed(spec);            // sample::NewComment
//
// Scope values are the decimal scope index ("3"); user ids are "u<index>".
#ifndef PUBSUB_TOOLS_LOADGEN_EVENT_FACTORY_H_
#define PUBSUB_TOOLS_LOADGEN_EVENT_FACTORY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tools/loadgen/options.h"

namespace google::protobuf {
class Message;
}

namespace pubsub::loadgen {

// One event to publish: its sequence number, send time, and where it goes.
struct EventSpec {
  uint64_t seq = 0;
  int64_t send_unix_nanos = 0;
  uint32_t scope = 0;  // scoped channels: the scope index
  uint32_t user = 0;   // personal channel: the user index (u<user>)
};

std::string UserId(uint32_t user);

class EventFactory {
 public:
  explicit EventFactory(const Options& options)
      : kind_(options.kind), payload_bytes_(options.payload_bytes) {}

  ChannelKind kind() const { return kind_; }
  // The text field: the loadgen marker padded to --payload-bytes.
  std::string Text(const EventSpec& event) const;
  // The event as browsers receive it (the body of POST /api/publish).
  std::string JsonBody(const EventSpec& event) const;
  // "/api/publish", with "?to=u<user>" on the personal channel.
  std::string HttpTarget(const EventSpec& event) const;
  // The typed sample-schema message (NewBroadcast, NewComment, NewPost, PrivateMessage).
  std::unique_ptr<google::protobuf::Message> Typed(const EventSpec& event) const;
  // Target users: the one user on the personal channel, else none.
  std::vector<std::string> Targets(const EventSpec& event) const;

 private:
  ChannelKind kind_;
  uint32_t payload_bytes_;
};

}  // namespace pubsub::loadgen

#endif  // PUBSUB_TOOLS_LOADGEN_EVENT_FACTORY_H_
