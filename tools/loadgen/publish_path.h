// PublishPath: one way of getting events to the gateways, as a product user
// would: the typed C++ publisher over a RedisBus, POST /api/publish over
// keep-alive HTTP connections, or the gRPC PublishStream call.
//
//   absl::StatusOr<std::unique_ptr<PublishPath>> path = MakePublishPath(options, factory);
//   if (auto status = (*path)->Start(); !status.ok()) ...
//   (*path)->Send(spec);   // from one thread, at the generator's pace
//   (*path)->Finish(std::chrono::seconds(5));
//   (*path)->acked(), (*path)->failed(), (*path)->first_error()
//
// Send never blocks for long: when too many events are unacknowledged it
// waits for acknowledgements (back-pressure), so an overloaded path shows as
// a lower achieved rate, not as unbounded memory.
#ifndef PUBSUB_TOOLS_LOADGEN_PUBLISH_PATH_H_
#define PUBSUB_TOOLS_LOADGEN_PUBLISH_PATH_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "tools/loadgen/event_factory.h"
#include "tools/loadgen/options.h"

namespace pubsub::loadgen {

class PublishPath {
 public:
  virtual ~PublishPath() = default;

  // Connects; blocks at most a few seconds.
  virtual absl::Status Start() = 0;
  // Publishes one event. Called from one thread.
  void Send(const EventSpec& event) {
    sent_.fetch_add(1, std::memory_order_relaxed);
    DoSend(event);
  }
  // Waits at most `timeout` for the acknowledgement of every event sent,
  // then closes the path.
  virtual void Finish(std::chrono::milliseconds timeout) = 0;

  uint64_t sent() const { return sent_.load(std::memory_order_relaxed); }
  uint64_t acked() const { return acked_.load(std::memory_order_relaxed); }
  uint64_t failed() const { return failed_.load(std::memory_order_relaxed); }
  uint64_t in_flight() const { return sent() - acked() - failed(); }
  std::string first_error() const {
    std::lock_guard lock(mutex_);
    return first_error_;
  }

 protected:
  virtual void DoSend(const EventSpec& event) = 0;
  void Ack(uint64_t n = 1) { acked_.fetch_add(n, std::memory_order_relaxed); }
  void Failure(std::string_view reason, uint64_t n = 1);
  // Sleeps while more than `limit` events are unacknowledged.
  void WaitForRoom(uint64_t limit) const;
  // Waits until nothing is in flight or the timeout passed.
  void WaitForAcks(std::chrono::milliseconds timeout) const;

 private:
  std::atomic<uint64_t> sent_{0};
  std::atomic<uint64_t> acked_{0};
  std::atomic<uint64_t> failed_{0};
  mutable std::mutex mutex_;
  std::string first_error_;
};

// The path --publish-via names; error for kNone.
absl::StatusOr<std::unique_ptr<PublishPath>> MakePublishPath(const Options& options,
                                                             const EventFactory& factory);

// The paths (one file each).
std::unique_ptr<PublishPath> MakeRedisPath(const Options& options, const EventFactory& factory);
std::unique_ptr<PublishPath> MakeHttpPath(const Options& options, const EventFactory& factory);
std::unique_ptr<PublishPath> MakeGrpcPath(const Options& options, const EventFactory& factory);

}  // namespace pubsub::loadgen

#endif  // PUBSUB_TOOLS_LOADGEN_PUBLISH_PATH_H_
