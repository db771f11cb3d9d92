#include "server/gateway/hub.h"

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "broadcasts.pubsub.h"
#include "comments.pubsub.h"
#include "pubsub/embedded_bus.h"
#include "pubsub/publisher.h"
#include "sample_schema.schema.h"
#include "tests/server/gateway/fakes.h"

namespace pubsub::gateway {
namespace {

using testing::FakeRecipient;

// The loops are never started: the test runs their handlers itself with
// Poll(), so what is queued where is deterministic.
class HubTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(schemas::sample_schema().register_all(registry_).ok());
    broadcasts_ = registry_.FindChannel("broadcasts");
    comments_ = registry_.FindChannel("track_comments");
  }

  void MakeHub(size_t loops, HubOptions options = {}) {
    loops_ = std::make_unique<LoopPool>(loops);
    metrics_ = std::make_unique<Metrics>(loops, registry_);
    hub_ = std::make_unique<Hub>(bus_, registry_, *loops_, *metrics_, options);
  }

  Hub::TopicPtr Join(size_t loop, const std::string& topic, const ChannelInfo& channel,
                     FakeRecipient& recipient) {
    auto status = std::make_shared<absl::Status>(absl::UnknownError("not ready"));
    auto handle = hub_->Join(loop, topic, channel, &recipient,
                             [status](absl::Status s) { *status = std::move(s); });
    Poll();
    EXPECT_TRUE(status->ok()) << *status;
    return handle;
  }

  void PublishBroadcast(int64_t id, std::vector<std::string> targets = {}) {
    sample::NewBroadcast event;
    event.mutable_data()->set_id(id);
    event.mutable_data()->set_title("t");
    publisher_.Publish(EventTraits<sample::NewBroadcast>::Info(), event, targets,
                       [](absl::StatusOr<std::string> id) { ASSERT_TRUE(id.ok()); });
  }

  // Runs every loop's handlers until none is left: a topic's worker may be
  // another loop than its recipients'.
  void Poll() {
    for (bool ran = true; ran;) {
      ran = false;
      for (size_t i = 0; i < loops_->size(); ++i) {
        loops_->loop(i).restart();
        if (loops_->loop(i).poll() > 0) ran = true;
      }
    }
  }

  Registry registry_;
  const ChannelInfo* broadcasts_ = nullptr;
  const ChannelInfo* comments_ = nullptr;
  EmbeddedBus bus_;
  Publisher publisher_{bus_};
  std::unique_ptr<LoopPool> loops_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<Hub> hub_;
};

TEST_F(HubTest, FirstJoinSubscribesAndLastLeaveUnsubscribes) {
  MakeHub(1);
  FakeRecipient ann("ann"), bob("bob");
  auto a = Join(0, "broadcasts", *broadcasts_, ann);
  auto b = Join(0, "broadcasts", *broadcasts_, bob);
  EXPECT_EQ(hub_->TopicCount(), 1u);
  hub_->Leave(0, a, &ann);
  EXPECT_EQ(hub_->TopicCount(), 1u);
  hub_->Leave(0, b, &bob);
  EXPECT_EQ(hub_->TopicCount(), 0u);
  PublishBroadcast(1);
  Poll();
  EXPECT_TRUE(ann.deliveries.empty());
  EXPECT_EQ(metrics_->events_in.load(), 0u);  // nobody subscribed on the bus
}

TEST_F(HubTest, AnEventIsRenderedOnceForEveryLoop) {
  MakeHub(2);
  FakeRecipient ann("ann"), bob("bob"), cid("cid");
  auto a = Join(0, "broadcasts", *broadcasts_, ann);
  auto b = Join(1, "broadcasts", *broadcasts_, bob);
  auto c = Join(1, "broadcasts", *broadcasts_, cid);
  PublishBroadcast(7);
  Poll();
  ASSERT_EQ(ann.deliveries.size(), 1u);
  ASSERT_EQ(bob.deliveries.size(), 1u);
  ASSERT_EQ(cid.deliveries.size(), 1u);
  // One buffer, shared: rendered once per replica.
  EXPECT_EQ(ann.deliveries[0].get(), bob.deliveries[0].get());
  EXPECT_EQ(bob.deliveries[0].get(), cid.deliveries[0].get());
  const std::string frame = ann.Frames()[0];
  EXPECT_EQ(frame.substr(2, 32), R"({"type":"new_broadcast","data":{)");
  EXPECT_EQ(metrics_->events_in.load(), 1u);
}

