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
// Robustness: no exception escapes a handler, a stream reaction or a publish
// callback; it ends that call with INTERNAL, is logged with the peer's
// address and counted in stats().handler_exceptions, and the server goes on.
//
// Bounds, so that no client can take more than its share:
// - memory: every connection's and call's buffers come out of one
//   grpc::ResourceQuota (memory_quota_bytes); as it fills, gRPC (1.51)
//   shrinks read buffers and flow-control windows, stops accepting new
//   connections, and past the limit cancels calls in progress rather than
//   grow beyond it;
// - concurrency: at most max_concurrent_streams calls at once per client
//   connection (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS): a client that opens
//   more waits for one to end;
// - per stream: PublisherService::kMaxInFlight (256) events handed to the bus
//   and not yet confirmed; the stream's next read waits, and gRPC's flow
//   control pushes back on the client;
// - per stream: PublisherService::kMaxStreamEvents (50,000) events, since the
//   reply lists every event's id;
// - per message: max_message_bytes received (RESOURCE_EXHAUSTED beyond), and
//   kMaxReplyBytes sent (the largest stream reply fits well within it);
// - metadata: gRPC's default limit on a call's headers (8 KiB).
//
// This header deliberately includes no gRPC header (they are heavy): the
// server lives behind a pointer to an implementation.
#ifndef PUBSUB_SERVER_GRPC_GRPC_SERVER_H_
#define PUBSUB_SERVER_GRPC_GRPC_SERVER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "pubsub/publisher.h"
#include "pubsub/registry.h"
#include "server/auth/publisher_key.h"
#include "server/config/gateway_config.h"
#include "server/grpc/publish_observer.h"

namespace pubsub::gateway {

struct GrpcServerOptions {
  // Who may publish (the gateway's --publisher-key-file, --dev-auth).
  auth::PublisherKeyPolicy key_policy;
  // Largest request message accepted (RESOURCE_EXHAUSTED beyond). Events are
  // further limited by the bus's envelope limit (INVALID_ARGUMENT).
  size_t max_message_bytes = 4 << 20;
  // Memory gRPC may use for all connections and calls together (see above).
  // Enough for a few hundred calls with messages of max_message_bytes.
  size_t memory_quota_bytes = size_t{256} << 20;
  // Calls in progress at once on one client connection (100: what RFC 9113
  // recommends as the least a server should allow). A bulk job needs one
  // stream; a worker pool sharing a channel, a few dozen unary calls. A
  // client that holds more streams open than this on one channel and writes
  // to them in turn (a synchronous writer) waits forever: use more channels.
  int max_concurrent_streams = 100;
  // Told of every publish's outcome (for /metrics).
  PublishObserver on_publish;
};

// The options the gateway's flags ask for; reads --publisher-key-file.
// InvalidArgument naming the file when it cannot be read.
absl::StatusOr<GrpcServerOptions> GrpcServerOptionsFromConfig(const GatewayConfig& config);

class GrpcServer {
 public:
  // Largest reply sent: a PublishStream reply of kMaxStreamEvents ids is
  // about 2 MB; 4 MiB is also what gRPC clients accept by default.
  static constexpr size_t kMaxReplyBytes = 4 << 20;

  struct Stats {
    // Exceptions caught in handlers, stream reactions and publish callbacks
    // (each ended its call with INTERNAL).
    uint64_t handler_exceptions = 0;
  };

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

  // Counters since construction; callable from any thread.
  Stats stats() const;

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
                                                            Publisher& publisher,
                                                            PublishObserver on_publish = nullptr);

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_GRPC_GRPC_SERVER_H_
