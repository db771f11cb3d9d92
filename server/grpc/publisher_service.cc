#include "server/grpc/publisher_service.h"

#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace pubsub::gateway {
namespace v1 = pubsub::v1;

namespace {

// One PublishStream call. Lifetime: deleted in OnDone, which gRPC runs only
// after Finish and after every reaction (OnReadDone, OnCancel) has returned.
// Publish callbacks are not reactions, so Finish is only called once no
// publish is in flight, and a callback that calls Finish touches nothing
// afterwards.
class PublishStreamReactor final : public ::grpc::ServerReadReactor<v1::PublishRequest> {
 public:
  PublishStreamReactor(PublisherService& service, const ::grpc::CallbackServerContext& context,
                       v1::PublishStreamReply* reply)
      : service_(service), reply_(reply) {
    if (absl::Status allowed = service_.Authorize(context); !allowed.ok()) {
      finished_ = true;
      Finish(ToGrpcStatus(allowed));
      return;
    }
    reading_ = true;
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
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
    service_.PublishOne(request_, [this, index](absl::StatusOr<std::string> id) {
      OnPublished(index, std::move(id));
    });

    lock.lock();
    reading_ = false;
    Continue(lock);
  }

  void OnCancel() override {
    std::unique_lock<std::mutex> lock(mutex_);
    cancelled_ = true;
    stopped_ = true;
    Continue(lock);
  }

  void OnDone() override { delete this; }

 private:
  void OnPublished(int64_t index, absl::StatusOr<std::string> id) {
    std::unique_lock<std::mutex> lock(mutex_);
    --in_flight_;
    if (id.ok()) {
      *reply_->mutable_event_ids(static_cast<int>(index)) = std::move(*id);
      reply_->set_accepted_count(reply_->accepted_count() + 1);
    } else {
      RecordFailure(index, id.status());
    }
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
      const bool cancelled = cancelled_;
      lock.unlock();
      Finish(cancelled ? ::grpc::Status::CANCELLED : ::grpc::Status::OK);
    }
  }

  PublisherService& service_;
  v1::PublishStreamReply* const reply_;  // owned by gRPC, valid until OnDone
  v1::PublishRequest request_;           // the read buffer

  std::mutex mutex_;
  bool reading_ = false;  // a read is outstanding or its event is being handed over
  bool input_closed_ = false;
  bool stopped_ = false;  // an event was refused or the call was cancelled
  bool cancelled_ = false;
  bool finished_ = false;
  int in_flight_ = 0;
};

}  // namespace

::grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return ::grpc::Status::OK;
  return ::grpc::Status(static_cast<::grpc::StatusCode>(status.code()),
                        std::string(status.message()));
}

PublisherService::PublisherService(const Registry& registry, Publisher& publisher,
                                   PublisherKeyPolicy key_policy)
    : registry_(registry),
      publisher_(publisher),
      message_index_(registry),
      key_policy_(std::move(key_policy)) {}

absl::Status PublisherService::Authorize(const ::grpc::CallbackServerContext& context) const {
  const auto& metadata = context.client_metadata();
  const auto it = metadata.find("authorization");
  std::optional<std::string_view> authorization;
  if (it != metadata.end()) authorization.emplace(it->second.data(), it->second.size());
  return key_policy_.Check(authorization);
}

absl::StatusOr<ParsedEvent> PublisherService::ToEvent(const v1::PublishRequest& request) const {
  switch (request.event_case()) {
    case v1::PublishRequest::kJson:
      return ParseTypedJson(registry_, request.json().type(), request.json().json());
    case v1::PublishRequest::kMessage:
      return UnpackEvent(message_index_, request.message().type_url(), request.message().value());
    case v1::PublishRequest::EVENT_NOT_SET:
      break;
  }
  return absl::InvalidArgumentError("event: set either `message` (a packed event) or `json`");
}

void PublisherService::PublishOne(const v1::PublishRequest& request, PublishCallback done) {
  absl::StatusOr<ParsedEvent> event = ToEvent(request);
  if (!event.ok()) return done(event.status());
  const std::vector<std::string> targets(request.target_user_ids().begin(),
                                         request.target_user_ids().end());
  publisher_.Publish(*event->info, *event->message, targets, std::move(done));
}

::grpc::ServerUnaryReactor* PublisherService::Publish(::grpc::CallbackServerContext* context,
                                                      const v1::PublishRequest* request,
                                                      v1::PublishReply* reply) {
  ::grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (absl::Status allowed = Authorize(*context); !allowed.ok()) {
    reactor->Finish(ToGrpcStatus(allowed));
    return reactor;
  }
  PublishOne(*request, [reactor, reply](absl::StatusOr<std::string> id) {
    if (!id.ok()) return reactor->Finish(ToGrpcStatus(id.status()));
    reply->set_event_id(std::move(*id));
    reactor->Finish(::grpc::Status::OK);
  });
  return reactor;
}

::grpc::ServerReadReactor<v1::PublishRequest>* PublisherService::PublishStream(
    ::grpc::CallbackServerContext* context, v1::PublishStreamReply* reply) {
  return new PublishStreamReactor(*this, *context, reply);
}

}  // namespace pubsub::gateway
