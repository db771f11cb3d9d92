#include "server/grpc/publisher_service.h"

#include <spdlog/spdlog.h>

#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace pubsub::gateway {
namespace v1 = pubsub::v1;

namespace {

// The text of the exception being handled.
std::string CurrentExceptionText() {
  try {
    throw;
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an exception of unknown type";
  }
}

// One Publish call, shared by the handler and the publish callback: whichever
// claims it first finishes it, so an exception thrown after the callback ran
// (or a callback that runs after the handler threw) cannot finish it twice.
// The reactor, reply and context are gRPC's and valid until the call is
// finished; nothing touches them after a failed Claim.
template <typename Reply>
struct UnaryCall {
  UnaryCall(::grpc::ServerUnaryReactor* reactor, ::grpc::CallbackServerContext* context,
            Reply* reply)
      : reactor(reactor), context(context), reply(reply) {}

  ::grpc::ServerUnaryReactor* const reactor;
  ::grpc::CallbackServerContext* const context;
  Reply* const reply;
  std::atomic<bool> claimed{false};

  bool Claim() { return !claimed.exchange(true, std::memory_order_acq_rel); }
};

// One PublishStream call. Lifetime: deleted in OnDone, which gRPC runs only
// after Finish and after every reaction (OnReadDone, OnCancel) has returned.
// Publish callbacks are not reactions, so Finish is only called once no
// publish is in flight, and a callback that calls Finish touches nothing
// afterwards.
class PublishStreamReactor final : public ::grpc::ServerReadReactor<v1::PublishRequest> {
 public:
  PublishStreamReactor(PublisherService& service, const ::grpc::CallbackServerContext& context,
                       v1::PublishStreamReply* reply)
      : service_(service), context_(context), reply_(reply) {}

  // Authorizes the call and starts reading; called once, after construction.
  void Start() {
    ::grpc::Status refused;
    try {
      const absl::Status allowed = service_.Authorize(context_);
      if (allowed.ok()) {
        reading_ = true;
        StartRead(&request_);
        return;
      }
      refused = ToGrpcStatus(allowed);
    } catch (...) {
      service_.ReportException("PublishStream", context_);
      refused = InternalError();
    }
    finished_ = true;
    Finish(refused);
  }

  void OnReadDone(bool ok) override {
    try {
      ReadDone(ok);
    } catch (...) {
      Abort("PublishStream OnReadDone");
    }
  }

  void OnCancel() override {
    try {
      std::unique_lock<std::mutex> lock(mutex_);
      cancelled_ = true;
      stopped_ = true;
      Continue(lock);
    } catch (...) {
      Abort("PublishStream OnCancel");
    }
  }

  void OnDone() override { delete this; }

 private:
  void ReadDone(bool ok) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!ok || stopped_ || finished_) {
      // !ok: the client closed its side (or the call ended). Otherwise a
      // refused event stopped the stream: later events are discarded.
      if (!ok) input_closed_ = true;
      reading_ = false;
      return Continue(lock);
    }
    const int64_t index = reply_->event_ids_size();
    reply_->add_event_ids();
    if (index >= PublisherService::kMaxStreamEvents) {
      RecordFailure(index, absl::ResourceExhaustedError(absl::StrCat(
                               "a stream carries at most ", PublisherService::kMaxStreamEvents,
                               " events: publish the rest on a new stream")));
      reading_ = false;
      return Continue(lock);
    }
    ++in_flight_;
    lock.unlock();

    // `request_` stays untouched until the next StartRead, which waits for
    // `reading_` to drop below: the publisher copies what it needs before
    // PublishOne returns.
    //
    // If PublishOne throws, its callback may have run, may run later or may
    // never run: `settled` makes exactly one of the callback and the catch
    // below give the event's in-flight slot back.
    auto settled = std::make_shared<std::atomic<bool>>(false);
    try {
      service_.PublishOne(request_, [this, index, settled](absl::StatusOr<std::string> id) {
        if (settled->exchange(true)) return;  // the handover threw: the call is ending
        OnPublished(index, std::move(id));
      });
    } catch (...) {
      if (!settled->exchange(true)) {
        lock.lock();
        --in_flight_;
        lock.unlock();
      }
      throw;
    }