TEST_F(HubTest, TargetsReachOnlyThoseUsers) {
  MakeHub(1);
  FakeRecipient ann("ann"), bob("bob");
  auto a = Join(0, "broadcasts", *broadcasts_, ann);
  auto b = Join(0, "broadcasts", *broadcasts_, bob);
  PublishBroadcast(1, {"bob"});
  Poll();
  EXPECT_TRUE(ann.deliveries.empty());
  EXPECT_EQ(bob.deliveries.size(), 1u);
}

TEST_F(HubTest, AnAdminsTailSeesEveryTarget) {
  MakeHub(1);
  FakeRecipient ann("ann"), root("root");
  root.sees_every_target = true;
  auto a = Join(0, "broadcasts", *broadcasts_, ann);
  auto r = Join(0, "broadcasts", *broadcasts_, root);
  PublishBroadcast(1, {"bob"});
  PublishBroadcast(2);
  Poll();
  EXPECT_EQ(ann.deliveries.size(), 1u);
  EXPECT_EQ(root.deliveries.size(), 2u);
}

TEST_F(HubTest, ScopesKeepTopicsApart) {
  MakeHub(1);
  FakeRecipient ann("ann"), bob("bob");
  auto a = Join(0, "track_comments:1", *comments_, ann);
  auto b = Join(0, "track_comments:2", *comments_, bob);
  sample::NewComment event;
  event.set_track_id("2");
  event.mutable_data()->set_id(1);
  publisher_.Publish(EventTraits<sample::NewComment>::Info(), event, {}, {});
  Poll();
  EXPECT_TRUE(ann.deliveries.empty());
  EXPECT_EQ(bob.deliveries.size(), 1u);
}

TEST_F(HubTest, ALoopThatFallsBehindShedsTheTopicsSocketsInsteadOfGrowing) {
  // Room for three small events in the loop's inbox.
  MakeHub(1, HubOptions{.max_loop_queue_bytes = 3 * (Hub::kItemOverhead + 120)});
  FakeRecipient ann("ann"), bob("bob");
  auto a = Join(0, "broadcasts", *broadcasts_, ann);
  auto b = Join(0, "broadcasts", *broadcasts_, bob);
  for (int i = 1; i <= 6; ++i) PublishBroadcast(i);  // the loop does not run meanwhile
  Poll();
  // Every event up to the first one missed, then the close: never a silent gap.
  for (FakeRecipient* r : {&ann, &bob}) {
    EXPECT_EQ(r->deliveries.size(), 3u);
    ASSERT_EQ(r->sheds.size(), 1u);
    EXPECT_EQ(r->sheds[0], std::make_pair(uint16_t{1013}, std::string("server overloaded")));
  }
  EXPECT_EQ(metrics_->shard(0).loop_queue_overflows.load(), 3u);
  EXPECT_EQ(metrics_->shard(0).overload_closes.load(), 2u);
  // Once drained, the inbox takes events again.
  PublishBroadcast(7);
  Poll();
  EXPECT_EQ(ann.deliveries.size(), 4u);
}

TEST_F(HubTest, ARecipientThatThrowsIsShedAndTheOthersStillReceive) {
  MakeHub(1);
  FakeRecipient ann("ann"), bob("bob");
  ann.throw_on_deliver = true;
  auto a = Join(0, "broadcasts", *broadcasts_, ann);
  auto b = Join(0, "broadcasts", *broadcasts_, bob);
  PublishBroadcast(1);
  Poll();
  EXPECT_EQ(bob.deliveries.size(), 1u);
  ASSERT_EQ(ann.sheds.size(), 1u);
  EXPECT_EQ(ann.sheds[0].first, 1011);
  EXPECT_EQ(metrics_->Exceptions(Component::kHub), 1u);
}

TEST_F(HubTest, AnEventWhoseRenderingThrowsIsDroppedAndCounted) {
  // The sample's new_broadcast, with a JSON writer that throws.
  Registry registry;
  EventInfo broken = EventTraits<sample::NewBroadcast>::Info();
  broken.write_json = [](const google::protobuf::Message&, internal::JsonWriter&) {
    throw std::runtime_error("render failed on purpose");
  };
  ASSERT_TRUE(registry.AddChannel(*broadcasts_).ok());
  ASSERT_TRUE(registry.AddEvent(broken).ok());
  LoopPool loops(1);
  Metrics metrics(1, registry);
  Hub hub(bus_, registry, loops, metrics);
  FakeRecipient ann("ann");
  auto a = hub.Join(0, "broadcasts", *broadcasts_, &ann, [](absl::Status) {});
  PublishBroadcast(1);
  loops.loop(0).poll();
  EXPECT_TRUE(ann.deliveries.empty());
  EXPECT_EQ(metrics.Exceptions(Component::kHub), 1u);
  EXPECT_EQ(metrics.events_dropped.load(), 1u);
  hub.Leave(0, a, &ann);
}

