// RedisServer: a real redis-server child process for tests, on a port of its
// own, in a temporary directory, with persistence off. Tests stop, freeze and
// restart it on the same port to exercise the bus's fault handling.
//
//   RedisServer redis;
//   ASSERT_TRUE(redis.Start()) << redis.log();
//   auto reply = redis.Command({"PUBSUB", "NUMSUB", "pubsub:news"});
//   redis.Kill();           // SIGKILL, like a crash
//   ASSERT_TRUE(redis.Start());  // same port again
#ifndef PUBSUB_TESTS_REDIS_REDIS_SERVER_H_
#define PUBSUB_TESTS_REDIS_REDIS_SERVER_H_

#include <sys/types.h>

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

struct redisReply;

namespace pubsub::testing {

struct ReplyFree {
  void operator()(redisReply* reply) const;
};
using RawReply = std::unique_ptr<redisReply, ReplyFree>;

class RedisServer {
 public:
  // `extra_args` are appended to the command line (e.g. {"--requirepass", "x"}).
  explicit RedisServer(std::vector<std::string> extra_args = {});
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  // A port that nothing listens on right now (the kernel's choice).
  static uint16_t PickFreePort();

  // Starts redis-server on port() (picked on first use) and waits until it
  // answers PING. False if it did not come up (see log()).
  bool Start();
  // SIGKILL and reap; the port is free again.
  void Kill();
  // SIGSTOP / SIGCONT: a Redis that stops answering without closing.
  void Freeze();
  void Thaw();
  bool running() const { return pid_ > 0; }

  uint16_t port();
  // The server's log so far (for failure messages).
  std::string log() const;

  // Runs one command on a fresh synchronous hiredis connection. Null when
  // the server cannot be reached.
  RawReply Command(std::initializer_list<std::string_view> args);
  // PUBSUB NUMSUB `channel`: its subscriber count, or -1 on failure.
  long long NumSub(std::string_view channel);

 private:
  std::vector<std::string> extra_args_;
  std::string password_;
  std::string dir_;
  // Starts the server on port_ once (picking one if none yet).
  bool StartOnce();

  uint16_t port_ = 0;
  // Someone was told the port (port()), or the server ran on it: a start
  // that fails must not move to another port.
  bool port_known_ = false;
  pid_t pid_ = -1;
};

}  // namespace pubsub::testing

#endif  // PUBSUB_TESTS_REDIS_REDIS_SERVER_H_