    lock.lock();
    reading_ = false;
    Continue(lock);
  }

  // A publish callback: runs on the bus's thread, so nothing may escape.
  void OnPublished(int64_t index, absl::StatusOr<std::string> id) {
    try {
      std::unique_lock<std::mutex> lock(mutex_);
      --in_flight_;
      if (id.ok()) {
        *reply_->mutable_event_ids(static_cast<int>(index)) = std::move(*id);
        reply_->set_accepted_count(reply_->accepted_count() + 1);
      } else {
        RecordFailure(index, id.status());
      }
      Continue(lock);
    } catch (...) {
      Abort("PublishStream publish callback");
    }
  }

  // After an exception: reports it, stops the stream and ends the call with
  // INTERNAL once nothing is in flight. Runs in catch blocks, after the
  // failed step's lock was released. A read may still be outstanding:
  // finishing does not wait for it, and no further read starts.
  void Abort(std::string_view where) noexcept {
    service_.ReportException(where, context_);
    std::unique_lock<std::mutex> lock(mutex_);
    internal_error_ = true;
    stopped_ = true;
    reading_ = false;
    Continue(lock);
  }

  // Keeps the lowest-index failure and stops the stream. Needs `mutex_`.
  void RecordFailure(int64_t index, const absl::Status& status) {
    if (!reply_->has_failure() || index < reply_->failure().index()) {
      v1::PublishFailure& failure = *reply_->mutable_failure();
      failure.set_index(index);
      failure.set_code(static_cast<int32_t>(status.code()));
      failure.set_message(std::string(status.message()));
    }
    stopped_ = true;
  }

  // Reads the next event when allowed, or finishes when the stream is over
  // and nothing is in flight. May release `lock`; Finish is the last use of
  // `this` (OnDone may run at once on another thread).
  void Continue(std::unique_lock<std::mutex>& lock) {
    if (finished_) return;
    if (!reading_ && !stopped_ && !input_closed_ && in_flight_ < PublisherService::kMaxInFlight) {
      reading_ = true;
      lock.unlock();
      StartRead(&request_);
      return;
    }
    // A read may still be outstanding when a refused event stopped the
    // stream: finishing does not wait for the client's next message.
    if (in_flight_ == 0 && (stopped_ || input_closed_)) {
      finished_ = true;
      const ::grpc::Status status = internal_error_ ? InternalError()
                                    : cancelled_    ? ::grpc::Status::CANCELLED
                                                    : ::grpc::Status::OK;
      lock.unlock();
      Finish(status);
    }
  }

  PublisherService& service_;
  const ::grpc::CallbackServerContext& context_;  // gRPC's, valid until OnDone
  v1::PublishStreamReply* const reply_;           // owned by gRPC, valid until OnDone
  v1::PublishRequest request_;                    // the read buffer

  std::mutex mutex_;
  bool reading_ = false;  // a read is outstanding or its event is being handed over
  bool input_closed_ = false;
  bool stopped_ = false;  // an event was refused, the call was cancelled or something threw
  bool cancelled_ = false;
  bool internal_error_ = false;  // an exception was caught: the call ends with INTERNAL
  bool finished_ = false;
  int in_flight_ = 0;
};

}  // namespace

::grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return ::grpc::Status::OK;
  return ::grpc::Status(static_cast<::grpc::StatusCode>(status.code()),
                        std::string(status.message()));
}

::grpc::Status InternalError() {
  return ::grpc::Status(::grpc::StatusCode::INTERNAL, "internal error");
}

PublisherService::PublisherService(const Registry& registry, Publisher& publisher,
                                   auth::PublisherKeyPolicy key_policy, PublishObserver on_publish)
    : registry_(registry),
      publisher_(publisher),
      key_policy_(std::move(key_policy)),
      on_publish_(std::move(on_publish)) {}

absl::Status PublisherService::Authorize(const ::grpc::CallbackServerContext& context) const {
  const auto& metadata = context.client_metadata();
  const auto it = metadata.find("authorization");
  std::optional<std::string_view> authorization;
  if (it != metadata.end()) authorization.emplace(it->second.data(), it->second.size());
  absl::Status allowed = key_policy_.Check(authorization);
  if (!allowed.ok() && on_publish_) on_publish_(nullptr, allowed);
  return allowed;
}

void PublisherService::ReportException(std::string_view where,
                                       const ::grpc::CallbackServerContext& context) noexcept {
  handler_exceptions_.fetch_add(1, std::memory_order_relaxed);
  try {
    spdlog::error("grpc: exception in {} of a call from {}: {}", where, context.peer(),
                  CurrentExceptionText());
  } catch (...) {
    // Logging failed too: the count above still records it.
  }
}

