// RedisBus against a real redis-server: delivery between replicas, ordering,
// ready semantics, reference counting, prefixes, limits, AUTH, and faults
// (Redis absent at start, killed and restarted, frozen, CLIENT KILL), and
// callbacks that throw.
//
// Every wait is for a condition, with a generous bound; nothing asserts time.
#include "pubsub/redis_bus.h"

#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "redis_server.h"

namespace pubsub {
namespace {

using std::chrono::milliseconds;
using testing::RedisServer;

constexpr milliseconds kLong{20000};  // a bound for "eventually", never a timing claim

// Polls `condition` until true or kLong passes.
bool Eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + kLong;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return condition();
}

RedisBusOptions OptionsFor(RedisServer& redis) {
  RedisBusOptions options;
  options.port = redis.port();
  // Fast retries keep the fault tests short; the logic is the same.
  options.initial_backoff = milliseconds(10);
  options.max_backoff = milliseconds(200);
  return options;
}

// Messages received by handlers, in order, with a way to wait for them.
class Inbox {
 public:
  Bus::MessageHandler Handler() {
    return [this](std::string_view topic, std::string_view envelope) {
      std::lock_guard lock(mutex_);
      messages_.emplace_back(std::string(topic), std::string(envelope));
      threads_.push_back(std::this_thread::get_id());
      cv_.notify_all();
    };
  }
  bool WaitFor(size_t n) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, kLong, [&] { return messages_.size() >= n; });
  }
  std::vector<std::pair<std::string, std::string>> messages() {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  std::vector<std::string> payloads() {
    std::lock_guard lock(mutex_);
    std::vector<std::string> out;
    for (auto& m : messages_) out.push_back(m.second);
    return out;
  }
  size_t size() {
    std::lock_guard lock(mutex_);
    return messages_.size();
  }
  std::vector<std::thread::id> threads() {
    std::lock_guard lock(mutex_);
    return threads_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  std::vector<std::pair<std::string, std::string>> messages_;
  std::vector<std::thread::id> threads_;
};

// A callback's status, once it has run (exactly once is checked).
class Outcome {
 public:
  Bus::DoneCallback Callback() {
    return [this](absl::Status status) {
      std::lock_guard lock(mutex_);
      ++calls_;
      status_ = std::move(status);
      thread_ = std::this_thread::get_id();
      cv_.notify_all();
    };
  }
  absl::Status Wait() {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, kLong, [&] { return calls_ > 0; })) {
      return absl::DeadlineExceededError("the callback never ran");
    }
    return status_;
  }
  int calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::thread::id thread() {
    std::lock_guard lock(mutex_);
    return thread_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  int calls_ = 0;
  absl::Status status_;
  std::thread::id thread_;
};

absl::Status PublishAndWait(Bus& bus, std::string_view topic, std::string envelope) {
  Outcome outcome;
  bus.Publish(topic, std::move(envelope), outcome.Callback());
  return outcome.Wait();
}

// Subscribes and waits for `ready`; returns the id, or 0 if ready failed.
Bus::SubscriptionId SubscribeAndWait(Bus& bus, std::string_view topic, Inbox& inbox,
                                     absl::Status* ready_status = nullptr) {
  Outcome ready;
  Bus::SubscriptionId id = bus.Subscribe(topic, inbox.Handler(), ready.Callback());
  absl::Status status = ready.Wait();
  if (ready_status != nullptr) *ready_status = status;
  return status.ok() ? id : 0;
}

class RedisBusTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(redis_.Start()) << redis_.log(); }

  RedisServer redis_;
};

TEST_F(RedisBusTest, PublishOnOneReplicaReachesASubscriberOnAnother) {
  RedisBus publisher_replica(OptionsFor(redis_));
  RedisBus subscriber_replica(OptionsFor(redis_));
  ASSERT_TRUE(publisher_replica.WaitUntilReady(kLong));
  ASSERT_TRUE(subscriber_replica.WaitUntilReady(kLong));

  Inbox inbox;
  ASSERT_NE(SubscribeAndWait(subscriber_replica, "track_comments:42", inbox), 0u);
  const std::string envelope("\x0a\x03new\x00\xff binary", 15);
  ASSERT_TRUE(PublishAndWait(publisher_replica, "track_comments:42", envelope).ok());

  ASSERT_TRUE(inbox.WaitFor(1));
  const auto messages = inbox.messages();
  EXPECT_EQ(messages[0].first, "track_comments:42");  // the topic, without the prefix
  EXPECT_EQ(messages[0].second, envelope);
  // Handlers run on the bus's I/O thread, not on ours.
  EXPECT_NE(inbox.threads()[0], std::this_thread::get_id());
  EXPECT_GE(subscriber_replica.stats().messages_in, 1u);
  EXPECT_GE(publisher_replica.stats().publishes, 1u);
}

