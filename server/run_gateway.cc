// RunGateway (pubsub/run_gateway.h): reads the command line, registers the
// schemas, builds the bus, the gateway and the gRPC service, and waits for a
// signal. Wiring only: the work happens in gateway/, grpc/ and the runtime.
#include "pubsub/run_gateway.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "absl/strings/str_join.h"
#include "pubsub/log.h"
#include "pubsub/registry.h"
#include "pubsub/schema.h"
#include "server/bus_factory.h"
#include "server/config/gateway_config.h"
#include "server/gateway/gateway.h"
#include "server/gateway/text.h"
#include "server/grpc/grpc_server.h"
#include "spdlog/spdlog.h"

namespace {

std::string DescribeChannels(const pubsub::Registry& registry) {
  std::vector<std::string> names;
  for (const auto* channel : registry.channels()) names.emplace_back(channel->path);
  return absl::StrJoin(names, " ");
}

}  // namespace

namespace pubsub {

int RunGateway(int argc, char** argv, std::span<const Schema> schemas) {
  using pubsub::gateway::ParseCommandLine;
  auto parsed = ParseCommandLine(argc, argv);
  if (parsed.help_requested) {
    std::fputs(parsed.help_text.c_str(), stdout);
    return 0;
  }
  // --print-config starts nothing; its text comes even with a failed rule
  // between settings, which follows it on stderr.
  if (parsed.print_config_requested) std::fputs(parsed.print_config_text.c_str(), stdout);
  if (!parsed.status.ok()) {
    std::fflush(stdout);
    std::fprintf(stderr, "pubsub-gateway: %s\n(see pubsub-gateway --help)\n",
                 std::string(parsed.status.message()).c_str());
    return 2;
  }
  if (parsed.print_config_requested) return 0;
  const pubsub::gateway::GatewayConfig& config = parsed.config;
  // Logs go to stderr; stdout carries only the startup line scripts read.
  if (auto status = pubsub::ConfigureLogging("pubsub-gateway", config.log_level); !status.ok()) {
    std::fprintf(stderr, "pubsub-gateway: %s\n", std::string(status.message()).c_str());
    return 2;
  }
  for (const std::string& warning : parsed.warnings) spdlog::warn("{}", warning);

  pubsub::Registry registry;
  if (auto status = pubsub::RegisterSchemas(registry, schemas); !status.ok()) {
    spdlog::critical("schema: {}", pubsub::gateway::View(status.message()));
    return 1;
  }

  auto made_bus = pubsub::gateway::MakeBus(config);
  if (!made_bus.ok()) {
    spdlog::critical("{}", pubsub::gateway::View(made_bus.status().message()));
    return 2;
  }
  std::unique_ptr<pubsub::Bus> bus = *std::move(made_bus);
  pubsub::gateway::Gateway gateway(config, registry, *bus);
  if (auto metrics = pubsub::gateway::BusMetrics(*bus)) gateway.SetExtraMetrics(metrics);
  if (auto stats = pubsub::gateway::BusStatsJson(*bus)) gateway.SetBusStats(stats);
  if (auto count = pubsub::gateway::BusExceptions(*bus)) gateway.AddExceptionSource("redis", count);
  // The gRPC server starts after the gateway (it publishes through it).
  auto grpc_stats = std::make_shared<std::atomic<const pubsub::gateway::GrpcServer*>>(nullptr);
  gateway.AddExceptionSource("grpc", [grpc_stats]() -> uint64_t {
    const auto* server = grpc_stats->load();
    return server == nullptr ? 0 : server->stats().handler_exceptions;
  });
  if (auto status = gateway.Start(); !status.ok()) {
    spdlog::critical("{}", pubsub::gateway::View(status.message()));
    return 1;
  }
  // The gRPC Publish service, on its own port and its own threads.
  std::unique_ptr<pubsub::gateway::GrpcServer> grpc_server;
  std::string grpc_part;
  if (!config.grpc_listen_host.empty()) {
    auto started = pubsub::gateway::StartGrpcServer(
        config, registry, gateway.publisher(),
        [&events = gateway.context().metrics.events](const pubsub::EventInfo* event,
                                                     const absl::Status& outcome) {
          events.CountPublish(pubsub::gateway::PublishSource::kGrpc, event, outcome);
        });
    if (!started.ok()) {
      spdlog::critical("{}", pubsub::gateway::View(started.status().message()));
      gateway.Shutdown();
      return 1;
    }
    grpc_server = *std::move(started);
    grpc_stats->store(grpc_server.get());
    grpc_part = "  grpc=" + grpc_server->address();
  }
  if (config.dev_auth) {
    spdlog::warn(
        "DEVELOPMENT AUTH MODE (--dev-auth): anyone can connect as any user with "
        "?user_id=NAME, and publishing needs no key. Never expose this gateway.");
  }
  std::printf(
      "pubsub-gateway listening on http://%s:%u%s  bus=%s  auth=%s  loops=%zu  channels: %s\n",
      config.listen_host.c_str(), gateway.port(), grpc_part.c_str(), bus->Describe().c_str(),
      config.dev_auth ? "development" : "jwt", config.threads, DescribeChannels(registry).c_str());
  std::fflush(stdout);

  boost::asio::io_context signals_io;
  boost::asio::signal_set signals(signals_io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int signal) {
    spdlog::info("received {}, shutting down (deadline {} s)",
                 signal == SIGTERM ? "SIGTERM" : "SIGINT", config.shutdown_timeout_seconds);
  });
  std::signal(SIGPIPE, SIG_IGN);
  signals_io.run();
  // gRPC first, so that no new events arrive while the sockets are flushed;
  // calls still open after half the shutdown budget are cancelled.
  if (grpc_server) {
    grpc_server->Shutdown(std::chrono::system_clock::now() +
                          std::chrono::milliseconds(config.shutdown_timeout_seconds * 500));
  }
  grpc_stats->store(nullptr);
  gateway.Shutdown();
  spdlog::info("stopped");
  return 0;
}

}  // namespace pubsub
