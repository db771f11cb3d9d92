#include "redis/connection.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <chrono>
#include <utility>

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

#include "spdlog/spdlog.h"

namespace pubsub::internal::redis {

namespace asio = boost::asio;
using boost::system::error_code;

Connection::Connection(asio::io_context& io, const RedisBusOptions& options, std::string name,
                       Counters& counters, Owner& owner)
    : io_(io),
      options_(options),
      name_(std::move(name)),
      counters_(counters),
      owner_(owner),
      resolver_(io),
      socket_(io),
      connect_timer_(io),
      backoff_timer_(io),
      jitter_(static_cast<uint32_t>(reinterpret_cast<uintptr_t>(this) >> 4) | 1u) {}

Connection::~Connection() = default;

std::string Connection::Address() const {
  const bool v6 = options_.host.find(':') != std::string::npos;
  return (v6 ? "[" + options_.host + "]" : options_.host) + ":" + std::to_string(options_.port);
}

void Connection::Start() {
  if (state_ != State::kIdle) return;
  Connect();
}

void Connection::Stop() {
  Close();
  state_ = State::kStopped;
}

void Connection::Drop(const absl::Status& reason) { Fail(reason, /*protocol_error=*/false); }

void Connection::Close() {
  ++generation_;
  error_code ignored;
  resolver_.cancel();
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
  connect_timer_.cancel();
  backoff_timer_.cancel();
  reader_.reset();
  writing_ = false;
  write_buffer_.clear();
  pending_writes_.clear();
  handshake_replies_left_ = 0;
}

void Connection::Connect() {
  Close();
  state_ = State::kConnecting;
  reader_ = std::make_unique<ReplyReader>(options_.max_reply_bytes);
  const uint64_t generation = generation_;

  connect_timer_.expires_after(options_.connect_timeout);
  connect_timer_.async_wait([this, generation](error_code ec) {
    if (ec || generation != generation_) return;
    Contain("handling the connect timeout", [&] {
      if (state_ == State::kConnecting || state_ == State::kHandshake) {
        Fail(absl::DeadlineExceededError("no connection within " +
                                         std::to_string(options_.connect_timeout.count()) + " ms"),
             false);
      }
    });
  });

  resolver_.async_resolve(
      options_.host, std::to_string(options_.port),
      [this, generation](error_code ec, asio::ip::tcp::resolver::results_type results) {
        if (generation != generation_) return;
        Contain("resolving", [&] { OnResolved(ec, results); });
      });
}

void Connection::OnResolved(const error_code& ec,
                            const asio::ip::tcp::resolver::results_type& results) {
  if (ec) {
    Fail(absl::UnavailableError("cannot resolve " + options_.host + ": " + ec.message()), false);
    return;
  }
  const uint64_t generation = generation_;
  asio::async_connect(socket_, results,
                      [this, generation](error_code ec, const asio::ip::tcp::endpoint&) {
                        if (generation != generation_) return;
                        Contain("connecting", [&] {
                          if (ec) {
                            Fail(absl::UnavailableError(ec.message()), false);
                            return;
                          }
                          OnConnected();
                        });
                      });
}

void Connection::OnConnected() {
  error_code ignored;
  socket_.set_option(asio::ip::tcp::no_delay(true), ignored);
  // Detects a peer that vanished without closing (the kernel's probes).
  socket_.set_option(asio::socket_base::keep_alive(true), ignored);

  std::string handshake;
  handshake_replies_left_ = 0;
  if (!options_.password.empty()) {
    if (options_.username.empty()) {
      AppendCommand(handshake, {"AUTH", options_.password});
    } else {
      AppendCommand(handshake, {"AUTH", options_.username, options_.password});
    }
    ++handshake_replies_left_;
  }
  if (options_.db != 0) {
    const std::string db = std::to_string(options_.db);
    AppendCommand(handshake, {"SELECT", db});
    ++handshake_replies_left_;
  }
  // PING proves that the server answers commands: a Redis that requires a
  // password we lack (NOAUTH) or is still loading (LOADING) is not "up".
  AppendCommand(handshake, {"PING"});
  ++handshake_replies_left_;
  StartRead();
  state_ = State::kHandshake;
  pending_writes_ = std::move(handshake);
  StartWrite();
}

void Connection::BecomeUp() {
  state_ = State::kUp;
  up_since_ = std::chrono::steady_clock::now();
  connect_timer_.cancel();
  const bool reconnect = in_outage_;
  if (in_outage_ || !ever_up_) spdlog::info("redis {}: connected to {}", name_, Address());
  in_outage_ = false;
  ever_up_ = true;
  owner_.OnUp(*this);
  // Counted after the owner's state changed, so that an observer who sees
  // the counter also sees the state.
  counters_.connects.fetch_add(1, std::memory_order_relaxed);
  if (reconnect) counters_.reconnects.fetch_add(1, std::memory_order_relaxed);
}

void Connection::StartRead() {
  const uint64_t generation = generation_;
  socket_.async_read_some(
      asio::buffer(read_buffer_), [this, generation](error_code ec, size_t bytes) {
        if (generation != generation_) return;
        // Covers the owner's OnUp and OnReply, which run inside OnRead.
        Contain("reading", [&] {
          if (ec) {
            Fail(absl::UnavailableError(ec == asio::error::eof ? "connection closed by redis"
                                                               : ec.message()),
                 false);
            return;
          }
          OnRead(bytes);
        });
      });
}

void Connection::OnRead(size_t bytes) {
  const uint64_t generation = generation_;
  if (absl::Status fed = reader_->Feed(std::string_view(read_buffer_.data(), bytes)); !fed.ok()) {
    Fail(fed, true);
    return;
  }
  for (;;) {
    absl::StatusOr<ReplyPtr> reply = reader_->Next();
    if (!reply.ok()) {
      Fail(reply.status(), true);
      return;
    }
    if (*reply == nullptr) break;
    const redisReply& r = **reply;
    if (state_ == State::kHandshake) {
      if (r.type == REDIS_REPLY_ERROR) {
        Fail(absl::PermissionDeniedError("handshake refused: " + DescribeReply(r)), false);
        return;
      }
      if (--handshake_replies_left_ > 0) continue;
      BecomeUp();
    } else if (state_ == State::kUp) {
      if (absl::Status s = owner_.OnReply(*this, r); !s.ok() && generation == generation_) {
        Fail(s, true);
        return;
      }
    }
    // The owner may have dropped or stopped the connection.
    if (generation != generation_) return;
  }
  StartRead();
}

void Connection::Write(std::string data) {
  if (state_ != State::kUp || data.empty()) return;
  if (pending_writes_.empty()) {
    pending_writes_ = std::move(data);
  } else {
    pending_writes_.append(data);
  }
  if (!writing_) StartWrite();
}

void Connection::StartWrite() {
  if (writing_ || pending_writes_.empty()) return;
  writing_ = true;
  write_buffer_.swap(pending_writes_);
  pending_writes_.clear();
  const uint64_t generation = generation_;
  asio::async_write(socket_, asio::buffer(write_buffer_),
                    [this, generation](error_code ec, size_t) {
                      if (generation != generation_) return;
                      Contain("writing", [&] {
                        writing_ = false;
                        write_buffer_.clear();
                        if (ec) {
                          Fail(absl::UnavailableError("write failed: " + ec.message()), false);
                          return;
                        }
                        StartWrite();
                      });
                    });
}

void Connection::Fail(absl::Status reason, bool protocol_error) {
  if (state_ == State::kStopped || state_ == State::kBackoff || state_ == State::kIdle) return;
  const bool was_up = state_ == State::kUp;
  // The backoff starts afresh only after a connection that stayed up a
  // while: one that Redis drops at once (say, for a refused SUBSCRIBE) must
  // not reconnect in a tight loop.
  if (was_up && std::chrono::steady_clock::now() - up_since_ >= options_.max_backoff) {
    failures_ = 0;
  }
  Close();
  state_ = State::kBackoff;
  if (was_up) {
    spdlog::warn("redis {}: connection to {} lost: {}; reconnecting", name_, Address(),
                 std::string(reason.message()));
  } else if (!in_outage_) {
    spdlog::warn("redis {}: cannot connect to {}: {}; retrying with backoff (up to {} ms)", name_,
                 Address(), std::string(reason.message()), options_.max_backoff.count());
  } else {
    spdlog::debug("redis {}: connect to {} failed again: {}", name_, Address(),
                  std::string(reason.message()));
  }
  in_outage_ = true;
  // A throwing hook must not cancel the reconnect below.
  if (std::optional<std::string> what = Catch([&] { owner_.OnDown(*this, reason, was_up); })) {
    counters_.handler_exceptions.fetch_add(1, std::memory_order_relaxed);
    spdlog::error("redis {}: exception while handling the loss of the connection: {}", name_,
                  *what);
  }
  // Counted after the owner's state changed (see BecomeUp).
  if (protocol_error) counters_.protocol_errors.fetch_add(1, std::memory_order_relaxed);
  if (was_up) counters_.dropped_connections.fetch_add(1, std::memory_order_relaxed);
  // The owner may have stopped us from its hook.
  if (state_ == State::kBackoff) ScheduleReconnect();
}

void Connection::ScheduleReconnect() {
  using std::chrono::milliseconds;
  milliseconds delay = options_.initial_backoff;
  for (int i = 0; i < failures_ && delay < options_.max_backoff; ++i) delay *= 2;
  delay = std::min(delay, options_.max_backoff);
  ++failures_;
  // Up to 20% jitter so that replicas do not reconnect in lockstep.
  if (delay.count() >= 5) {
    delay += milliseconds(std::uniform_int_distribution<int64_t>(0, delay.count() / 5)(jitter_));
  }
  const uint64_t generation = generation_;
  backoff_timer_.expires_after(delay);
  backoff_timer_.async_wait([this, generation](error_code ec) {
    if (ec || generation != generation_ || state_ != State::kBackoff) return;
    Contain("reconnecting", [&] { Connect(); });
  });
}

void Connection::OnException(std::string_view where, const std::string& what) {
  counters_.handler_exceptions.fetch_add(1, std::memory_order_relaxed);
  spdlog::error("redis {}: exception while {}: {}; dropping the connection", name_, where, what);
  if (state_ == State::kStopped) return;
  if (state_ == State::kBackoff || state_ == State::kIdle) {
    // Nothing to drop (e.g. Connect() threw before it started): try again later.
    Close();
    state_ = State::kBackoff;
    ScheduleReconnect();
    return;
  }
  Fail(absl::InternalError("exception while " + std::string(where) + ": " + what),
       /*protocol_error=*/false);
}

}  // namespace pubsub::internal::redis
