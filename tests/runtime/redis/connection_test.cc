// Connection against a real redis-server, with an owner whose hooks throw:
// an exception in the connection's own handlers drops that connection, which
// reconnects; it never leaves io_context::run().
#include "redis/connection.h"

#include <hiredis/hiredis.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <stdexcept>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "gtest/gtest.h"
#include "redis_server.h"

namespace pubsub::internal::redis {
namespace {

using std::chrono::milliseconds;
namespace asio = boost::asio;

bool Eventually(const std::function<bool()>& condition) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return condition();
}

// Hooks that throw the first `throws` times they are called; OnUp sends a
// PING so that OnReply has something to handle.
class ThrowingOwner : public Connection::Owner {
 public:
  int up_throws = 0;
  int reply_throws = 0;
  int down_throws = 0;
  std::atomic<int> ups{0};
  std::atomic<int> replies{0};
  std::atomic<int> downs{0};

  void OnUp(Connection& connection) override {
    if (ups.fetch_add(1) < up_throws) throw std::runtime_error("OnUp failure");
    std::string ping;
    AppendCommand(ping, {"PING"});
    connection.Write(std::move(ping));
  }
  absl::Status OnReply(Connection&, const redisReply&) override {
    if (replies.fetch_add(1) < reply_throws) throw std::runtime_error("OnReply failure");
    return absl::OkStatus();
  }
  void OnDown(Connection&, const absl::Status&, bool) override {
    if (downs.fetch_add(1) < down_throws) throw std::runtime_error("OnDown failure");
  }
};

class ConnectionExceptionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(redis_.Start()) << redis_.log();
    options_.port = redis_.port();
    options_.initial_backoff = milliseconds(10);
    options_.max_backoff = milliseconds(50);
  }

  // Runs a connection with `owner` on an I/O thread until `done` holds.
  bool RunUntil(ThrowingOwner& owner, const std::function<bool()>& done) {
    asio::io_context io;
    auto work = asio::make_work_guard(io);
    Connection connection(io, options_, "test", counters_, owner);
    asio::post(io, [&] { connection.Start(); });
    bool escaped = false;
    std::thread thread([&] {
      try {
        io.run();
      } catch (...) {
        escaped = true;
      }
    });
    const bool reached = Eventually(done);
    asio::post(io, [&] {
      connection.Stop();
      work.reset();
    });
    thread.join();
    EXPECT_FALSE(escaped) << "an exception left io_context::run()";
    return reached;
  }

  testing::RedisServer redis_;
  RedisBusOptions options_;
  Counters counters_;
};

TEST_F(ConnectionExceptionTest, AThrowingOnUpDropsTheConnectionWhichReconnects) {
  ThrowingOwner owner;
  owner.up_throws = 2;
  ASSERT_TRUE(RunUntil(owner, [&] { return owner.replies.load() >= 1; }));
  EXPECT_EQ(counters_.handler_exceptions.load(), 2u);
  EXPECT_EQ(owner.downs.load(), 2);  // each throw dropped the connection
  EXPECT_EQ(counters_.dropped_connections.load(), 2u);
}

TEST_F(ConnectionExceptionTest, AThrowingOnReplyDropsTheConnectionWhichReconnects) {
  ThrowingOwner owner;
  owner.reply_throws = 1;
  ASSERT_TRUE(RunUntil(owner, [&] { return owner.replies.load() >= 2; }));
  EXPECT_EQ(counters_.handler_exceptions.load(), 1u);
  EXPECT_EQ(owner.ups.load(), 2);
  EXPECT_EQ(counters_.dropped_connections.load(), 1u);
  EXPECT_EQ(counters_.protocol_errors.load(), 0u);  // not Redis's fault
}

TEST_F(ConnectionExceptionTest, AThrowingOnDownStillReconnects) {
  ThrowingOwner owner;
  owner.up_throws = 1;    // drops the first connection...
  owner.down_throws = 1;  // ...and the loss handling throws too
  ASSERT_TRUE(RunUntil(owner, [&] { return owner.replies.load() >= 1; }));
  EXPECT_EQ(counters_.handler_exceptions.load(), 2u);
  EXPECT_EQ(owner.ups.load(), 2);
}

}  // namespace
}  // namespace pubsub::internal::redis
