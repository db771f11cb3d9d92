#include "server/gateway/hub.h"

#include <memory>
#include <string>

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

  void Poll() {
    for (size_t i = 0; i < loops_->size(); ++i) {
      loops_->loop(i).restart();
      loops_->loop(i).poll();
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

}  // namespace
}  // namespace pubsub::gateway
