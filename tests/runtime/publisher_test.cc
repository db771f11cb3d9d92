// Publisher over a real EmbeddedBus: topics, the scope/personal/targeted
// rules, envelopes, ids, ordering and errors.
#include "pubsub/publisher.h"

#include <gtest/gtest.h>

#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "absl/strings/match.h"
#include "pubsub/embedded_bus.h"
#include "pubsub/envelope.pb.h"
#include "pubsub/subscription.h"
#include "test_schema.h"

namespace pubsub_runtime_test {
namespace {

using pubsub::EmbeddedBus;
using pubsub::Envelope;
using pubsub::Publisher;

// Collects the envelopes published on one topic.
class Tap {
 public:
  Tap(pubsub::Bus& bus, std::string_view topic)
      : sub_(bus, bus.Subscribe(
                      topic,
                      [this](std::string_view, std::string_view bytes) {
                        Envelope envelope;
                        EXPECT_TRUE(
                            envelope.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())));
                        std::lock_guard<std::mutex> lock(mutex_);
                        envelopes_.push_back(std::move(envelope));
                      },
                      nullptr)) {}

  std::vector<Envelope> envelopes() {
    std::lock_guard<std::mutex> lock(mutex_);
    return envelopes_;
  }

 private:
  std::mutex mutex_;
  std::vector<Envelope> envelopes_;
  pubsub::Subscription sub_;
};

absl::StatusOr<std::string> PublishNow(Publisher& publisher, const pubsub::EventInfo& info,
                                       const google::protobuf::Message& event,
                                       std::vector<std::string> targets = {}) {
  std::optional<absl::StatusOr<std::string>> result;
  int calls = 0;
  publisher.Publish(info, event, targets, [&](absl::StatusOr<std::string> id) {
    result = std::move(id);
    ++calls;
  });
  EXPECT_EQ(calls, 1);
  return result.value_or(absl::InternalError("done not called"));
}

TEST(PublisherTest, ScopedChannelPublishesOnTheScopeTopic) {
  EmbeddedBus bus;
  Publisher publisher(bus);
  Tap room42(bus, "rooms:42");
  Tap room4(bus, "rooms:4");
  Tap all(bus, "rooms");

  Kitchen event;
  event.set_room("42");
  event.set_i64(7);
  const int64_t before = std::chrono::duration_cast<std::chrono::nanoseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count();
  auto id = PublishNow(publisher, kKitchenEvent, event);
  ASSERT_TRUE(id.ok()) << id.status();

  const auto got = room42.envelopes();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].id(), *id);
  EXPECT_EQ(got[0].type(), "kitchen");
  EXPECT_EQ(got[0].topic(), "rooms:42");
  EXPECT_EQ(got[0].target_user_ids_size(), 0);
  EXPECT_GE(got[0].publish_time_unix_nanos(), before);
  Kitchen decoded;
  ASSERT_TRUE(decoded.ParseFromString(got[0].payload()));
  EXPECT_EQ(decoded.room(), "42");
  EXPECT_EQ(decoded.i64(), 7);
  EXPECT_TRUE(room4.envelopes().empty());
  EXPECT_TRUE(all.envelopes().empty());
}

TEST(PublisherTest, EmptyScopeIsRefused) {
  EmbeddedBus bus;
  Publisher publisher(bus);
  Tap room(bus, "rooms:");
  auto id = PublishNow(publisher, kKitchenEvent, Kitchen());
  EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(id.status().message(), R"(room: must not be empty (the scope of channel "rooms"))");
  EXPECT_TRUE(room.envelopes().empty());
}

TEST(PublisherTest, UnscopedChannelAndTargetedBroadcast) {
  EmbeddedBus bus;
  Publisher publisher(bus);
  Tap lobby(bus, "lobby");
  Note note;
  note.set_text("hi");
  ASSERT_TRUE(PublishNow(publisher, kNoteEvent, note).ok());
  // Targets on a non-personal channel: one envelope on the channel topic
  // naming them, each once.
  ASSERT_TRUE(PublishNow(publisher, kNoteEvent, note, {"ann", "bob", "ann"}).ok());
  const auto got = lobby.envelopes();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].topic(), "lobby");
  EXPECT_EQ(got[0].target_user_ids_size(), 0);
  EXPECT_EQ(got[1].topic(), "lobby");
  ASSERT_EQ(got[1].target_user_ids_size(), 2);
  EXPECT_EQ(got[1].target_user_ids(0), "ann");
  EXPECT_EQ(got[1].target_user_ids(1), "bob");
}

