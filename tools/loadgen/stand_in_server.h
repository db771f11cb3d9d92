// StandInServer: a trivial WebSocket "gateway" for measuring the load
// generator itself (--ceiling). It accepts upgrades (no checks), and once
// told to, sends pre-built text frames — a new_broadcast event as the
// gateway renders it, restamped with the send time once per round — to every
// client as fast as one thread and the sockets allow. The clients' receive
// rate is then the generator's own ceiling: no real gateway can be measured
// faster than this.
//
// Paced (rounds_per_second > 0) it is also the "one write per frame" floor of
// a sender's cost: every frame is its own send(), like a gateway's delivery
// below saturation. The sending thread's own CPU time (CLOCK of that thread
// alone, not the clients') is readable, so the cost per frame of the bare
// kernel path is a figure of the same run as a gateway's CPU per delivery.
//
//   auto server = StandInServer::Start(payload_bytes);
//   ... connect clients to 127.0.0.1:(*server)->port() ...
//   (*server)->Blast(true);  ...  (*server)->Stop();
#ifndef PUBSUB_TOOLS_LOADGEN_STAND_IN_SERVER_H_
#define PUBSUB_TOOLS_LOADGEN_STAND_IN_SERVER_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"

namespace pubsub::loadgen {

class StandInServer {
 public:
  static absl::StatusOr<std::unique_ptr<StandInServer>> Start(uint32_t payload_bytes);
  ~StandInServer();

  uint16_t port() const { return port_; }
  // Starts (true) or stops (false) sending frames: as fast as possible, or,
  // with `rounds_per_second` > 0, one frame to every client per round (the
  // generator's latency floor at that event rate).
  void Blast(bool on, double rounds_per_second = 0) {
    rounds_per_second_.store(rounds_per_second);
    blasting_.store(on);
  }
  void Stop();
  uint64_t frames_sent() const { return frames_sent_.load(); }
  // CPU seconds (user + system) the sending thread has used so far: its
  // sends, the kernel's loopback TCP work done inside them, its wake-ups.
  // Callable from any thread.
  double SenderCpuSeconds() const;

 private:
  struct Conn;
  StandInServer() = default;
  void Run();

  int listen_fd_ = -1;
  int epoll_fd_ = -1;
  uint16_t port_ = 0;
  std::string batch_;                   // kBatchFrames frames back to back
  std::vector<size_t> marker_offsets_;  // where each frame's marker starts in batch_
  std::string single_;                  // one frame, for paced rounds
  size_t single_marker_ = 0;
  std::atomic<double> rounds_per_second_{0};
  std::atomic<bool> blasting_{false};
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> frames_sent_{0};
  std::thread thread_;
};

}  // namespace pubsub::loadgen

#endif  // PUBSUB_TOOLS_LOADGEN_STAND_IN_SERVER_H_
