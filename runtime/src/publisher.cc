// Publisher: schema checks and envelope building shared by the typed
// publishers, the HTTP endpoint and the gRPC service.
#include "pubsub/publisher.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <memory>
#include <mutex>
#include <random>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_format.h"
#include "pubsub/envelope.pb.h"
#include "pubsub/internal/str_cat.h"
#include "pubsub/topic.h"

namespace pubsub {
namespace {

std::string RandomIdPrefix() {
  std::random_device device;
  const uint64_t high = device();
  const uint64_t low = device();
  return absl::StrFormat("%016x", (high << 32) ^ low);
}

int64_t NowUnixNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Completes a publish that went out as several envelopes (one per target of a
// personal channel): `done` runs once, after the last bus callback, with the
// event id or the first error.
class FanInCallback {
 public:
  FanInCallback(size_t pending, std::string event_id, std::string type, PublishCallback done)
      : pending_(pending),
        event_id_(std::move(event_id)),
        type_(std::move(type)),
        done_(std::move(done)) {}

  void OnOne(absl::Status status) {
    bool last;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!status.ok() && first_error_.ok()) first_error_ = std::move(status);
      last = --pending_ == 0;
    }
    if (last) Finish();
  }

 private:
  void Finish() {
    if (done_) {
      if (first_error_.ok()) {
        done_(std::move(event_id_));
      } else {
        done_(std::move(first_error_));
      }
    } else if (!first_error_.ok()) {
      spdlog::warn("publishing {} event {} failed: {}", type_, event_id_, first_error_.ToString());
    }
  }

  std::mutex mutex_;
  size_t pending_;
  absl::Status first_error_;
  std::string event_id_;
  std::string type_;
  PublishCallback done_;
};

void Fail(const EventInfo& info, absl::Status status, const PublishCallback& done) {
  if (done) {
    done(std::move(status));
  } else {
    spdlog::warn("publishing {} event refused: {}", info.type, status.ToString());
  }
}

}  // namespace

// EventSource mirrors the envelope's enum, value for value.
static_assert(static_cast<int>(EventSource::kUnknown) == Envelope::SOURCE_UNSPECIFIED);
static_assert(static_cast<int>(EventSource::kService) == Envelope::SOURCE_SERVICE);
static_assert(static_cast<int>(EventSource::kHttp) == Envelope::SOURCE_HTTP);
static_assert(static_cast<int>(EventSource::kGrpc) == Envelope::SOURCE_GRPC);
static_assert(static_cast<int>(EventSource::kAdmin) == Envelope::SOURCE_ADMIN);
static_assert(static_cast<int>(EventSource::kCli) == Envelope::SOURCE_CLI);
static_assert(kEventSources == Envelope::Source_ARRAYSIZE);

Publisher::Publisher(Bus& bus, EventSource source)
    : bus_(bus), source_(source), id_prefix_(RandomIdPrefix()) {}

std::string Publisher::NextEventId() {
  return internal::Cat(id_prefix_, "-", next_sequence_.fetch_add(1, std::memory_order_relaxed));
}

void Publisher::Publish(const EventInfo& info, const google::protobuf::Message& event,
                        std::span<const std::string> target_user_ids, EventSource source,
                        PublishCallback done) {
  const google::protobuf::Descriptor* expected = info.descriptor();
  if (event.GetDescriptor() != expected) {
    return Fail(info,
                absl::InvalidArgumentError(internal::Cat(
                    "event type \"", info.type, "\" expects a ", expected->full_name(),
                    " message, got a ", event.GetDescriptor()->full_name())),
                done);
  }
  const ChannelInfo& channel = *info.channel;

  // Targets: non-empty user ids, each once (a repeated id must not deliver twice).
  std::vector<std::string_view> targets;
  targets.reserve(target_user_ids.size());
  absl::flat_hash_set<std::string_view> seen;
  for (const std::string& user : target_user_ids) {
    if (user.empty()) {
      return Fail(info,
                  absl::InvalidArgumentError(
                      internal::Cat("event type \"", info.type, "\": a target user id is empty")),
                  done);
    }
    if (seen.insert(user).second) targets.push_back(user);
  }

  std::string scope_value;
  if (!channel.scope_field.empty()) {
    scope_value = info.scope_value(event);
    if (scope_value.empty()) {
      return Fail(info,
                  absl::InvalidArgumentError(internal::Cat(
                      channel.scope_field, ": must not be empty (the scope of channel \"",
                      channel.name, "\")")),
                  done);
    }
  }
  if (channel.access == Access::kPersonal && targets.empty()) {
    return Fail(info,
                absl::InvalidArgumentError(
                    internal::Cat("event type \"", info.type, "\" is on personal channel \"",
                                  channel.name, "\": give at least one target user id")),
                done);
  }

  Envelope envelope;
  envelope.set_id(NextEventId());
  envelope.set_publish_time_unix_nanos(NowUnixNanos());
  envelope.set_type(std::string(info.type));
  envelope.set_source(static_cast<Envelope::Source>(source));
  if (!event.SerializeToString(envelope.mutable_payload())) {
    return Fail(info,
                absl::InvalidArgumentError(
                    internal::Cat("event type \"", info.type, "\" could not be serialized")),
                done);
  }

  // On a channel with history the bus stores each envelope before it counts
  // as published: the acknowledgement means stored.
  const bool stored = channel.history.enabled() && !info.live_only;
  auto send = [this, stored, &channel](const std::string& topic, std::string bytes,
                                       const std::shared_ptr<FanInCallback>& fan_in) {
    if (stored) {
      bus_.PublishStored(
          topic, std::move(bytes), channel.history,
          [fan_in](absl::StatusOr<Position> position) { fan_in->OnOne(position.status()); });
    } else {
      bus_.Publish(topic, std::move(bytes),
                   [fan_in](absl::Status status) { fan_in->OnOne(std::move(status)); });
    }
  };

  if (channel.access != Access::kPersonal) {
    envelope.set_topic(ChannelTopic(channel, scope_value));
    for (std::string_view user : targets) envelope.add_target_user_ids(std::string(user));
    auto fan_in =
        std::make_shared<FanInCallback>(1, envelope.id(), std::string(info.type), std::move(done));
    send(envelope.topic(), envelope.SerializeAsString(), fan_in);
    return;
  }

  // Personal: one envelope per user, on that user's topic, naming that user.
  auto fan_in = std::make_shared<FanInCallback>(targets.size(), envelope.id(),
                                                std::string(info.type), std::move(done));
  for (std::string_view user : targets) {
    std::string topic = UserTopic(channel, user);
    envelope.set_topic(topic);
    envelope.clear_target_user_ids();
    envelope.add_target_user_ids(std::string(user));
    send(topic, envelope.SerializeAsString(), fan_in);
  }
}

}  // namespace pubsub
