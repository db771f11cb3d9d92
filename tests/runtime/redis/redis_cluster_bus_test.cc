// RedisClusterBus against a real Redis Cluster (3 masters, 1 replica each):
// delivery on every shard with sharded pub/sub, history on the topic's shard,
// a master killed, a slot migrated while the bus is subscribed.
#include "pubsub/redis_cluster_bus.h"

#include <hiredis/hiredis.h>

#include <chrono>
#include <condition_variable>
#include <future>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "pubsub/envelope.pb.h"
#include "redis/cluster_keys.h"
#include "redis_cluster_fixture.h"

namespace pubsub {
namespace {

using std::chrono::milliseconds;
using testing::RedisCluster;

constexpr auto kLong = std::chrono::seconds(30);  // a bound for "eventually"
const HistoryPolicy kKeep10{.size = 10, .ttl_seconds = 0};

RedisClusterOptions OptionsFor(const RedisCluster& cluster) {
  absl::StatusOr<RedisClusterOptions> options = ParseRedisClusterUrl(cluster.url());
  EXPECT_TRUE(options.ok()) << options.status();
  options->node.initial_backoff = milliseconds(10);
  options->node.max_backoff = milliseconds(200);
  options->refresh_interval = milliseconds(500);
  options->redirect_budget = milliseconds(10000);
  return *options;
}

// The slot Redis puts the topic's shard channel (and history) in.
int SlotOfTopic(const std::string& topic) {
  return ClusterSlot(internal::redis::ShardChannel("pubsub:", topic));
}

// A topic whose slot is served by `master`.
std::string TopicOn(RedisCluster& cluster, uint16_t master) {
  for (int i = 0;; ++i) {
    std::string topic = "room:" + std::to_string(i);
    if (cluster.MasterOfSlot(SlotOfTopic(topic)) == master) return topic;
  }
}

// Messages received, by topic, with a wait.
class Inbox {
 public:
  Bus::MessageHandler Handler() {
    return [this](std::string_view topic, std::string_view bytes) {
      Envelope envelope;
      envelope.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
      std::lock_guard lock(mutex_);
      ids_[std::string(topic)].push_back(envelope.id());
      changed_.notify_all();
    };
  }
  bool WaitFor(const std::string& topic, const std::string& id,
               std::chrono::milliseconds timeout = kLong) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] {
      for (const auto& got : ids_[topic])
        if (got == id) return true;
      return false;
    });
  }
  std::vector<std::string> Of(const std::string& topic) {
    std::lock_guard lock(mutex_);
    return ids_[topic];
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, std::vector<std::string>> ids_;
};

std::string EnvelopeOf(const std::string& id) {
  Envelope envelope;
  envelope.set_id(id);
  envelope.set_type("t");
  return envelope.SerializeAsString();
}

absl::Status PublishNow(Bus& bus, const std::string& topic, const std::string& id) {
  std::promise<absl::Status> done;
  bus.Publish(topic, EnvelopeOf(id), [&](absl::Status s) { done.set_value(std::move(s)); });
  auto future = done.get_future();
  if (future.wait_for(kLong) != std::future_status::ready) return absl::DeadlineExceededError("");
  return future.get();
}

absl::Status SubscribeNow(Bus& bus, const std::string& topic, Inbox& inbox) {
  std::promise<absl::Status> ready;
  bus.Subscribe(topic, inbox.Handler(), [&](absl::Status s) { ready.set_value(std::move(s)); });
  auto future = ready.get_future();
  if (future.wait_for(kLong) != std::future_status::ready) return absl::DeadlineExceededError("");
  return future.get();
}

int64_t ShardSubscribers(RedisCluster& cluster, uint16_t port, const std::string& topic) {
  auto reply = cluster.Command(
      port, {"PUBSUB", "SHARDNUMSUB", internal::redis::ShardChannel("pubsub:", topic)});
  if (reply == nullptr || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2) return -1;
  return reply->element[1]->integer;
}