TEST_F(RedisBusTest, PipelinedPublishesArriveInOrder) {
  RedisBus a(OptionsFor(redis_));
  RedisBus b(OptionsFor(redis_));
  ASSERT_TRUE(a.WaitUntilReady(kLong));
  ASSERT_TRUE(b.WaitUntilReady(kLong));
  Inbox inbox;
  ASSERT_NE(SubscribeAndWait(b, "broadcasts", inbox), 0u);

  constexpr int kCount = 20000;
  std::atomic<int> ok{0};
  std::atomic<int> done_calls{0};
  std::atomic<int> out_of_order{0};
  std::atomic<int> last_done{-1};
  for (int i = 0; i < kCount; ++i) {
    // No waiting between publishes: they are pipelined on one connection.
    a.Publish("broadcasts", std::to_string(i), [&, i](absl::Status s) {
      if (s.ok()) ok.fetch_add(1);
      if (last_done.exchange(i) != i - 1) out_of_order.fetch_add(1);  // replies are FIFO
      done_calls.fetch_add(1);
    });
  }
  ASSERT_TRUE(Eventually([&] { return done_calls.load() == kCount; }));
  EXPECT_EQ(ok.load(), kCount);
  EXPECT_EQ(out_of_order.load(), 0);

  ASSERT_TRUE(inbox.WaitFor(kCount));
  const auto payloads = inbox.payloads();
  ASSERT_EQ(payloads.size(), static_cast<size_t>(kCount));
  for (int i = 0; i < kCount; ++i) ASSERT_EQ(payloads[i], std::to_string(i)) << i;
}

TEST_F(RedisBusTest, ReadyMeansSubscribedOnRedis) {
  RedisBus bus(OptionsFor(redis_));
  ASSERT_TRUE(bus.WaitUntilReady(kLong));

  Inbox first;
  Outcome ready;
  bus.Subscribe("forum:7", first.Handler(), ready.Callback());
  ASSERT_TRUE(ready.Wait().ok());
  // When ready runs, Redis already counts the subscriber: a publish from
  // anywhere now reaches us.
  EXPECT_EQ(redis_.NumSub("pubsub:forum:7"), 1);
  EXPECT_NE(ready.thread(), std::this_thread::get_id());
  EXPECT_TRUE(bus.IsReady());

  // A second subscription of a confirmed topic is ready at once (still on
  // the bus's thread), without another SUBSCRIBE.
  Inbox second;
  Outcome ready_again;
  bus.Subscribe("forum:7", second.Handler(), ready_again.Callback());
  ASSERT_TRUE(ready_again.Wait().ok());
  EXPECT_NE(ready_again.thread(), std::this_thread::get_id());

  RedisBus other(OptionsFor(redis_));
  ASSERT_TRUE(other.WaitUntilReady(kLong));
  ASSERT_TRUE(PublishAndWait(other, "forum:7", "post").ok());
  ASSERT_TRUE(first.WaitFor(1));
  ASSERT_TRUE(second.WaitFor(1));
  EXPECT_EQ(ready.calls(), 1);
  EXPECT_EQ(ready_again.calls(), 1);
}

TEST_F(RedisBusTest, ReferenceCountingSubscribesOnceAndUnsubscribesAfterTheLast) {
  RedisBus bus(OptionsFor(redis_));
  RedisBus publisher(OptionsFor(redis_));
  ASSERT_TRUE(publisher.WaitUntilReady(kLong));
  ASSERT_TRUE(bus.WaitUntilReady(kLong));

  Inbox one, two;
  const auto id1 = SubscribeAndWait(bus, "broadcasts", one);
  const auto id2 = SubscribeAndWait(bus, "broadcasts", two);
  ASSERT_NE(id1, 0u);
  ASSERT_NE(id2, 0u);
  EXPECT_EQ(redis_.NumSub("pubsub:broadcasts"), 1);  // one Redis subscription for two handlers

  ASSERT_TRUE(PublishAndWait(publisher, "broadcasts", "m1").ok());
  ASSERT_TRUE(one.WaitFor(1));
  ASSERT_TRUE(two.WaitFor(1));

  bus.Unsubscribe(id1);
  EXPECT_EQ(redis_.NumSub("pubsub:broadcasts"), 1);  // `two` still needs it
  ASSERT_TRUE(PublishAndWait(publisher, "broadcasts", "m2").ok());
  ASSERT_TRUE(two.WaitFor(2));
  EXPECT_EQ(one.size(), 1u);  // not called after Unsubscribe returned

  bus.Unsubscribe(id2);
  EXPECT_TRUE(Eventually([&] { return redis_.NumSub("pubsub:broadcasts") == 0; }));
  EXPECT_TRUE(bus.IsReady());  // no live topic left to confirm
  bus.Unsubscribe(id2);        // unknown ids are ignored
}

