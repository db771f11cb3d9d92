// Connection: one TCP connection to Redis on an Asio io_context that keeps
// itself connected. It resolves and connects (bounded by connect_timeout),
// sends AUTH/SELECT/PING and checks their replies, then hands every further reply
// to its owner; on any failure it closes, tells the owner, and tries again
// after an exponential backoff. Writes are coalesced: data written while a
// write is in progress goes out with the next one.
//
//   Connection conn(io, options, "publisher", counters, owner);
//   conn.Start();                 // on the I/O thread
//   conn.Write(formatted_commands);  // only while up()
//
// Threading: every method must be called on the io_context's (single) thread,
// and the owner's hooks run there. Stop() before destroying it; the
// io_context must outlive it.
//
// Exceptions: none leaves a completion handler. One thrown by the
// connection's own code or by an owner's hook (OnUp, OnReply) drops the
// connection, which reconnects after the backoff; one thrown by OnDown is
// logged and the reconnect goes ahead. Each is logged and counted
// (Counters::handler_exceptions). The owner's own posted work on the
// connection's behalf can get the same treatment with Contain().
#ifndef PUBSUB_RUNTIME_SRC_REDIS_CONNECTION_H_
#define PUBSUB_RUNTIME_SRC_REDIS_CONNECTION_H_

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "absl/status/status.h"
#include "pubsub/redis_bus.h"
#include "redis/catch.h"
#include "redis/resp.h"

namespace pubsub::internal::redis {

// Counters shared by a bus's connections; see RedisBus::Stats.
struct Counters {
  std::atomic<uint64_t> connects{0};
  std::atomic<uint64_t> reconnects{0};
  std::atomic<uint64_t> dropped_connections{0};
  std::atomic<uint64_t> protocol_errors{0};
  std::atomic<uint64_t> messages_in{0};
  std::atomic<uint64_t> messages_unrouted{0};
  std::atomic<uint64_t> publishes{0};
  std::atomic<uint64_t> publish_errors{0};
  std::atomic<uint64_t> handler_exceptions{0};
};

class Connection {
 public:
  // The owner's hooks, called on the I/O thread.
  class Owner {
   public:
    virtual ~Owner() = default;
    // The connection is up: AUTH/SELECT/PING succeeded; Write() may be called.
    virtual void OnUp(Connection& connection) = 0;
    // One reply after the handshake. A non-OK status drops the connection
    // (counted as a protocol error).
    virtual absl::Status OnReply(Connection& connection, const redisReply& reply) = 0;
    // The connection went down (`was_up`) or an attempt failed. Not called
    // by Stop().
    virtual void OnDown(Connection& connection, const absl::Status& reason, bool was_up) = 0;
  };

  Connection(boost::asio::io_context& io, const RedisBusOptions& options, std::string name,
             Counters& counters, Owner& owner);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Begins connecting.
  void Start();
  // Closes the connection for good: no reconnect, no more hooks.
  void Stop();
  // Drops the connection (the owner sees OnDown) and reconnects after a backoff.
  void Drop(const absl::Status& reason);
  // Queues bytes (formatted commands) for writing. Ignored unless up().
  void Write(std::string data);

  // Runs `body` as part of this connection's work (`where` names it in the
  // log): if it throws, the exception is logged and counted and the
  // connection is dropped; it never propagates.
  template <class F>
  void Contain(std::string_view where, F&& body) {
    if (std::optional<std::string> what = Catch(std::forward<F>(body))) OnException(where, *what);
  }

  bool up() const { return state_ == State::kUp; }
  const std::string& name() const { return name_; }

 private:
  enum class State { kIdle, kConnecting, kHandshake, kUp, kBackoff, kStopped };

  void Connect();
  void OnResolved(const boost::system::error_code& ec,
                  const boost::asio::ip::tcp::resolver::results_type& results);
  void OnConnected();
  // The handshake is done: tells the owner, logs and counts.
  void BecomeUp();
  void StartRead();
  void OnRead(size_t bytes);
  void StartWrite();
  // Closes the socket and invalidates pending operations.
  void Close();
  void Fail(absl::Status reason, bool protocol_error);
  // `where` threw `what`: logs, counts and drops the connection.
  void OnException(std::string_view where, const std::string& what);
  void ScheduleReconnect();
  std::string Address() const;

  boost::asio::io_context& io_;
  const RedisBusOptions& options_;
  const std::string name_;
  Counters& counters_;
  Owner& owner_;

  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer connect_timer_;
  boost::asio::steady_timer backoff_timer_;
  std::unique_ptr<ReplyReader> reader_;

  State state_ = State::kIdle;
  // Bumped by Close(): completions of an older generation are stale.
  uint64_t generation_ = 0;
  int handshake_replies_left_ = 0;
  // Failures since the connection was last healthy (the backoff exponent).
  int failures_ = 0;
  std::chrono::steady_clock::time_point up_since_;
  // True from a loss or failed attempt until the next success: the next
  // success is a reconnect, and failures in between are not logged again.
  bool in_outage_ = false;
  bool ever_up_ = false;
  std::minstd_rand jitter_;

  bool writing_ = false;
  std::string write_buffer_;    // being written
  std::string pending_writes_;  // queued behind it
  std::array<char, 64 * 1024> read_buffer_;
};

}  // namespace pubsub::internal::redis

#endif  // PUBSUB_RUNTIME_SRC_REDIS_CONNECTION_H_