TEST_F(HubTest, WhatTheBusCarriesIsUntrusted) {
  MakeHub(1);
  FakeRecipient ann("ann");
  auto a = Join(0, "broadcasts", *broadcasts_, ann);
  bus_.Publish("broadcasts", "not an envelope", {});
  Poll();
  EXPECT_TRUE(ann.deliveries.empty());
  EXPECT_EQ(metrics_->events_dropped.load(), 1u);
  PublishBroadcast(2);
  Poll();
  EXPECT_EQ(ann.deliveries.size(), 1u);
}

// Records the comment ids it receives; the count is read from other threads.
class IdRecipient final : public Recipient {
 public:
  explicit IdRecipient(std::string user) : user_(std::move(user)) {}
  const std::string& user_id() const override { return user_; }
  void Deliver(const DeliveryPtr& delivery) override {
    const std::string frame(delivery->frame());
    const size_t at = frame.find("\"id\":");
    ids.push_back(at == std::string::npos ? -1 : std::stoll(frame.substr(at + 5)));
    count.fetch_add(1);
  }
  void Shed(uint16_t code, std::string_view) override { sheds.push_back(code); }

  std::vector<int64_t> ids;  // on the recipient's loop
  std::vector<uint16_t> sheds;
  std::atomic<size_t> count{0};

 private:
  std::string user_;
};

