// The bus the gateway's flags ask for, built in one place so that main only
// wires: --bus (memory or a Redis URL, already parsed into the config),
// --redis-password-file and --max-body-bytes.
//
//   absl::StatusOr<std::unique_ptr<pubsub::Bus>> bus = pubsub::gateway::MakeBus(config);
//   if (!bus.ok()) return Fail(bus.status());  // "--redis-password-file /x: cannot read: ..."
//   if (auto metrics = pubsub::gateway::BusMetrics(**bus)) gateway.SetExtraMetrics(metrics);
#ifndef PUBSUB_SERVER_BUS_FACTORY_H_
#define PUBSUB_SERVER_BUS_FACTORY_H_

#include <cstddef>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "pubsub/bus.h"
#include "server/config/gateway_config.h"

namespace pubsub::gateway {

// What an envelope adds to an event of at most --max-body-bytes: its id,
// type, topic and targets.
inline constexpr size_t kEnvelopeOverheadBytes = 64 * 1024;

// The embedded bus, or a RedisBus (which connects in the background and never
// blocks here: an unreachable Redis is retried while the gateway answers
// /readyz with 503). Reads --redis-password-file; InvalidArgument naming the
// flag and the file when it cannot be read or is empty.
absl::StatusOr<std::unique_ptr<Bus>> MakeBus(const GatewayConfig& config);

// Prometheus text with the bus's own counters (a RedisBus's reconnects,
// publishes, ...) for Gateway::SetExtraMetrics, or an empty function when the
// bus has none. `bus` must outlive the returned function.
std::function<std::string()> BusMetrics(const Bus& bus);

// The bus's counters as a JSON object for the admin overview (Gateway::SetBusStats):
//   {"connects":N,"reconnects":N,"dropped_connections":N,"protocol_errors":N,
//    "messages_in":N,"publishes":N,"publish_errors":N}
// plus, for a cluster, "map_refreshes", "redirections", "moved_topics" and
// "masters"; or an empty function when the bus has none. `bus` must outlive
// the returned function.
std::function<std::string()> BusStatsJson(const Bus& bus);

// The count of exceptions the bus caught in its own handlers and callbacks,
// for Gateway::AddExceptionSource, or an empty function when the bus keeps
// none. `bus` must outlive the returned function.
std::function<uint64_t()> BusExceptions(const Bus& bus);

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_BUS_FACTORY_H_