absl::StatusOr<ParsedEvent> PublisherService::ToEvent(const v1::PublishRequest& request) const {
  switch (request.event_case()) {
    case v1::PublishRequest::kJson:
      // JsonEvent.type is required: an empty one is refused, not looked for in the JSON.
      return registry_.ParseJson(request.json().json(), request.json().type());
    case v1::PublishRequest::kMessage:
      return registry_.Unpack(request.message().type_url(), request.message().value());
    case v1::PublishRequest::EVENT_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError("event: set either `message` (a packed event) or `json`");
}

void PublisherService::PublishOne(const v1::PublishRequest& request, PublishCallback done) {
  absl::StatusOr<ParsedEvent> event = ToEvent(request);
  if (!event.ok()) {
    if (on_publish_) on_publish_(nullptr, event.status());
    return done(event.status());
  }
  const std::vector<std::string> targets(request.target_user_ids().begin(),
                                         request.target_user_ids().end());
  if (on_publish_) {
    done = [this, info = event->info, done = std::move(done)](absl::StatusOr<std::string> id) {
      on_publish_(info, id.status());
      done(std::move(id));
    };
  }
  publisher_.Publish(*event->info, *event->message, targets, EventSource::kGrpc, std::move(done));
}

::grpc::ServerUnaryReactor* PublisherService::Publish(::grpc::CallbackServerContext* context,
                                                      const v1::PublishRequest* request,
                                                      v1::PublishReply* reply) {
  ::grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::shared_ptr<UnaryCall<v1::PublishReply>> call;
  try {
    call = std::make_shared<UnaryCall<v1::PublishReply>>(reactor, context, reply);
    if (absl::Status allowed = Authorize(*context); !allowed.ok()) {
      call->Claim();
      reactor->Finish(ToGrpcStatus(allowed));
      return reactor;
    }
    PublishOne(*request, [this, call](absl::StatusOr<std::string> id) {
      // Runs on the bus's thread (or inside PublishOne): nothing may escape.
      if (!call->Claim()) return;  // the handler threw and finished the call
      ::grpc::Status status;
      try {
        if (id.ok()) {
          call->reply->set_event_id(std::move(*id));
        } else {
          status = ToGrpcStatus(id.status());
        }
      } catch (...) {
        ReportException("Publish callback", *call->context);
        status = InternalError();
      }
      call->reactor->Finish(status);
    });
  } catch (...) {
    // The context is valid until this handler returns, finished or not.
    ReportException("Publish", *context);
    // Unless the publish callback already finished it. Without `call` (it
    // could not be made) the event was never handed over.
    if (call == nullptr || call->Claim()) reactor->Finish(InternalError());
  }
  return reactor;
}

namespace {

void FillHistoryReply(const history_api::HistoryPage& page, v1::HistoryReply& reply) {
  reply.set_position(page.newest.ToString());
  reply.set_complete(page.complete);
  reply.mutable_events()->Reserve(static_cast<int>(page.events.size()));
  for (const history_api::HistoryEvent& event : page.events) {
    v1::HistoryEvent& out = *reply.add_events();
    out.set_position(event.position.ToString());
    out.set_type(std::string(event.info->type));
    out.set_json(event.json);
    for (const std::string& user : event.targets) out.add_target_user_ids(user);
  }
}

}  // namespace

::grpc::ServerUnaryReactor* PublisherService::History(::grpc::CallbackServerContext* context,
                                                      const v1::HistoryRequest* request,
                                                      v1::HistoryReply* reply) {
  ::grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  std::shared_ptr<UnaryCall<v1::HistoryReply>> call;
  try {
    call = std::make_shared<UnaryCall<v1::HistoryReply>>(reactor, context, reply);
    // What was published is read with the key that publishes it.
    if (absl::Status allowed = Authorize(*context); !allowed.ok()) {
      call->Claim();
      reactor->Finish(ToGrpcStatus(allowed));
      return reactor;
    }
    auto query = HistoryQueryOf(*request);
    if (!query.ok()) {
      call->Claim();
      reactor->Finish(ToGrpcStatus(query.status()));
      return reactor;
    }
    history_api::ReadHistoryPage(publisher_.bus(), registry_, *std::move(query),
                                 [this, call](absl::StatusOr<history_api::HistoryPage> page) {
                                   // Runs on the bus's thread (or inside ReadHistoryPage): nothing
                                   // may escape.
                                   if (!call->Claim()) return;
                                   ::grpc::Status status;
                                   try {
                                     if (page.ok()) {
                                       FillHistoryReply(*page, *call->reply);
                                     } else {
                                       status = ToGrpcStatus(page.status());
                                     }
                                   } catch (...) {
                                     ReportException("History callback", *call->context);
                                     status = InternalError();
                                   }
                                   call->reactor->Finish(status);
                                 });
  } catch (...) {
    ReportException("History", *context);
    if (call == nullptr || call->Claim()) reactor->Finish(InternalError());
  }
  return reactor;
}

absl::StatusOr<history_api::HistoryQuery> PublisherService::HistoryQueryOf(
    const v1::HistoryRequest& request) const {
  const ChannelInfo* channel = registry_.FindChannel(request.channel());
  if (channel == nullptr) {
    return absl::NotFoundError(absl::StrCat("channel: no channel named '", request.channel(), "'"));
  }
  return history_api::MakeHistoryQuery(
      *channel, request.scope(), request.user_id(), request.since(),
      request.limit() == 0 ? std::string() : std::to_string(request.limit()));
}

::grpc::ServerReadReactor<v1::PublishRequest>* PublisherService::PublishStream(
    ::grpc::CallbackServerContext* context, v1::PublishStreamReply* reply) {
  auto* reactor = new PublishStreamReactor(*this, *context, reply);
  reactor->Start();
  return reactor;
}

}  // namespace pubsub::gateway