// Publishes `id` until it is acknowledged and delivered (a cluster in the
// middle of a change refuses or loses some): what a retrying publisher sees.
bool PublishUntilDelivered(Bus& bus, Inbox& inbox, const std::string& topic,
                           const std::string& id) {
  const auto deadline = std::chrono::steady_clock::now() + kLong;
  while (std::chrono::steady_clock::now() < deadline) {
    if (PublishNow(bus, topic, id).ok() && inbox.WaitFor(topic, id, milliseconds(500))) {
      return true;
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
  return false;
}

class RedisClusterBusTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(cluster_.Start()) << cluster_.error();
    publisher_ = std::make_unique<RedisClusterBus>(OptionsFor(cluster_));
    subscriber_ = std::make_unique<RedisClusterBus>(OptionsFor(cluster_));
    ASSERT_TRUE(publisher_->WaitUntilReady(kLong));
    ASSERT_TRUE(subscriber_->WaitUntilReady(kLong));
  }

  RedisCluster cluster_;
  std::unique_ptr<RedisClusterBus> publisher_;
  std::unique_ptr<RedisClusterBus> subscriber_;
  Inbox inbox_;
};

TEST_F(RedisClusterBusTest, EventsReachSubscribersOnEveryShardAndStayOnTheirShard) {
  const std::vector<uint16_t> masters = cluster_.Masters();
  ASSERT_EQ(masters.size(), 3u);
  std::vector<std::string> topics;
  for (uint16_t master : masters) topics.push_back(TopicOn(cluster_, master));
  for (const std::string& topic : topics)
    ASSERT_TRUE(SubscribeNow(*subscriber_, topic, inbox_).ok());
  for (const std::string& topic : topics) {
    ASSERT_TRUE(PublishNow(*publisher_, topic, "id-" + topic).ok());
  }
  for (const std::string& topic : topics) EXPECT_TRUE(inbox_.WaitFor(topic, "id-" + topic));
  // Each shard holds only its own topics' subscriptions.
  for (size_t m = 0; m < masters.size(); ++m) {
    for (size_t t = 0; t < topics.size(); ++t) {
      EXPECT_EQ(ShardSubscribers(cluster_, masters[m], topics[t]), m == t ? 1 : 0)
          << "topic " << topics[t] << " on master " << masters[m];
    }
  }
  EXPECT_EQ(publisher_->stats().masters, 3u);
  EXPECT_NE(publisher_->Describe().find("redis-cluster://"), std::string::npos);
  for (const std::string& topic : topics) EXPECT_EQ(inbox_.Of(topic).size(), 1u);  // once
}

TEST_F(RedisClusterBusTest, HistoryIsStoredAndReadOnTheTopicsShard) {
  const std::vector<uint16_t> masters = cluster_.Masters();
  for (uint16_t master : masters) {
    const std::string topic = TopicOn(cluster_, master);
    ASSERT_TRUE(SubscribeNow(*subscriber_, topic, inbox_).ok());
    std::vector<Position> positions;
    for (int i = 0; i < 3; ++i) {
      std::promise<absl::StatusOr<Position>> stored;
      publisher_->PublishStored(
          topic, EnvelopeOf(topic + "-" + std::to_string(i)), kKeep10,
          [&](absl::StatusOr<Position> p) { stored.set_value(std::move(p)); });
      absl::StatusOr<Position> position = stored.get_future().get();
      ASSERT_TRUE(position.ok()) << position.status();
      positions.push_back(*position);
    }
    EXPECT_EQ(positions[2].seq, positions[0].seq + 2);
    EXPECT_TRUE(inbox_.WaitFor(topic, topic + "-2"));
    std::promise<absl::StatusOr<HistoryRead>> read;
    publisher_->ReadHistory(topic, kKeep10, positions[0].seq, 100,
                            [&](absl::StatusOr<HistoryRead> r) { read.set_value(std::move(r)); });
    absl::StatusOr<HistoryRead> got = read.get_future().get();
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->epoch, positions[0].epoch);
    ASSERT_EQ(got->envelopes.size(), 2u);
    // The stream is on the master that owns the topic's slot, nowhere else.
    const std::string stream = internal::redis::ShardChannel("pubsub:", topic) + ":s";
    EXPECT_EQ(cluster_.Text(master, {"XLEN", stream}), "3");
  }
}

