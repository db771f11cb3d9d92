#include "server/grpc/grpc_server.h"

#include <algorithm>
#include <limits>

#include <grpcpp/grpcpp.h>
#include <grpcpp/resource_quota.h>

#include "absl/strings/str_cat.h"
#include "server/auth/jwt.h"
#include "server/grpc/publisher_service.h"

namespace pubsub::gateway {

// Each stream reply id is "<16 hex digits>-<counter>": at most 37 bytes, plus
// 3 of framing; room to spare for the failure and the count.
static_assert(PublisherService::kMaxStreamEvents * 40 + 64 * 1024 <= GrpcServer::kMaxReplyBytes,
              "the largest PublishStream reply must fit in kMaxReplyBytes");

struct GrpcServer::Impl {
  Impl(const Registry& registry, Publisher& publisher, GrpcServerOptions options)
      : options(std::move(options)),
        service(registry, publisher, this->options.key_policy, this->options.on_publish) {}

  const GrpcServerOptions options;
  PublisherService service;
  std::unique_ptr<::grpc::Server> server;
  std::string address;
  bool shut_down = false;
};

absl::StatusOr<GrpcServerOptions> GrpcServerOptionsFromConfig(const GatewayConfig& config) {
  GrpcServerOptions options;
  if (!config.publisher_key_file.empty()) {
    auto key = auth::ReadSecretFile(config.publisher_key_file);
    if (!key.ok()) return key.status();
    options.key_policy.key = std::move(*key);
  }
  options.key_policy.allow_without_key = config.dev_auth;
  // Room for the request's own framing around an event of the largest size
  // the bus takes; larger events still get the bus's clear INVALID_ARGUMENT.
  options.max_message_bytes = config.max_body_bytes + 64 * 1024;
  return options;
}

GrpcServer::GrpcServer(const Registry& registry, Publisher& publisher, GrpcServerOptions options)
    : impl_(std::make_unique<Impl>(registry, publisher, std::move(options))) {}

GrpcServer::~GrpcServer() { Shutdown(std::chrono::system_clock::now()); }

absl::StatusOr<int> GrpcServer::Start(const std::string& address) {
  if (impl_->server != nullptr || impl_->shut_down) {
    return absl::FailedPreconditionError("the gRPC server was already started");
  }
  int port = 0;
  ::grpc::ServerBuilder builder;
  builder.AddListeningPort(address, ::grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&impl_->service);
  builder.SetMaxReceiveMessageSize(static_cast<int>(
      std::min<size_t>(impl_->options.max_message_bytes, std::numeric_limits<int>::max())));
  builder.SetMaxSendMessageSize(static_cast<int>(kMaxReplyBytes));
  ::grpc::ResourceQuota quota("pubsub-grpc");
  quota.Resize(impl_->options.memory_quota_bytes);
  builder.SetResourceQuota(quota);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS,
                             std::max(1, impl_->options.max_concurrent_streams));
  // Port reuse would let a second gateway bind the same port silently.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  impl_->server = builder.BuildAndStart();
  if (impl_->server == nullptr || port == 0) {
    impl_->server.reset();
    return absl::UnavailableError(
        absl::StrCat("--grpc-listen: cannot listen on ", address, " (in use or not local?)"));
  }
  // Keep the host as given ("[::1]" included) and report the bound port.
  const size_t colon = address.rfind(':');
  impl_->address = absl::StrCat(address.substr(0, colon), ":", port);
  return port;
}

const std::string& GrpcServer::address() const { return impl_->address; }

GrpcServer::Stats GrpcServer::stats() const {
  return Stats{.handler_exceptions = impl_->service.handler_exceptions()};
}

void GrpcServer::Shutdown(std::chrono::system_clock::time_point deadline) {
  if (impl_->shut_down) return;
  impl_->shut_down = true;
  if (impl_->server == nullptr) return;
  impl_->server->Shutdown(deadline);
  impl_->server->Wait();
}

absl::StatusOr<std::unique_ptr<GrpcServer>> StartGrpcServer(const GatewayConfig& config,
                                                            const Registry& registry,
                                                            Publisher& publisher,
                                                            PublishObserver on_publish) {
  auto options = GrpcServerOptionsFromConfig(config);
  if (!options.ok()) return options.status();
  options->on_publish = std::move(on_publish);
  auto server = std::make_unique<GrpcServer>(registry, publisher, std::move(*options));
  // The config keeps an IPv6 host without brackets; gRPC wants them.
  const std::string host = config.grpc_listen_host.find(':') != std::string::npos
                               ? absl::StrCat("[", config.grpc_listen_host, "]")
                               : config.grpc_listen_host;
  auto port = server->Start(absl::StrCat(host, ":", config.grpc_listen_port));
  if (!port.ok()) return port.status();
  return server;
}

}  // namespace pubsub::gateway
