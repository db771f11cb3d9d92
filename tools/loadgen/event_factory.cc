#include "tools/loadgen/event_factory.h"

#include "broadcasts.pb.h"
#include "comments.pb.h"
#include "forum.pb.h"
#include "notifications.pb.h"
#include "tools/loadgen/event_text.h"

namespace pubsub::loadgen {
namespace {
// A fixed creation time: the JSON writer's work is the same for every event.
constexpr int64_t kCreatedAtSeconds = 1'800'000'000;
constexpr char kCreatedAtJson[] = "2027-01-15T08:00:00Z";
}  // namespace

std::string UserId(uint32_t user) { return "u" + std::to_string(user); }

std::string EventFactory::Text(const EventSpec& event) const {
  return MakeEventText(event.send_unix_nanos, event.seq, payload_bytes_);
}

std::string EventFactory::JsonBody(const EventSpec& e) const {
  const std::string text = Text(e);
  const std::string id = std::to_string(e.seq);
  const std::string scope = std::to_string(e.scope);
  switch (kind_) {
    case ChannelKind::kBroadcasts:
      return R"({"type":"new_broadcast","data":{"id":)" + id + R"(,"title":"loadgen","content":")" +
             text + R"(","author":"loadgen","created_at":")" + kCreatedAtJson + R"("}})";
    case ChannelKind::kComments:
      return R"({"type":"new_comment","track_id":")" + scope + R"(","data":{"id":)" + id +
             R"(,"content":")" + text + R"(","author":"loadgen","timestamp":12.5,"created_at":")" +
             kCreatedAtJson + R"("}})";
    case ChannelKind::kForum:
      return R"({"type":"new_post","thread_id":")" + scope + R"(","data":{"id":)" + id +
             R"(,"content":")" + text + R"(","author":"loadgen","created_at":")" + kCreatedAtJson +
             R"("}})";
    case ChannelKind::kPersonal:
      return R"({"type":"private_message","text":")" + text + R"("})";
  }
  return {};
}

std::string EventFactory::HttpTarget(const EventSpec& e) const {
  if (kind_ == ChannelKind::kPersonal) return "/api/publish?to=" + UserId(e.user);
  return "/api/publish";
}

std::unique_ptr<google::protobuf::Message> EventFactory::Typed(const EventSpec& e) const {
  switch (kind_) {
    case ChannelKind::kBroadcasts: {
      auto event = std::make_unique<sample::NewBroadcast>();
      auto* data = event->mutable_data();
      data->set_id(static_cast<int64_t>(e.seq));
      data->set_title("loadgen");
      data->set_content(Text(e));
      data->set_author("loadgen");
      data->mutable_created_at()->set_seconds(kCreatedAtSeconds);
      return event;
    }
    case ChannelKind::kComments: {
      auto event = std::make_unique<sample::NewComment>();
      event->set_track_id(std::to_string(e.scope));
      auto* data = event->mutable_data();
      data->set_id(static_cast<int64_t>(e.seq));
      data->set_content(Text(e));
      data->set_author("loadgen");
      data->set_timestamp(12.5);
      data->mutable_created_at()->set_seconds(kCreatedAtSeconds);
      return event;
    }
    case ChannelKind::kForum: {
      auto event = std::make_unique<sample::NewPost>();
      event->set_thread_id(std::to_string(e.scope));
      auto* data = event->mutable_data();
      data->set_id(static_cast<int64_t>(e.seq));
      data->set_content(Text(e));
      data->set_author("loadgen");
      data->mutable_created_at()->set_seconds(kCreatedAtSeconds);
      return event;
    }
    case ChannelKind::kPersonal: {
      auto event = std::make_unique<sample::PrivateMessage>();
      event->set_text(Text(e));
      return event;
    }
  }
  return nullptr;
}

std::vector<std::string> EventFactory::Targets(const EventSpec& e) const {
  if (kind_ == ChannelKind::kPersonal) return {UserId(e.user)};
  return {};
}

}  // namespace pubsub::loadgen