TEST(PublisherTest, EnvelopesSayWhoPublished) {
  EmbeddedBus bus;
  Tap lobby(bus, "lobby");
  Note note;
  note.set_text("hi");
  Publisher service(bus);  // a C++ service: the default
  EXPECT_EQ(service.source(), pubsub::EventSource::kService);
  ASSERT_TRUE(PublishNow(service, kNoteEvent, note).ok());
  Publisher cli(bus, pubsub::EventSource::kCli);
  ASSERT_TRUE(PublishNow(cli, kNoteEvent, note).ok());
  // One call saying otherwise (the gateway's HTTP, gRPC and admin paths).
  int calls = 0;
  service.Publish(kNoteEvent, note, {}, pubsub::EventSource::kGrpc,
                  [&](absl::StatusOr<std::string> id) { calls += id.ok(); });
  EXPECT_EQ(calls, 1);
  ASSERT_TRUE(PublishNow(service, kNoteEvent, note).ok());  // back to its own

  const auto got = lobby.envelopes();
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0].source(), Envelope::SOURCE_SERVICE);
  EXPECT_EQ(got[1].source(), Envelope::SOURCE_CLI);
  EXPECT_EQ(got[2].source(), Envelope::SOURCE_GRPC);
  EXPECT_EQ(got[3].source(), Envelope::SOURCE_SERVICE);
}

TEST(PublisherTest, PersonalChannelSendsOneEnvelopePerTarget) {
  EmbeddedBus bus;
  Publisher publisher(bus);
  Tap ann(bus, "inbox@ann");
  Tap bob(bus, "inbox@bob");
  Tap carl(bus, "inbox@carl");
  Tap channel(bus, "inbox");
  Letter letter;
  letter.set_text("for you");
  auto id = PublishNow(publisher, kLetterEvent, letter, {"ann", "bob", "ann"});
  ASSERT_TRUE(id.ok()) << id.status();
  for (Tap* tap : {&ann, &bob}) {
    const auto got = tap->envelopes();
    ASSERT_EQ(got.size(), 1u);    // "ann" twice still delivers once
    EXPECT_EQ(got[0].id(), *id);  // one event, one id
    EXPECT_EQ(got[0].type(), "letter");
    ASSERT_EQ(got[0].target_user_ids_size(), 1);
    EXPECT_EQ("inbox@" + got[0].target_user_ids(0), got[0].topic());
  }
  EXPECT_TRUE(carl.envelopes().empty());
  EXPECT_TRUE(channel.envelopes().empty());
}

TEST(PublisherTest, PersonalChannelRequiresTargets) {
  EmbeddedBus bus;
  Publisher publisher(bus);
  auto id = PublishNow(publisher, kLetterEvent, Letter());
  EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      id.status().message(),
      R"(event type "letter" is on personal channel "inbox": give at least one target user id)");
}

TEST(PublisherTest, EmptyTargetUserIdIsRefused) {
  EmbeddedBus bus;
  Publisher publisher(bus);
  Tap ann(bus, "inbox@ann");
  for (const pubsub::EventInfo* info : {&kLetterEvent, &kNoteEvent}) {
    auto event = std::unique_ptr<google::protobuf::Message>(info->default_instance().New());
    auto id = PublishNow(publisher, *info, *event, {"ann", ""});
    EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(id.status().message(),
              "event type \"" + std::string(info->type) + "\": a target user id is empty");
  }
  EXPECT_TRUE(ann.envelopes().empty());  // nothing was sent to anybody
}