TEST_F(HubTest, OneTopicsEventsStayInOrderWhileManyTopicsArePublishedFromAnotherThread) {
  constexpr size_t kLoops = 4;
  constexpr int kTopics = 16;
  constexpr int kEvents = 500;
  MakeHub(kLoops);
  // Every topic has a recipient on every loop, so its worker hands each
  // event to its own loop and to three others. Comments keep history (their
  // order is also checked by position); broadcasts do not, so nothing but
  // the worker keeps them in order.
  std::vector<std::unique_ptr<IdRecipient>> recipients;
  std::vector<std::pair<size_t, Hub::TopicPtr>> handles;
  auto join = [&](const std::string& topic, const ChannelInfo& channel) {
    for (size_t loop = 0; loop < kLoops; ++loop) {
      recipients.push_back(std::make_unique<IdRecipient>("u"));
      handles.emplace_back(loop, hub_->Join(loop, topic, channel, recipients.back().get(),
                                            [](absl::Status s) { EXPECT_TRUE(s.ok()) << s; }));
    }
  };
  for (int t = 0; t < kTopics; ++t) join("track_comments:" + std::to_string(t), *comments_);
  join("broadcasts", *broadcasts_);
  Poll();
  for (size_t i = 0; i < kLoops; ++i) loops_->loop(i).restart();
  loops_->Start();
  // The publishing thread is the bus's thread here (the embedded bus calls
  // the handlers on the publisher's thread): topics interleaved.
  std::thread bus([this] {
    for (int i = 1; i <= kEvents; ++i) {
      for (int t = 0; t < kTopics; ++t) {
        sample::NewComment event;
        event.set_track_id(std::to_string(t));
        event.mutable_data()->set_id(i);
        publisher_.Publish(EventTraits<sample::NewComment>::Info(), event, {}, {});
      }
      PublishBroadcast(i);
    }
  });
  bus.join();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  for (auto& r : recipients) {
    while (r->count.load() < static_cast<size_t>(kEvents) &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  loops_->Stop();
  loops_->Join();
  std::vector<int64_t> expected;
  for (int i = 1; i <= kEvents; ++i) expected.push_back(i);
  for (auto& r : recipients) {
    EXPECT_EQ(r->ids, expected);
    EXPECT_TRUE(r->sheds.empty());
  }
  EXPECT_EQ(metrics_->events_in.load(), static_cast<uint64_t>((kTopics + 1) * kEvents));
  EXPECT_EQ(metrics_->render_queue_overflows.load(), 0u);
  // Leave on the loops' threads is not possible any more: the loops are
  // stopped, so their lists are ours now.
  for (size_t i = 0; i < handles.size(); ++i) {
    hub_->Leave(handles[i].first, handles[i].second, recipients[i].get());
  }
}

TEST_F(HubTest, ATopicsEventIsRenderedOncePerReplicaWhateverLoopRendersIt) {
  // The sample's new_broadcast, with a JSON writer that counts its calls
  // (a plain function pointer: the state is static).
  static std::atomic<int> renders{0};
  static decltype(EventInfo::write_json) write = nullptr;
  renders = 0;
  Registry registry;
  EventInfo counted = EventTraits<sample::NewBroadcast>::Info();
  write = counted.write_json;
  counted.write_json = [](const google::protobuf::Message& m, internal::JsonWriter& w) {
    renders.fetch_add(1);
    write(m, w);
  };
  ASSERT_TRUE(registry.AddChannel(*broadcasts_).ok());
  ASSERT_TRUE(registry.AddEvent(counted).ok());
  loops_ = std::make_unique<LoopPool>(4);
  metrics_ = std::make_unique<Metrics>(4, registry);
  hub_ = std::make_unique<Hub>(bus_, registry, *loops_, *metrics_);
  std::vector<std::unique_ptr<FakeRecipient>> recipients;
  std::vector<Hub::TopicPtr> handles;
  for (size_t loop = 0; loop < 4; ++loop) {
    for (int i = 0; i < 2; ++i) {
      recipients.push_back(std::make_unique<FakeRecipient>("u"));
      handles.push_back(Join(loop, "broadcasts", *broadcasts_, *recipients.back()));
    }
  }
  for (int i = 1; i <= 5; ++i) PublishBroadcast(i);
  Poll();
  EXPECT_EQ(renders.load(), 5);
  EXPECT_EQ(metrics_->events_in.load(), 5u);
  for (auto& r : recipients) {
    ASSERT_EQ(r->deliveries.size(), 5u);
    for (size_t i = 0; i < 5; ++i) {
      EXPECT_EQ(r->deliveries[i].get(), recipients[0]->deliveries[i].get());  // one buffer
    }
  }
  for (size_t i = 0; i < handles.size(); ++i) {
    hub_->Leave(i / 2, handles[i], recipients[i].get());
  }
  hub_.reset();  // before `registry`
  metrics_.reset();
}

TEST_F(HubTest, AWorkerThatFallsBehindShedsTheTopicsClientsOnEveryLoop) {
  // Room for three raw envelopes in the worker's queue.
  size_t envelope = 0;
  auto probe = bus_.Subscribe(
      "broadcasts", [&](std::string_view, std::string_view e) { envelope = e.size(); },
      [](absl::Status) {});
  PublishBroadcast(9);
  bus_.Unsubscribe(probe);
  ASSERT_GT(envelope, 0u);
  MakeHub(2,
          HubOptions{.max_render_queue_bytes = 3 * (Hub::kItemOverhead + envelope) + envelope / 2});
  FakeRecipient ann("ann"), bob("bob");
  auto a = Join(0, "broadcasts", *broadcasts_, ann);
  auto b = Join(1, "broadcasts", *broadcasts_, bob);
  for (int i = 1; i <= 6; ++i) PublishBroadcast(i);  // no loop runs meanwhile
  Poll();
  // Every event up to the first one dropped, then the close: never a silent gap.
  for (FakeRecipient* r : {&ann, &bob}) {
    EXPECT_EQ(r->deliveries.size(), 3u);
    ASSERT_EQ(r->sheds.size(), 1u);
    EXPECT_EQ(r->sheds[0], std::make_pair(uint16_t{1013}, std::string("server overloaded")));
  }
  EXPECT_EQ(metrics_->events_in.load(), 6u);
  EXPECT_EQ(metrics_->render_queue_overflows.load(), 3u);
  EXPECT_EQ(metrics_->events_dropped.load(), 0u);
  EXPECT_EQ(metrics_->shard(0).overload_closes.load() + metrics_->shard(1).overload_closes.load(),
            2u);
  // Once drained, the queue takes events again.
  PublishBroadcast(7);
  Poll();
  EXPECT_EQ(ann.deliveries.size(), 4u);
  hub_->Leave(0, a, &ann);
  hub_->Leave(1, b, &bob);
}

}  // namespace
}  // namespace pubsub::gateway