TEST_F(RedisBusTest, SubscribeUnsubscribeChurnEndsSubscribed) {
  RedisBus bus(OptionsFor(redis_));
  RedisBus publisher(OptionsFor(redis_));
  ASSERT_TRUE(bus.WaitUntilReady(kLong));
  ASSERT_TRUE(publisher.WaitUntilReady(kLong));

  // Without waiting: SUBSCRIBE, then the last handler leaves, then a new one
  // arrives, many times over. The bus keeps one command per topic in flight.
  std::vector<Outcome> cancelled(50);
  for (auto& outcome : cancelled) {
    Inbox scratch;
    const auto id = bus.Subscribe("notifications@ann", scratch.Handler(), outcome.Callback());
    bus.Unsubscribe(id);
  }
  Inbox inbox;
  Outcome ready;
  bus.Subscribe("notifications@ann", inbox.Handler(), ready.Callback());
  ASSERT_TRUE(ready.Wait().ok());
  EXPECT_EQ(redis_.NumSub("pubsub:notifications@ann"), 1);
  for (auto& outcome : cancelled) {
    const absl::Status s = outcome.Wait();  // each ran exactly once: OK or Cancelled
    EXPECT_TRUE(s.ok() || absl::IsCancelled(s)) << s;
    EXPECT_EQ(outcome.calls(), 1);
  }
  ASSERT_TRUE(PublishAndWait(publisher, "notifications@ann", "hi").ok());
  ASSERT_TRUE(inbox.WaitFor(1));
  EXPECT_TRUE(bus.WaitUntilReady(kLong));
}

TEST_F(RedisBusTest, ChannelPrefixIsolatesApplications) {
  RedisBusOptions app1 = OptionsFor(redis_);
  app1.channel_prefix = "app1:";
  RedisBusOptions app2 = OptionsFor(redis_);
  app2.channel_prefix = "app2:";
  RedisBus bus1(app1);
  RedisBus bus2(app2);
  ASSERT_TRUE(bus1.WaitUntilReady(kLong));
  ASSERT_TRUE(bus2.WaitUntilReady(kLong));

  Inbox inbox2;
  ASSERT_NE(SubscribeAndWait(bus2, "broadcasts", inbox2), 0u);
  EXPECT_EQ(redis_.NumSub("app2:broadcasts"), 1);
  EXPECT_EQ(redis_.NumSub("app1:broadcasts"), 0);

  // app1's event goes to app1:broadcasts; then app2's own marker follows.
  // Redis delivers in order, so seeing the marker first proves the other
  // one was not delivered.
  ASSERT_TRUE(PublishAndWait(bus1, "broadcasts", "from app1").ok());
  ASSERT_TRUE(PublishAndWait(bus2, "broadcasts", "marker").ok());
  ASSERT_TRUE(inbox2.WaitFor(1));
  EXPECT_EQ(inbox2.payloads(), std::vector<std::string>{"marker"});
}

TEST_F(RedisBusTest, OversizedEnvelopesAreRefused) {
  RedisBusOptions options = OptionsFor(redis_);
  options.max_envelope_bytes = 1024;
  RedisBus bus(options);
  RedisBus subscriber(OptionsFor(redis_));
  ASSERT_TRUE(bus.WaitUntilReady(kLong));
  ASSERT_TRUE(subscriber.WaitUntilReady(kLong));
  Inbox inbox;
  ASSERT_NE(SubscribeAndWait(subscriber, "big", inbox), 0u);

  const absl::Status too_big = PublishAndWait(bus, "big", std::string(1025, 'x'));
  EXPECT_EQ(too_big.code(), absl::StatusCode::kInvalidArgument) << too_big;
  EXPECT_TRUE(PublishAndWait(bus, "big", std::string(1024, 'y')).ok());
  ASSERT_TRUE(inbox.WaitFor(1));
  EXPECT_EQ(inbox.payloads()[0], std::string(1024, 'y'));
  EXPECT_EQ(bus.stats().publish_errors, 1u);
}

