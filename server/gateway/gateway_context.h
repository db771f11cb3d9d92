// GatewayContext: what every connection of the gateway shares — settings,
// the schema registry, the hub, metrics, presence — plus the per-loop state
// (the loop's open WebSocket sessions, for keep-alive sweeps and shutdown).
#ifndef PUBSUB_SERVER_GATEWAY_GATEWAY_CONTEXT_H_
#define PUBSUB_SERVER_GATEWAY_GATEWAY_CONTEXT_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "pubsub/publisher.h"
#include "pubsub/registry.h"
#include "server/auth/jwt.h"
#include "server/auth/publisher_key.h"
#include "server/config/gateway_config.h"
#include "server/gateway/hub.h"
#include "server/gateway/loop_pool.h"
#include "server/gateway/metrics.h"
#include "server/gateway/presence.h"
#include "server/http/request_reader.h"
#include "server/routing/router.h"

namespace pubsub::gateway {

class WsSession;

// Sessions of one loop; touched only by that loop's thread.
struct LoopSessions {
  std::vector<WsSession*> sessions;  // each session knows its index
};

struct GatewayContext {
  const GatewayConfig& config;
  const Registry& registry;
  Bus& bus;
  Publisher& publisher;
  LoopPool& loops;
  Hub& hub;
  Metrics& metrics;
  Presence& presence;
  const routing::Router& router;
  const auth::JwtVerifier* verifier;  // null in development auth mode
  // Who may publish and read /api/stats (shared with the gRPC service).
  auth::PublisherKeyPolicy publisher_key;
  http::HttpLimits http_limits;
  std::vector<LoopSessions> loop_sessions;
  std::atomic<bool> shutting_down{false};
  std::atomic<int64_t> live_sessions{0};  // WebSocket sessions not yet finished
};

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_GATEWAY_GATEWAY_CONTEXT_H_
