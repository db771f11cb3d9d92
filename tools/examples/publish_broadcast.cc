// The ten lines a C++ service writes to publish a typed event: the generated
// sample::BroadcastsPublisher over a Redis bus, straight to Redis (or to a
// Redis Cluster). Every gateway replica on that Redis delivers it to its
// /ws/broadcasts clients.
//
//   publish_broadcast redis://127.0.0.1:6379 "Hello" "The site is back up"
//   publish_broadcast redis-cluster://10.0.0.1:7000,10.0.0.2:7000 "Hello"
//
// Publishing a NewComment here would not compile: BroadcastsPublisher only
// takes the broadcasts channel's events.
#include <chrono>
#include <cstdio>
#include <future>
#include <memory>
#include <string>

#include <google/protobuf/util/time_util.h>

#include "broadcasts.pubsub.h"  // generated from schema/examples/broadcasts.proto
#include "pubsub/publisher.h"
#include "pubsub/redis_target.h"

int main(int argc, char** argv) {
  const char* url = argc > 1 ? argv[1] : "redis://127.0.0.1:6379";
  auto target = pubsub::ParseRedisTarget(url);
  if (!target.ok()) return std::fprintf(stderr, "%s\n", target.status().ToString().c_str()), 2;

  // --- the ten lines ---
  // A RedisBus, or a RedisClusterBus for redis-cluster://; either connects
  // (and reconnects) in the background.
  std::unique_ptr<pubsub::Bus> bus = pubsub::MakeRedisBus(*std::move(target));
  if (!pubsub::WaitUntilReady(*bus, std::chrono::seconds(5))) {
    return std::fprintf(stderr, "no Redis\n"), 1;
  }
  pubsub::Publisher publisher(*bus);
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
