// PublisherService: pubsub.v1.Publisher on gRPC's callback API. Internal to
// server/grpc (it pulls in gRPC's headers); GrpcServer owns it.
//
// Why the callback API: Publisher::Publish completes asynchronously (for
// Redis, on the bus's I/O thread once Redis has answered). With the callback
// API the bus callback finishes the call directly; the synchronous API would
// park one gRPC thread per call in flight, and a streaming bulk job could not
// keep several events in flight at all.
//
// Publish: authorize, convert, Publisher::Publish, Finish from `done`.
// PublishStream: a read reactor that keeps up to kMaxInFlight events of the
// stream in flight, in stream order (the next read starts only after the
// previous event was handed to the publisher, so per-topic order holds), and
// records each event's id at its index. It stops at the first refused event
// (or at kMaxStreamEvents) and finishes once nothing is in flight (see the
// proto for the contract).
//
// Exceptions: none escapes into gRPC or into the bus. The handlers, the
// stream's reactions (OnReadDone, OnCancel) and the publish callbacks catch
// everything; an exception ends THAT call with INTERNAL "internal error" (a
// stream once its events in flight have completed), is logged once with the
// peer's address, and is counted (handler_exceptions()). Other calls go on.
#ifndef PUBSUB_SERVER_GRPC_PUBLISHER_SERVICE_H_
#define PUBSUB_SERVER_GRPC_PUBLISHER_SERVICE_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pubsub/publisher.grpc.pb.h"
#include "pubsub/publisher.h"
#include "pubsub/registry.h"
#include "server/auth/publisher_key.h"
#include "server/grpc/publish_observer.h"
#include "server/history/history_query.h"

namespace pubsub::gateway {

class PublisherService final : public pubsub::v1::Publisher::CallbackService {
 public:
  // Events of one stream in flight at once (a bound on memory per stream,
  // and backpressure on the client through gRPC's flow control).
  static constexpr int kMaxInFlight = 256;
  // Events per stream. The reply lists every event's id, so this bounds the
  // reply (about 40 bytes an id: well under the 4 MiB that gRPC clients
  // accept by default) and the memory a stream holds. The event beyond it is
  // refused with RESOURCE_EXHAUSTED: the job continues on a new stream.
  static constexpr int64_t kMaxStreamEvents = 50'000;

  // `registry` and `publisher` must outlive the service.
  PublisherService(const Registry& registry, Publisher& publisher,
                   auth::PublisherKeyPolicy key_policy, PublishObserver on_publish = nullptr);

  ::grpc::ServerUnaryReactor* Publish(::grpc::CallbackServerContext* context,
                                      const pubsub::v1::PublishRequest* request,
                                      pubsub::v1::PublishReply* reply) override;

  ::grpc::ServerReadReactor<pubsub::v1::PublishRequest>* PublishStream(
      ::grpc::CallbackServerContext* context, pubsub::v1::PublishStreamReply* reply) override;

  // History: the page the History API reads (server/history), for the key's
  // holders, like publishing.
  ::grpc::ServerUnaryReactor* History(::grpc::CallbackServerContext* context,
                                      const pubsub::v1::HistoryRequest* request,
                                      pubsub::v1::HistoryReply* reply) override;

  // The key check for a call's metadata.
  absl::Status Authorize(const ::grpc::CallbackServerContext& context) const;

  // Validates `request` and hands it to the publisher; `done` runs at most
  // once (possibly before this returns) with the event id or the reason. May
  // throw (whatever the bus throws): then `done` may or may not have run.
  void PublishOne(const pubsub::v1::PublishRequest& request, PublishCallback done);

  // Logs the exception being handled (call only from a catch block) once,
  // naming `where` it was caught and the call's peer, and counts it.
  void ReportException(std::string_view where,
                       const ::grpc::CallbackServerContext& context) noexcept;

  // Exceptions caught so far, over all calls.
  uint64_t handler_exceptions() const {
    return handler_exceptions_.load(std::memory_order_relaxed);
  }

 private:
  absl::StatusOr<ParsedEvent> ToEvent(const pubsub::v1::PublishRequest& request) const;
  absl::StatusOr<history_api::HistoryQuery> HistoryQueryOf(
      const pubsub::v1::HistoryRequest& request) const;

  const Registry& registry_;
  Publisher& publisher_;
  const auth::PublisherKeyPolicy key_policy_;
  PublishObserver on_publish_;
  std::atomic<uint64_t> handler_exceptions_{0};
};

// absl and gRPC share the canonical codes.
::grpc::Status ToGrpcStatus(const absl::Status& status);

// What a call that an exception stopped ends with. The details stay in the
// log: they are not the client's business.
::grpc::Status InternalError();

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_GRPC_PUBLISHER_SERVICE_H_
