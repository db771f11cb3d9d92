#include "tools/loadgen/publish_path.h"

#include <thread>

namespace pubsub::loadgen {

void PublishPath::Failure(std::string_view reason, uint64_t n) {
  failed_.fetch_add(n, std::memory_order_relaxed);
  std::lock_guard lock(mutex_);
  if (first_error_.empty()) first_error_ = std::string(reason);
}

void PublishPath::WaitForRoom(uint64_t limit) const {
  while (in_flight() > limit) std::this_thread::sleep_for(std::chrono::microseconds(20));
}

void PublishPath::WaitForAcks(std::chrono::milliseconds timeout) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (in_flight() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

absl::StatusOr<std::unique_ptr<PublishPath>> MakePublishPath(const Options& options,
                                                             const EventFactory& factory) {
  switch (options.via) {
    case PublishVia::kRedis:
      return MakeRedisPath(options, factory);
    case PublishVia::kHttp:
      return MakeHttpPath(options, factory);
    case PublishVia::kGrpc:
      return MakeGrpcPath(options, factory);
    case PublishVia::kNone:
      break;
  }
  return absl::InvalidArgumentError("no publishing path (--publish-via none)");
}

}  // namespace pubsub::loadgen
