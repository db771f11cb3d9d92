// EmbeddedBus: delivery, topics, ordering, the size limit, and the
// Unsubscribe guarantee under concurrent publishes.
#include "pubsub/embedded_bus.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <random>
#include <thread>
#include <vector>

namespace pubsub {
namespace {

struct Received {
  std::mutex mutex;
  std::vector<std::pair<std::string, std::string>> messages;  // topic, envelope

  Bus::MessageHandler Handler() {
    return [this](std::string_view topic, std::string_view envelope) {
      std::lock_guard<std::mutex> lock(mutex);
      messages.emplace_back(topic, envelope);
    };
  }
  size_t size() {
    std::lock_guard<std::mutex> lock(mutex);
    return messages.size();
  }
};

// Publishes and returns the status `done` received (EmbeddedBus calls it
// before Publish returns).
absl::Status PublishStatus(Bus& bus, std::string_view topic, std::string envelope) {
  std::optional<absl::Status> result;
  bus.Publish(topic, std::move(envelope), [&](absl::Status s) { result = s; });
  EXPECT_TRUE(result.has_value());
  return result.value_or(absl::InternalError("done not called"));
}

void PublishNow(Bus& bus, std::string_view topic, std::string envelope) {
  const absl::Status status = PublishStatus(bus, topic, std::move(envelope));
  EXPECT_TRUE(status.ok()) << status;
}

TEST(EmbeddedBusTest, DeliversToSubscribersOfTheTopicOnly) {
  EmbeddedBus bus;
  EXPECT_TRUE(bus.IsReady());
  EXPECT_EQ(bus.Describe(), "memory");
  Received a, b, other;
  int ready_calls = 0;
  bus.Subscribe("track_comments:42", a.Handler(), [&](absl::Status s) {
    EXPECT_TRUE(s.ok());
    ++ready_calls;
  });
  EXPECT_EQ(ready_calls, 1);  // before Subscribe returned
  bus.Subscribe("track_comments:42", b.Handler(), nullptr);
  bus.Subscribe("track_comments:4", other.Handler(), nullptr);

  PublishNow(bus, "track_comments:42", "e1");
  PublishNow(bus, "nobody", "e2");  // no subscriber: fine, dropped
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a.messages[0].first, "track_comments:42");
  EXPECT_EQ(a.messages[0].second, "e1");
  EXPECT_EQ(b.size(), 1u);
  EXPECT_EQ(other.size(), 0u);
  bus.Publish("track_comments:42", "e3", nullptr);  // done may be empty
  EXPECT_EQ(a.size(), 2u);
}

TEST(EmbeddedBusTest, UnsubscribeStopsDelivery) {
  EmbeddedBus bus;
  Received a, b;
  const auto id_a = bus.Subscribe("t", a.Handler(), nullptr);
  const auto id_b = bus.Subscribe("t", b.Handler(), nullptr);
  EXPECT_NE(id_a, id_b);
  PublishNow(bus, "t", "1");
  bus.Unsubscribe(id_a);
  PublishNow(bus, "t", "2");
  bus.Unsubscribe(id_b);
  bus.Unsubscribe(id_b);    // twice: no effect
  bus.Unsubscribe(123456);  // unknown: no effect
  PublishNow(bus, "t", "3");
  EXPECT_EQ(a.size(), 1u);
  EXPECT_EQ(b.size(), 2u);
  // The topic can be subscribed again after its last subscriber left.
  Received c;
  bus.Subscribe("t", c.Handler(), nullptr);
  PublishNow(bus, "t", "4");
  EXPECT_EQ(c.size(), 1u);
}

TEST(EmbeddedBusTest, SizeLimit) {
  EmbeddedBus bus(/*max_envelope_bytes=*/10);
  Received a;
  bus.Subscribe("t", a.Handler(), nullptr);
  PublishNow(bus, "t", std::string(10, 'x'));
  const absl::Status status = PublishStatus(bus, "t", std::string(11, 'x'));
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "envelope of 11 bytes exceeds the bus limit of 10 bytes");
  EXPECT_EQ(a.size(), 1u);
}