TEST_F(RedisBusTest, AuthAndSelect) {
  RedisServer secured({"--requirepass", "s3cret"});
  ASSERT_TRUE(secured.Start()) << secured.log();

  auto url = ParseRedisUrl("redis://:s3cret@127.0.0.1:" + std::to_string(secured.port()) + "/3");
  ASSERT_TRUE(url.ok()) << url.status();
  RedisBus good(*url);
  RedisBus good_too(*url);
  ASSERT_TRUE(good.WaitUntilReady(kLong));
  ASSERT_TRUE(good_too.WaitUntilReady(kLong));
  Inbox inbox;
  ASSERT_NE(SubscribeAndWait(good_too, "broadcasts", inbox), 0u);
  ASSERT_TRUE(PublishAndWait(good, "broadcasts", "authenticated").ok());
  ASSERT_TRUE(inbox.WaitFor(1));

  RedisBusOptions wrong = OptionsFor(secured);
  wrong.password = "nope";
  RedisBus refused(wrong);
  RedisBusOptions none = OptionsFor(secured);
  RedisBus anonymous(none);
  // A refused AUTH keeps the bus not ready (it retries); publishing says why.
  ASSERT_TRUE(Eventually([&] {
    const absl::Status s = PublishAndWait(refused, "broadcasts", "x");
    return absl::IsUnavailable(s) && absl::StrContains(s.message(), "WRONGPASS");
  }));
  EXPECT_FALSE(refused.IsReady());
  EXPECT_EQ(refused.stats().connects, 0u);
  // Without a password the handshake's PING is refused (NOAUTH): not ready,
  // and publishing says why.
  EXPECT_FALSE(anonymous.IsReady());
  ASSERT_TRUE(Eventually([&] {
    const absl::Status n = PublishAndWait(anonymous, "broadcasts", "x");
    return absl::IsUnavailable(n) && absl::StrContains(n.message(), "NOAUTH");
  }));
  EXPECT_EQ(inbox.size(), 1u);
}

TEST(RedisBusFaultTest, StartsWithoutRedisThenConnectsWhenItAppears) {
  RedisServer redis;  // not started yet: nothing listens on its port
  RedisBus bus(OptionsFor(redis));
  EXPECT_FALSE(bus.IsReady());

  const absl::Status publish = PublishAndWait(bus, "broadcasts", "lost?");
  EXPECT_EQ(publish.code(), absl::StatusCode::kUnavailable) << publish;
  EXPECT_TRUE(absl::StartsWith(publish.message(), "redis unavailable")) << publish;

  // Subscribing while Redis is down fails `ready` promptly, but the
  // subscription stays and is made when Redis comes.
  Inbox inbox;
  Outcome ready;
  bus.Subscribe("broadcasts", inbox.Handler(), ready.Callback());
  EXPECT_EQ(ready.Wait().code(), absl::StatusCode::kUnavailable);
  EXPECT_FALSE(bus.IsReady());

  ASSERT_TRUE(redis.Start()) << redis.log();
  ASSERT_TRUE(bus.WaitUntilReady(kLong));
  EXPECT_EQ(redis.NumSub("pubsub:broadcasts"), 1);
  RedisBus publisher(OptionsFor(redis));
  ASSERT_TRUE(publisher.WaitUntilReady(kLong));
  ASSERT_TRUE(PublishAndWait(publisher, "broadcasts", "hello").ok());
  ASSERT_TRUE(inbox.WaitFor(1));
  EXPECT_EQ(ready.calls(), 1);            // no second `ready`
  EXPECT_GE(bus.stats().reconnects, 2u);  // both connections, after failed attempts
}

TEST(RedisBusFaultTest, SurvivesARedisRestart) {
  RedisServer redis;
  ASSERT_TRUE(redis.Start()) << redis.log();
  RedisBus replica1(OptionsFor(redis));
  RedisBus replica2(OptionsFor(redis));
  ASSERT_TRUE(replica2.WaitUntilReady(kLong));
  Inbox inbox;
  ASSERT_NE(SubscribeAndWait(replica2, "track_comments:42", inbox), 0u);
  ASSERT_NE(SubscribeAndWait(replica2, "forum:1", inbox), 0u);
  ASSERT_TRUE(replica1.WaitUntilReady(kLong));
  ASSERT_TRUE(PublishAndWait(replica1, "track_comments:42", "before").ok());
  ASSERT_TRUE(inbox.WaitFor(1));

  redis.Kill();
  ASSERT_TRUE(Eventually([&] { return !replica1.IsReady() && !replica2.IsReady(); }));
  // During the outage: a clear error, never a false success.
  for (int i = 0; i < 10; ++i) {
    const absl::Status s = PublishAndWait(replica1, "track_comments:42", "during");
    EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  }
  Inbox deaf;
  Outcome ready;
  replica2.Subscribe("forum:2", deaf.Handler(), ready.Callback());
  EXPECT_EQ(ready.Wait().code(), absl::StatusCode::kUnavailable);

  ASSERT_TRUE(redis.Start()) << redis.log();
  ASSERT_TRUE(replica1.WaitUntilReady(kLong));
  ASSERT_TRUE(replica2.WaitUntilReady(kLong));
  // Every live topic was re-subscribed, the one added during the outage too.
  EXPECT_EQ(redis.NumSub("pubsub:track_comments:42"), 1);
  EXPECT_EQ(redis.NumSub("pubsub:forum:1"), 1);
  EXPECT_EQ(redis.NumSub("pubsub:forum:2"), 1);

  ASSERT_TRUE(PublishAndWait(replica1, "track_comments:42", "after").ok());
  ASSERT_TRUE(PublishAndWait(replica1, "forum:2", "new topic").ok());
  ASSERT_TRUE(inbox.WaitFor(2));
  ASSERT_TRUE(deaf.WaitFor(1));
  EXPECT_EQ(inbox.payloads(), (std::vector<std::string>{"before", "after"}));
  EXPECT_GE(replica2.stats().dropped_connections, 2u);
  EXPECT_GE(replica2.stats().reconnects, 2u);
  EXPECT_GE(replica1.stats().publish_errors, 10u);
}