TEST(PublisherTest, WrongMessageTypeIsRefused) {
  EmbeddedBus bus;
  Publisher publisher(bus);
  auto id = PublishNow(publisher, kNoteEvent, Letter());
  EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      id.status().message(),
      R"(event type "note" expects a pubsub_runtime_test.Note message, got a pubsub_runtime_test.Letter)");
}

TEST(PublisherTest, BusErrorsReachTheCaller) {
  // A long user id makes one envelope exceed the bus limit; the other fits.
  Note probe;
  EmbeddedBus bus(/*max_envelope_bytes=*/100);
  Publisher publisher(bus);
  Tap ann(bus, "inbox@ann");
  const std::string long_user(80, 'z');
  auto id = PublishNow(publisher, kLetterEvent, Letter(), {"ann", long_user});
  EXPECT_EQ(id.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StrContains(id.status().message(), "exceeds the bus limit of 100 bytes"))
      << id.status();
  EXPECT_EQ(ann.envelopes().size(), 1u);
}

TEST(PublisherTest, FailuresWithoutCallbackAreOnlyLogged) {
  EmbeddedBus bus;
  Publisher publisher(bus);
  publisher.Publish(kLetterEvent, Letter(), {}, nullptr);  // no targets: logged
  Tap lobby(bus, "lobby");
  publisher.Publish(kNoteEvent, Note(), {}, nullptr);
  EXPECT_EQ(lobby.envelopes().size(), 1u);
}

TEST(PublisherTest, IdsAreUniqueAcrossThreadsAndPublishers) {
  EmbeddedBus bus;
  Publisher a(bus);
  Publisher b(bus);
  std::mutex mutex;
  std::set<std::string> ids;
  std::vector<std::thread> threads;
  for (Publisher* p : {&a, &b, &a, &b}) {
    threads.emplace_back([&, p] {
      for (int i = 0; i < 1000; ++i) {
        std::string id = p->NextEventId();
        std::lock_guard<std::mutex> lock(mutex);
        EXPECT_TRUE(ids.insert(std::move(id)).second);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ids.size(), 4000u);
  const std::string id = a.NextEventId();
  EXPECT_EQ(id.find('-'), 16u) << id;  // "<16 hex digits>-<counter>"
}

TEST(PublisherTest, OneThreadsEventsKeepTheirOrder) {
  EmbeddedBus bus;
  Publisher publisher(bus);
  Tap room(bus, "rooms:r");
  std::vector<std::string> ids;
  for (int i = 0; i < 500; ++i) {
    Kitchen event;
    event.set_room("r");
    event.set_i32(i);
    auto id = PublishNow(publisher, kKitchenEvent, event);
    ASSERT_TRUE(id.ok());
    ids.push_back(*id);
  }
  const auto got = room.envelopes();
  ASSERT_EQ(got.size(), 500u);
  for (int i = 0; i < 500; ++i) {
    Kitchen decoded;
    ASSERT_TRUE(decoded.ParseFromString(got[i].payload()));
    EXPECT_EQ(decoded.i32(), i);
    EXPECT_EQ(got[i].id(), ids[i]);
  }
}

TEST(PublisherTest, DecodeEnvelopeReadsWhatPublisherWrote) {
  EmbeddedBus bus;
  Publisher publisher(bus);
  std::string type, payload;
  pubsub::EventMeta meta;
  bool decoded = false;
  pubsub::Subscription sub(bus, bus.Subscribe(
                                    "inbox@ann",
                                    [&](std::string_view topic, std::string_view bytes) {
                                      decoded = pubsub::internal::DecodeEnvelope(topic, bytes, type,
                                                                                 payload, meta);
                                    },
                                    nullptr));
  Letter letter;
  letter.set_text("x");
  auto id = PublishNow(publisher, kLetterEvent, letter, {"ann"});
  ASSERT_TRUE(decoded);
  EXPECT_EQ(type, "letter");
  EXPECT_EQ(meta.id, *id);
  EXPECT_EQ(meta.target_user_ids, std::vector<std::string>{"ann"});
  Letter back;
  ASSERT_TRUE(back.ParseFromString(payload));
  EXPECT_EQ(back.text(), "x");
}

}  // namespace
}  // namespace pubsub_runtime_test
