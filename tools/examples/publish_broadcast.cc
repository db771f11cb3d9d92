// The ten lines a C++ service writes to publish a typed event: the generated
// sample::BroadcastsPublisher over a RedisBus, straight to Redis. Every
// gateway replica on that Redis delivers it to its /ws/broadcasts clients.
//
//   publish_broadcast redis://127.0.0.1:6379 "Hello" "The site is back up"
//
// Publishing a NewComment here would not compile: BroadcastsPublisher only
// takes the broadcasts channel's events.
#include <chrono>
#include <cstdio>
#include <future>
#include <string>

#include <google/protobuf/util/time_util.h>

#include "broadcasts.pubsub.h"  // generated from schema/examples/broadcasts.proto
#include "pubsub/publisher.h"
#include "pubsub/redis_bus.h"

int main(int argc, char** argv) {
  const char* url = argc > 1 ? argv[1] : "redis://127.0.0.1:6379";
  auto options = pubsub::ParseRedisUrl(url);
  if (!options.ok()) return std::fprintf(stderr, "%s\n", options.status().ToString().c_str()), 2;

  // --- the ten lines ---
  pubsub::RedisBus bus(*options);  // connects (and reconnects) in the background
  if (!bus.WaitUntilReady(std::chrono::seconds(5))) return std::fprintf(stderr, "no Redis\n"), 1;
  pubsub::Publisher publisher(bus);
  sample::BroadcastsPublisher broadcasts(publisher);

  sample::NewBroadcast event;
  event.mutable_data()->set_id(1);
  event.mutable_data()->set_title(argc > 2 ? argv[2] : "Hello");
  event.mutable_data()->set_content(argc > 3 ? argv[3] : "Published from C++");
  event.mutable_data()->set_author("example-service");
  *event.mutable_data()->mutable_created_at() = google::protobuf::util::TimeUtil::GetCurrentTime();

  std::promise<absl::StatusOr<std::string>> done;  // the callback runs on the bus's thread
  broadcasts.Publish(event, [&done](absl::StatusOr<std::string> id) { done.set_value(id); });
  // --- end ---

  absl::StatusOr<std::string> id = done.get_future().get();
  if (!id.ok()) return std::fprintf(stderr, "%s\n", id.status().ToString().c_str()), 1;
  std::printf("%s\n", id->c_str());
  return 0;
}