TEST(RedisBusFaultTest, PublishesInFlightWhenRedisDiesFailWithUnavailable) {
  RedisServer redis;
  ASSERT_TRUE(redis.Start()) << redis.log();
  RedisBus bus(OptionsFor(redis));
  ASSERT_TRUE(bus.WaitUntilReady(kLong));

  // Freeze Redis so that replies cannot come, publish, then kill it.
  redis.Freeze();
  constexpr int kCount = 100;
  std::atomic<int> unavailable{0}, other{0};
  for (int i = 0; i < kCount; ++i) {
    bus.Publish("t", "x", [&](absl::Status s) {
      (absl::IsUnavailable(s) ? unavailable : other).fetch_add(1);
    });
  }
  redis.Kill();
  ASSERT_TRUE(Eventually([&] { return unavailable.load() + other.load() == kCount; }));
  EXPECT_EQ(unavailable.load(), kCount);
  EXPECT_EQ(other.load(), 0);
}

TEST(RedisBusFaultTest, AFrozenRedisFailsPublishesAfterTheCommandTimeout) {
  RedisServer redis;
  ASSERT_TRUE(redis.Start()) << redis.log();
  RedisBusOptions options = OptionsFor(redis);
  options.command_timeout = milliseconds(300);
  options.connect_timeout = milliseconds(300);
  RedisBus bus(options);
  ASSERT_TRUE(bus.WaitUntilReady(kLong));

  redis.Freeze();
  const absl::Status s = PublishAndWait(bus, "t", "x");
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
  EXPECT_FALSE(bus.IsReady());
  redis.Thaw();
  ASSERT_TRUE(bus.WaitUntilReady(kLong));
  EXPECT_TRUE(PublishAndWait(bus, "t", "y").ok());
}

TEST(RedisBusFaultTest, ClientKillOfTheSubscriberReconnectsAndResubscribes) {
  RedisServer redis;
  ASSERT_TRUE(redis.Start()) << redis.log();
  RedisBus subscriber(OptionsFor(redis));
  RedisBus publisher(OptionsFor(redis));
  ASSERT_TRUE(publisher.WaitUntilReady(kLong));
  ASSERT_TRUE(subscriber.WaitUntilReady(kLong));
  Inbox inbox;
  ASSERT_NE(SubscribeAndWait(subscriber, "broadcasts", inbox), 0u);

  // What Redis does to a subscriber over its client-output-buffer-limit.
  auto killed = redis.Command({"CLIENT", "KILL", "TYPE", "pubsub"});
  ASSERT_NE(killed, nullptr);
  ASSERT_EQ(killed->type, REDIS_REPLY_INTEGER);
  EXPECT_EQ(killed->integer, 1);

  ASSERT_TRUE(Eventually([&] { return subscriber.stats().dropped_connections == 1; }));
  ASSERT_TRUE(subscriber.WaitUntilReady(kLong));
  EXPECT_EQ(redis.NumSub("pubsub:broadcasts"), 1);
  ASSERT_TRUE(PublishAndWait(publisher, "broadcasts", "after kill").ok());
  ASSERT_TRUE(inbox.WaitFor(1));
  EXPECT_EQ(inbox.payloads()[0], "after kill");
  EXPECT_EQ(subscriber.stats().reconnects, 1u);
}

// Not Redis: a server that answers the handshake's PING and then sends
// `garbage`, closing after the client hangs up. Connections are handled one
// after another on one thread.
class HostileServer {
 public:
  explicit HostileServer(std::string garbage) : garbage_(std::move(garbage)) {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        listen(listen_fd_, 16) != 0 ||
        getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "cannot listen";
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }
  ~HostileServer() {
    stop_ = true;
    thread_.join();
    close(listen_fd_);
  }
  uint16_t port() const { return port_; }