TEST(EmbeddedBusTest, OneThreadsPublishesArriveInOrder) {
  EmbeddedBus bus;
  Received a;
  bus.Subscribe("t", a.Handler(), nullptr);
  for (int i = 0; i < 1000; ++i) PublishNow(bus, "t", std::to_string(i));
  ASSERT_EQ(a.size(), 1000u);
  for (int i = 0; i < 1000; ++i) EXPECT_EQ(a.messages[i].second, std::to_string(i));
}

TEST(EmbeddedBusTest, HandlersMayPublishSubscribeAndUnsubscribe) {
  EmbeddedBus bus;
  Received echoes;
  bus.Subscribe("echo", echoes.Handler(), nullptr);
  int calls = 0;
  Bus::SubscriptionId self = 0;
  self = bus.Subscribe(
      "t",
      [&](std::string_view, std::string_view envelope) {
        ++calls;
        bus.Publish("echo", std::string(envelope), nullptr);  // re-entrant publish
        bus.Unsubscribe(self);  // from inside its own handler: must not wait for itself
      },
      nullptr);
  PublishNow(bus, "t", "x");
  PublishNow(bus, "t", "y");
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(echoes.size(), 1u);
}

// When Unsubscribe returns, a call of the handler running on another thread
// has finished: captured state may be destroyed right after.
TEST(EmbeddedBusTest, UnsubscribeWaitsForCallsInProgress) {
  EmbeddedBus bus;
  std::mutex mutex;
  std::condition_variable cv;
  bool entered = false;
  bool release = false;
  std::atomic<bool> finished{false};
  const auto id = bus.Subscribe(
      "t",
      [&](std::string_view, std::string_view) {
        std::unique_lock<std::mutex> lock(mutex);
        entered = true;
        cv.notify_all();
        cv.wait(lock, [&] { return release; });
        finished = true;
      },
      nullptr);

  std::thread publisher([&] { bus.Publish("t", "x", nullptr); });
  {
    std::unique_lock<std::mutex> lock(mutex);
    cv.wait(lock, [&] { return entered; });
  }
  std::atomic<bool> finished_when_unsubscribe_returned{false};
  std::thread unsubscriber([&] {
    bus.Unsubscribe(id);
    finished_when_unsubscribe_returned = finished.load();
  });
  {
    std::lock_guard<std::mutex> lock(mutex);
    release = true;
  }
  cv.notify_all();
  unsubscriber.join();
  publisher.join();
  EXPECT_TRUE(finished_when_unsubscribe_returned);
}

// Many threads publish while others subscribe and unsubscribe: no handler
// runs after its Unsubscribe returned, every live subscriber receives, and
// (under ASan/TSan builds) nothing races.
TEST(EmbeddedBusTest, ConcurrentSubscribeUnsubscribePublish) {
  EmbeddedBus bus;
  constexpr int kTopics = 4;
  constexpr int kPublishers = 3;
  constexpr int kChurners = 3;
  constexpr int kRounds = 300;
  std::atomic<bool> stop{false};
  std::atomic<int> violations{0};
  std::atomic<int64_t> deliveries{0};

  std::vector<std::thread> threads;
  for (int p = 0; p < kPublishers; ++p) {
    threads.emplace_back([&, p] {
      int i = 0;
      while (!stop.load()) {
        bus.Publish("topic" + std::to_string((i + p) % kTopics), "payload", nullptr);
        ++i;
      }
    });
  }
  std::vector<std::thread> churners;
  for (int c = 0; c < kChurners; ++c) {
    churners.emplace_back([&, c] {
      std::mt19937 rng(c);
      for (int round = 0; round < kRounds; ++round) {
        auto unsubscribed = std::make_shared<std::atomic<bool>>(false);
        const auto id = bus.Subscribe(
            "topic" + std::to_string(rng() % kTopics),
            [&, unsubscribed](std::string_view, std::string_view envelope) {
              if (unsubscribed->load()) ++violations;
              if (envelope != "payload") ++violations;
              ++deliveries;
            },
            nullptr);
        if (rng() % 2 == 0) std::this_thread::yield();
        bus.Unsubscribe(id);
        unsubscribed->store(true);
      }
    });
  }
  for (auto& t : churners) t.join();
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_EQ(violations.load(), 0);

  // After the churn, a fresh subscriber still receives.
  Received a;
  bus.Subscribe("topic0", a.Handler(), nullptr);
  PublishNow(bus, "topic0", "payload");
  EXPECT_EQ(a.size(), 1u);
}

}  // namespace
}  // namespace pubsub
