// PresenceReporter: keeps this replica's share of cluster-wide presence in
// the bus (pubsub/presence.h). Every kInterval it sends the users whose
// socket count changed (the first time, and after any failure, every user),
// with its connection count; the share expires kTtl after the last one, so a
// replica that is killed drops out of the totals within kTtl. At most one
// heartbeat is in flight: a bus that does not answer delays the next one,
// it does not queue them.
//
//   auto reporter = std::make_shared<PresenceReporter>(bus, presence, loop_executor);
//   reporter->Start();
//   ...
//   reporter->Stop();  // any thread: no more heartbeats; the share is withdrawn
#ifndef PUBSUB_SERVER_GATEWAY_PRESENCE_REPORTER_H_
#define PUBSUB_SERVER_GATEWAY_PRESENCE_REPORTER_H_

#include <atomic>
#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "absl/status/status.h"
#include "pubsub/bus.h"
#include "server/gateway/presence.h"

namespace pubsub::gateway {

class PresenceReporter : public std::enable_shared_from_this<PresenceReporter> {
 public:
  static constexpr std::chrono::milliseconds kInterval{1000};
  static constexpr std::chrono::milliseconds kTtl{5000};

  PresenceReporter(Bus& bus, Presence& presence, boost::asio::any_io_executor executor);

  void Start();
  void Stop();

  // This process's id in the bus: 16 random hex digits.
  const std::string& replica() const { return replica_; }

 private:
  void Arm();
  void Beat();                         // on the executor
  void OnShared(absl::Status status);  // on the executor

  Bus& bus_;
  Presence& presence_;
  boost::asio::any_io_executor executor_;
  boost::asio::steady_timer timer_;
  const std::string replica_;
  std::atomic<bool> stopped_{false};
  // Executor only:
  size_t pending_ = 0;    // shares sent, not answered yet
  bool send_all_ = true;  // the bus may hold no (or a stale) share
  bool failing_ = false;  // for one log line per change
};

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_GATEWAY_PRESENCE_REPORTER_H_
