// GrpcServer: the gRPC service pubsub.v1.Publisher (schema/pubsub/publisher.proto)
// on its own port, publishing through the gateway's Publisher onto its Bus.
//
//   auto server = pubsub::gateway::StartGrpcServer(config, registry, gateway.publisher());
//   if (!server.ok()) return Fail(server.status());
//   std::printf("grpc=%s\n", (*server)->address().c_str());
//   ...wait for SIGTERM...
//   (*server)->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(10));
//
// Threads: gRPC runs the service on its own threads (the callback API), never
// on the gateway's event loops. No handler blocks: a publish completes the
// call from the bus's callback (for Redis, once Redis has taken the event),
// so a slow bus holds no gRPC thread. See publisher_service.h for the calls.
//
// This header deliberately includes no gRPC header (they are heavy): the
// server lives behind a pointer to an implementation.
#ifndef PUBSUB_SERVER_GRPC_GRPC_SERVER_H_
#define PUBSUB_SERVER_GRPC_GRPC_SERVER_H_

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "pubsub/publisher.h"
#include "pubsub/registry.h"
#include "server/config/gateway_config.h"
#include "server/grpc/publisher_key.h"

namespace pubsub::gateway {

struct GrpcServerOptions {
  // Who may publish (the gateway's --publisher-key-file, --dev-auth).
  PublisherKeyPolicy key_policy;
  // Largest request message accepted (RESOURCE_EXHAUSTED beyond). Events are
  // further limited by the bus's envelope limit (INVALID_ARGUMENT).
  size_t max_message_bytes = 4 << 20;
};

// The options the gateway's flags ask for; reads --publisher-key-file.
// InvalidArgument naming the file when it cannot be read.
absl::StatusOr<GrpcServerOptions> GrpcServerOptionsFromConfig(const GatewayConfig& config);

class GrpcServer {
 public:
  // `registry` and `publisher` must outlive the server.
  GrpcServer(const Registry& registry, Publisher& publisher, GrpcServerOptions options);
  // Shuts down at once (cancelling calls in progress) if still running.
  ~GrpcServer();
  GrpcServer(const GrpcServer&) = delete;
  GrpcServer& operator=(const GrpcServer&) = delete;

  // Binds `address` ("127.0.0.1:50051", "[::1]:0"; port 0 picks a free one)
  // and starts serving. Returns the bound port; Unavailable when the address
  // cannot be bound, FailedPrecondition when already started.
  absl::StatusOr<int> Start(const std::string& address);

  // "HOST:PORT" as bound (after Start).
  const std::string& address() const;

  // Stops accepting calls, lets calls in progress finish until `deadline`,
  // then cancels the rest; returns when every call is done. Idempotent.
  void Shutdown(std::chrono::system_clock::time_point deadline);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Builds the server the gateway's flags ask for and starts it on
// --grpc-listen: the gateway binary's one call.
absl::StatusOr<std::unique_ptr<GrpcServer>> StartGrpcServer(const GatewayConfig& config,
                                                            const Registry& registry,
                                                            Publisher& publisher);

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_GRPC_GRPC_SERVER_H_
