// --publish-via redis: the typed C++ publisher of the sample schema over a
// RedisBus (or a RedisClusterBus for a redis-cluster:// URL), exactly as a C++
// service publishes (tools/examples/). RedisBus pipelines: many publishes in
// flight on one connection, written coalesced.
#include <memory>

#include "broadcasts.pubsub.h"
#include "comments.pubsub.h"
#include "forum.pubsub.h"
#include "notifications.pubsub.h"
#include "pubsub/publisher.h"
#include "pubsub/redis_target.h"
#include "tools/loadgen/publish_path.h"

namespace pubsub::loadgen {
namespace {

// Unacknowledged publishes allowed before Send waits.
constexpr uint64_t kMaxInFlight = 20000;

class RedisPath final : public PublishPath {
 public:
  RedisPath(const Options& options, const EventFactory& factory)
      : url_(options.redis_url), factory_(factory) {}

  absl::Status Start() override {
    auto target = ParseRedisTarget(url_);
    if (!target.ok()) return target.status();
    bus_ = MakeRedisBus(*std::move(target));
    if (!WaitUntilReady(*bus_, std::chrono::seconds(10))) {
      return absl::UnavailableError("cannot reach Redis at " + url_);
    }
    publisher_ = std::make_unique<Publisher>(*bus_);
    broadcasts_ = std::make_unique<sample::BroadcastsPublisher>(*publisher_);
    comments_ = std::make_unique<sample::TrackCommentsPublisher>(*publisher_);
    forum_ = std::make_unique<sample::ForumPublisher>(*publisher_);
    notifications_ = std::make_unique<sample::NotificationsPublisher>(*publisher_);
    return absl::OkStatus();
  }

  void Finish(std::chrono::milliseconds timeout) override {
    WaitForAcks(timeout);
    bus_.reset();  // fails what is left with Unavailable, joins the bus thread
  }

 protected:
  void DoSend(const EventSpec& e) override {
    WaitForRoom(kMaxInFlight);
    auto done = [this](absl::StatusOr<std::string> id) {
      if (id.ok()) {
        Ack();
      } else {
        Failure(id.status().ToString());
      }
    };
    auto message = factory_.Typed(e);
    switch (factory_.kind()) {
      case ChannelKind::kBroadcasts:
        broadcasts_->Publish(static_cast<const sample::NewBroadcast&>(*message), done);
        break;
      case ChannelKind::kComments:
        comments_->Publish(static_cast<const sample::NewComment&>(*message), done);
        break;
      case ChannelKind::kForum:
        forum_->Publish(static_cast<const sample::NewPost&>(*message), done);
        break;
      case ChannelKind::kPersonal:
        notifications_->PublishToUser(UserId(e.user),
                                      static_cast<const sample::PrivateMessage&>(*message), done);
        break;
    }
  }

 private:
  const std::string url_;
  const EventFactory& factory_;
  std::unique_ptr<Bus> bus_;
  std::unique_ptr<Publisher> publisher_;
  std::unique_ptr<sample::BroadcastsPublisher> broadcasts_;
  std::unique_ptr<sample::TrackCommentsPublisher> comments_;
  std::unique_ptr<sample::ForumPublisher> forum_;
  std::unique_ptr<sample::NotificationsPublisher> notifications_;
};

}  // namespace

std::unique_ptr<PublishPath> MakeRedisPath(const Options& options, const EventFactory& factory) {
  return std::make_unique<RedisPath>(options, factory);
}

}  // namespace pubsub::loadgen