 private:
  // Waits up to 100 ms for `fd` to be readable (so that stop_ is noticed).
  static bool Readable(int fd) {
    pollfd p{fd, POLLIN, 0};
    return poll(&p, 1, 100) > 0;
  }
  void Serve() {
    while (!stop_) {
      if (!Readable(listen_fd_)) continue;
      const int fd = accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) continue;
      char buffer[4096];
      if (Readable(fd) && recv(fd, buffer, sizeof(buffer), 0) > 0) {
        const std::string reply = "+PONG\r\n" + garbage_;
        (void)send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
        // Read until the client hangs up: closing with unread input would
        // reset the connection before the client has read the garbage.
        for (int i = 0; i < 50 && !stop_; ++i) {
          if (Readable(fd) && recv(fd, buffer, sizeof(buffer), 0) <= 0) break;
        }
      }
      close(fd);
    }
  }

  const std::string garbage_;
  int listen_fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

TEST(RedisBusFaultTest, MalformedRepliesDropTheConnectionNotTheProcess) {
  const std::string garbages[] = {
      "?not resp\r\n",
      "*-5\r\n",
      "*2000000000\r\n",
      ":1\r\n:2\r\n",  // well-formed, but nothing was asked
      "*3\r\n$7\r\nmessage\r\n:1\r\n:2\r\n",
  };
  for (const std::string& garbage : garbages) {
    HostileServer server(garbage);
    RedisBusOptions options;
    options.port = server.port();
    options.initial_backoff = milliseconds(10);
    options.max_backoff = milliseconds(50);
    RedisBus bus(options);
    // Each connection comes up (PONG), reads the garbage, drops, retries.
    ASSERT_TRUE(Eventually([&] { return bus.stats().protocol_errors >= 4; })) << garbage;
    EXPECT_GE(bus.stats().connects, 4u);
    EXPECT_GE(bus.stats().dropped_connections, 4u);
  }
}

