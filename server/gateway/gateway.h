// Gateway: the WebSocket gateway assembled — event loops, listener, hub,
// publish path — around a Registry (the schema) and a Bus (the transport).
//
//   pubsub::gateway::Gateway gateway(config, registry, bus);
//   if (auto status = gateway.Start(); !status.ok()) return Fail(status);
//   ...wait for SIGTERM...
//   gateway.Shutdown();   // stop accepting, flush, close 1001, within the deadline
#ifndef PUBSUB_SERVER_GATEWAY_GATEWAY_H_
#define PUBSUB_SERVER_GATEWAY_GATEWAY_H_

#include <memory>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "absl/status/status.h"
#include "pubsub/bus.h"
#include "pubsub/publisher.h"
#include "pubsub/registry.h"
#include "server/config/gateway_config.h"
#include "server/gateway/gateway_context.h"
#include "server/gateway/hub.h"
#include "server/gateway/listener.h"
#include "server/gateway/loop_pool.h"
#include "server/gateway/metrics.h"
#include "server/gateway/presence.h"
#include "server/gateway/presence_reporter.h"
#include "server/routing/router.h"

namespace pubsub::gateway {

class Gateway {
 public:
  // `registry` and `bus` must outlive the gateway.
  Gateway(const GatewayConfig& config, const Registry& registry, Bus& bus);
  ~Gateway();

  // Builds everything but the listener: reads the key files, makes the loops
  // (not running yet), the hub and the shared context. Start() calls it when
  // it was not called; tests call it to use the parts without sockets.
  absl::Status Init();
  // Binds the listen address and starts the loops.
  absl::Status Start();
  // The bound HTTP/WebSocket port.
  unsigned short port() const { return listener_ ? listener_->port() : 0; }

  // Stops accepting, closes every WebSocket with 1001 after flushing its
  // queue, and returns once all are closed or the shutdown deadline passed
  // (stragglers are dropped). Then stops the loops.
  void Shutdown();

  Publisher& publisher() { return *publisher_; }
  // Adds text to /metrics; call before Start().
  void SetExtraMetrics(std::function<std::string()> source) { extra_metrics_ = std::move(source); }
  // Adds the bus's counters (a JSON object) to the admin overview; call before Start().
  void SetBusStats(std::function<std::string()> source) { bus_stats_ = std::move(source); }
  // Adds a component's count to pubsub_handler_exceptions_total (see
  // Metrics::AddExceptionSource); call before Start().
  void AddExceptionSource(std::string component, std::function<uint64_t()> count) {
    exception_sources_.emplace_back(std::move(component), std::move(count));
  }
  Hub& hub() { return *hub_; }
  // What every connection shares (after Init).
  GatewayContext& context() { return *context_; }
  LoopPool& loops() { return *loops_; }

 private:
  void ArmSweep(size_t loop);
  void ForEachSession(const std::function<void(WsSession&)>& action);

  const GatewayConfig& config_;
  const Registry& registry_;
  Bus& bus_;
  std::unique_ptr<LoopPool> loops_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<Presence> presence_;
  std::shared_ptr<PresenceReporter> presence_reporter_;  // its share of cluster-wide presence
  std::unique_ptr<Hub> hub_;
  std::unique_ptr<Publisher> publisher_;
  std::unique_ptr<routing::Router> router_;
  std::unique_ptr<auth::JwtVerifier> verifier_;
  std::unique_ptr<GatewayContext> context_;
  std::unique_ptr<Listener> listener_;
  std::vector<std::unique_ptr<boost::asio::steady_timer>> sweep_timers_;
  std::function<std::string()> extra_metrics_;
  std::function<std::string()> bus_stats_;
  std::vector<std::pair<std::string, std::function<uint64_t()>>> exception_sources_;
  bool started_ = false;  // the loops run
  bool stopped_ = false;
};

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_GATEWAY_GATEWAY_H_