TEST_F(RedisClusterBusTest, AfterAMasterIsKilledPublishingAndDeliveryContinue) {
  const uint16_t victim = cluster_.Masters().at(0);
  const std::string topic = TopicOn(cluster_, victim);
  const std::string other = TopicOn(cluster_, cluster_.Masters().at(1));
  std::atomic<int> resubscribed{0};
  subscriber_->SetResubscribedHandler([&] { resubscribed.fetch_add(1); });
  ASSERT_TRUE(SubscribeNow(*subscriber_, topic, inbox_).ok());
  ASSERT_TRUE(SubscribeNow(*subscriber_, other, inbox_).ok());
  ASSERT_TRUE(PublishUntilDelivered(*publisher_, inbox_, topic, "before"));

  ASSERT_TRUE(cluster_.KillMaster(victim)) << cluster_.error();
  // The other shards do not notice.
  EXPECT_TRUE(PublishUntilDelivered(*publisher_, inbox_, other, "meanwhile"));
  ASSERT_TRUE(cluster_.WaitForFailover()) << cluster_.error();
  EXPECT_TRUE(PublishUntilDelivered(*publisher_, inbox_, topic, "after"));
  EXPECT_TRUE(PublishUntilDelivered(*publisher_, inbox_, other, "after"));
  // Reported (the gateway reads history then), at most a tick after the move.
  const auto deadline = std::chrono::steady_clock::now() + kLong;
  while (resubscribed.load() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(10));
  }
  EXPECT_GE(resubscribed.load(), 1);
  const auto promoted = cluster_.MasterOfSlot(SlotOfTopic(topic));
  ASSERT_TRUE(promoted.has_value());
  EXPECT_EQ(ShardSubscribers(cluster_, *promoted, topic), 1);
  EXPECT_TRUE(subscriber_->WaitUntilReady(kLong));
}

TEST_F(RedisClusterBusTest, ASlotMigratedWhileSubscribedKeepsDelivering) {
  const std::vector<uint16_t> masters = cluster_.Masters();
  const uint16_t source = masters.at(0);
  const uint16_t target = masters.at(1);
  const std::string topic = TopicOn(cluster_, source);
  ASSERT_TRUE(SubscribeNow(*subscriber_, topic, inbox_).ok());
  // History too: the stream moves with the slot.
  std::promise<absl::StatusOr<Position>> stored;
  publisher_->PublishStored(topic, EnvelopeOf("kept"), kKeep10,
                            [&](absl::StatusOr<Position> p) { stored.set_value(std::move(p)); });
  const absl::StatusOr<Position> first = stored.get_future().get();
  ASSERT_TRUE(first.ok()) << first.status();

  const int slot = SlotOfTopic(topic);
  ASSERT_TRUE(cluster_.BeginSlotMigration(slot, source, target)) << cluster_.error();
  EXPECT_TRUE(PublishUntilDelivered(*publisher_, inbox_, topic, "migrating"));
  ASSERT_TRUE(cluster_.FinishSlotMigration(slot, source, target)) << cluster_.error();
  EXPECT_TRUE(PublishUntilDelivered(*publisher_, inbox_, topic, "moved"));
  EXPECT_EQ(ShardSubscribers(cluster_, target, topic), 1);
  EXPECT_EQ(ShardSubscribers(cluster_, source, topic), 0);

  std::promise<absl::StatusOr<HistoryRead>> read;
  publisher_->ReadHistory(topic, kKeep10, 0, 100,
                          [&](absl::StatusOr<HistoryRead> r) { read.set_value(std::move(r)); });
  const absl::StatusOr<HistoryRead> history = read.get_future().get();
  ASSERT_TRUE(history.ok()) << history.status();
  EXPECT_EQ(history->epoch, first->epoch);  // the same history, on its new master
  EXPECT_EQ(history->last_seq, first->seq);
}

}  // namespace
}  // namespace pubsub