TEST_F(RedisBusTest, UnsubscribeFromInsideItsHandler) {
  RedisBus bus(OptionsFor(redis_));
  RedisBus publisher(OptionsFor(redis_));
  ASSERT_TRUE(publisher.WaitUntilReady(kLong));
  ASSERT_TRUE(bus.WaitUntilReady(kLong));
  std::atomic<int> calls{0};
  std::atomic<Bus::SubscriptionId> id{0};
  Outcome ready;
  id = bus.Subscribe(
      "t",
      [&](std::string_view, std::string_view) {
        calls.fetch_add(1);
        bus.Unsubscribe(id.load());  // returns at once on the bus's thread
      },
      ready.Callback());
  ASSERT_TRUE(ready.Wait().ok());
  // A second handler on the same topic tells us when both messages arrived.
  Inbox inbox;
  ASSERT_NE(SubscribeAndWait(bus, "t", inbox), 0u);
  ASSERT_TRUE(PublishAndWait(publisher, "t", "1").ok());
  ASSERT_TRUE(PublishAndWait(publisher, "t", "2").ok());
  ASSERT_TRUE(inbox.WaitFor(2));
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(RedisBusTest, UnsubscribeFromAnotherThreadWaitsForARunningHandler) {
  RedisBus bus(OptionsFor(redis_));
  RedisBus publisher(OptionsFor(redis_));
  ASSERT_TRUE(publisher.WaitUntilReady(kLong));
  ASSERT_TRUE(bus.WaitUntilReady(kLong));
  std::promise<void> entered;
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> inside{false};
  std::atomic<int> calls{0};
  Inbox ready_box;
  Outcome ready;
  const auto id = bus.Subscribe(
      "slow",
      [&](std::string_view, std::string_view) {
        if (calls.fetch_add(1) == 0) {
          inside = true;
          entered.set_value();
          released.wait();
          inside = false;
        }
      },
      ready.Callback());
  ASSERT_TRUE(ready.Wait().ok());
  ASSERT_TRUE(PublishAndWait(publisher, "slow", "1").ok());
  entered.get_future().wait();

  std::thread unsubscriber([&] {
    bus.Unsubscribe(id);
    // When Unsubscribe returns the handler is not running.
    EXPECT_FALSE(inside.load());
  });
  std::this_thread::sleep_for(
      milliseconds(50));  // let Unsubscribe start waiting (not a timing check)
  release.set_value();
  unsubscriber.join();
  ASSERT_TRUE(PublishAndWait(publisher, "slow", "2").ok());
  // A marker on another topic of the same connection orders after "2".
  Inbox marker;
  ASSERT_NE(SubscribeAndWait(bus, "marker", marker), 0u);
  ASSERT_TRUE(PublishAndWait(publisher, "marker", "m").ok());
  ASSERT_TRUE(marker.WaitFor(1));
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(RedisBusTest, DestructionRunsEveryPendingCallbackOnce) {
  std::atomic<int> done_calls{0};
  std::atomic<int> handler_calls{0};
  constexpr int kCount = 5000;
  {
    RedisBus bus(OptionsFor(redis_));
    ASSERT_TRUE(bus.WaitUntilReady(kLong));
    bus.Subscribe(
        "echo", [&](std::string_view, std::string_view) { handler_calls.fetch_add(1); }, nullptr);
    for (int i = 0; i < kCount; ++i) {
      bus.Publish("echo", "x", [&](absl::Status) { done_calls.fetch_add(1); });
    }
    // Destroyed with publishes, replies and messages in flight.
  }
  EXPECT_EQ(done_calls.load(), kCount);
  const int handled = handler_calls.load();
  std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(handler_calls.load(), handled);  // nothing runs after destruction
}

TEST_F(RedisBusTest, CallbacksMayCallTheBus) {
  RedisBus bus(OptionsFor(redis_));
  ASSERT_TRUE(bus.WaitUntilReady(kLong));
  Inbox inbox;
  ASSERT_NE(SubscribeAndWait(bus, "chain", inbox), 0u);
  // A done callback publishes again, a handler subscribes: no deadlock.
  Outcome second;
  bus.Publish("chain", "1", [&](absl::Status) { bus.Publish("chain", "2", second.Callback()); });
  ASSERT_TRUE(second.Wait().ok());
  ASSERT_TRUE(inbox.WaitFor(2));
  Outcome nested_ready;
  Inbox nested;
  const auto id = bus.Subscribe(
      "outer",
      [&](std::string_view, std::string_view) {
        bus.Subscribe("inner", nested.Handler(), nested_ready.Callback());
      },
      nullptr);
  ASSERT_TRUE(Eventually([&] { return bus.IsReady(); }));
  ASSERT_TRUE(PublishAndWait(bus, "outer", "go").ok());
  ASSERT_TRUE(nested_ready.Wait().ok());
  bus.Unsubscribe(id);
}

// --- Exceptions thrown by user callbacks: caught, counted, and the bus
// carries on (see the header).

// Waits until the bus has counted `n` exceptions; true if it got exactly `n`.
bool CountsExceptions(const RedisBus& bus, uint64_t n) {
  return Eventually([&] { return bus.stats().handler_exceptions >= n; }) &&
         bus.stats().handler_exceptions == n;
}

TEST_F(RedisBusTest, AThrowingMessageHandlerDoesNotStopDelivery) {
  RedisBus bus(OptionsFor(redis_));
  RedisBus publisher(OptionsFor(redis_));
  ASSERT_TRUE(bus.WaitUntilReady(kLong));
  ASSERT_TRUE(publisher.WaitUntilReady(kLong));
  std::atomic<int> thrown{0};
  // Registered first, so it runs before the other handler of the topic.
  Outcome thrower_ready;
  bus.Subscribe(
      "t",
      [&](std::string_view, std::string_view envelope) {
        thrown.fetch_add(1);
        if (envelope == "1") throw std::runtime_error("handler failure");
        throw 42;  // not even a std::exception
      },
      thrower_ready.Callback());
  ASSERT_TRUE(thrower_ready.Wait().ok());
  Inbox same_topic, other_topic;
  ASSERT_NE(SubscribeAndWait(bus, "t", same_topic), 0u);
  ASSERT_NE(SubscribeAndWait(bus, "u", other_topic), 0u);

  ASSERT_TRUE(PublishAndWait(publisher, "t", "1").ok());
  ASSERT_TRUE(PublishAndWait(publisher, "t", "2").ok());
  ASSERT_TRUE(PublishAndWait(publisher, "u", "3").ok());
  ASSERT_TRUE(same_topic.WaitFor(2));
  ASSERT_TRUE(other_topic.WaitFor(1));
  EXPECT_EQ(same_topic.payloads(), (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(other_topic.payloads(), std::vector<std::string>{"3"});
  EXPECT_EQ(thrown.load(), 2);
  EXPECT_TRUE(CountsExceptions(bus, 2));
  EXPECT_EQ(bus.stats().dropped_connections, 0u);  // user errors drop nothing
  EXPECT_TRUE(bus.IsReady());
}

TEST_F(RedisBusTest, AThrowingReadyCallbackDoesNotStopTheBus) {
  RedisBus bus(OptionsFor(redis_));
  RedisBus publisher(OptionsFor(redis_));
  ASSERT_TRUE(bus.WaitUntilReady(kLong));
  ASSERT_TRUE(publisher.WaitUntilReady(kLong));
  Inbox first, second;
  std::atomic<int> ready_calls{0};
  auto throwing_ready = [&](absl::Status) {
    ready_calls.fetch_add(1);
    throw std::runtime_error("ready failure");
  };
  // Waiting for Redis's confirmation, then ready at once (topic confirmed).
  bus.Subscribe("t", first.Handler(), throwing_ready);
  ASSERT_TRUE(Eventually([&] { return ready_calls.load() == 1; }));
  bus.Subscribe("t", second.Handler(), throwing_ready);
  ASSERT_TRUE(Eventually([&] { return ready_calls.load() == 2; }));

  Inbox later;
  ASSERT_NE(SubscribeAndWait(bus, "later", later), 0u);
  ASSERT_TRUE(PublishAndWait(publisher, "t", "x").ok());
  ASSERT_TRUE(PublishAndWait(publisher, "later", "y").ok());
  ASSERT_TRUE(first.WaitFor(1));
  ASSERT_TRUE(second.WaitFor(1));
  ASSERT_TRUE(later.WaitFor(1));
  EXPECT_TRUE(CountsExceptions(bus, 2));
  EXPECT_TRUE(bus.IsReady());
}

TEST_F(RedisBusTest, AThrowingPublishDoneDoesNotStopTheBus) {
  RedisBusOptions options = OptionsFor(redis_);
  options.max_envelope_bytes = 16;
  RedisBus bus(options);
  RedisBus subscriber(OptionsFor(redis_));
  ASSERT_TRUE(bus.WaitUntilReady(kLong));
  ASSERT_TRUE(subscriber.WaitUntilReady(kLong));
  Inbox inbox;
  ASSERT_NE(SubscribeAndWait(subscriber, "t", inbox), 0u);

  std::atomic<int> done_calls{0};
  auto throwing_done = [&](absl::Status) {
    done_calls.fetch_add(1);
    throw std::runtime_error("done failure");
  };
  // Answered by Redis (run as the reply is read), refused at once (posted).
  bus.Publish("t", "1", throwing_done);
  bus.Publish("t", std::string(17, 'x'), throwing_done);
  ASSERT_TRUE(Eventually([&] { return done_calls.load() == 2; }));
  // Later publishes, and their replies on the same connection, still work.
  for (int i = 2; i <= 5; ++i) ASSERT_TRUE(PublishAndWait(bus, "t", std::to_string(i)).ok());
  ASSERT_TRUE(inbox.WaitFor(5));
  EXPECT_EQ(inbox.payloads(), (std::vector<std::string>{"1", "2", "3", "4", "5"}));
  EXPECT_TRUE(CountsExceptions(bus, 2));
  EXPECT_EQ(bus.stats().dropped_connections, 0u);
}

TEST(RedisBusFaultTest, ThrowingCallbacksRunWhenRedisIsDownOrLostAreContainedToo) {
  RedisServer redis;  // not started: callbacks fail at once (posted)
  RedisBus bus(OptionsFor(redis));
  std::atomic<int> calls{0};
  auto throwing = [&](absl::Status) {
    calls.fetch_add(1);
    throw std::runtime_error("failure callback failure");
  };
  Inbox early;
  bus.Subscribe("early", early.Handler(), throwing);
  bus.Publish("early", "lost", throwing);
  ASSERT_TRUE(Eventually([&] { return calls.load() == 2; }));

  ASSERT_TRUE(redis.Start()) << redis.log();
  ASSERT_TRUE(bus.WaitUntilReady(kLong));
  // A `ready` still waiting when the connection is lost runs inside the
  // connection's own loss handling: freeze Redis so that the SUBSCRIBE stays
  // unanswered, then kill it.
  redis.Freeze();
  Inbox waiting;
  bus.Subscribe("waiting", waiting.Handler(), throwing);
  redis.Kill();
  ASSERT_TRUE(Eventually([&] { return calls.load() == 3; }));

  ASSERT_TRUE(redis.Start()) << redis.log();
  ASSERT_TRUE(bus.WaitUntilReady(kLong));
  RedisBus publisher(OptionsFor(redis));
  ASSERT_TRUE(publisher.WaitUntilReady(kLong));
  ASSERT_TRUE(PublishAndWait(publisher, "early", "a").ok());
  ASSERT_TRUE(PublishAndWait(publisher, "waiting", "b").ok());
  ASSERT_TRUE(early.WaitFor(1));
  ASSERT_TRUE(waiting.WaitFor(1));
  EXPECT_TRUE(CountsExceptions(bus, 3));
  EXPECT_EQ(calls.load(), 3);
}

}  // namespace
}  // namespace pubsub
