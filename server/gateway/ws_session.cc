#include "server/gateway/ws_session.h"

#include <sys/socket.h>

#include <cstring>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "pubsub/internal/json_writer.h"
#include "server/gateway/text.h"
#include "spdlog/spdlog.h"

namespace pubsub::gateway {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

// Client bytes are read into this per-thread buffer, so that an idle socket
// holds no buffer of its own.
constexpr size_t kReadBufferBytes = 16 * 1024;
thread_local uint8_t read_buffer[kReadBufferBytes];

// Frames waiting on an open socket are copied into this per-thread buffer and
// leave in ONE non-blocking send: one syscall and no per-frame iovec, however
// many small frames wait (Asio's gather write takes at most 64 buffers per
// writev and allocates a copy of the buffer list per write). Only bytes the
// socket cannot take now are copied into the session (control_in_flight_)
// and written asynchronously.
constexpr size_t kScratchBytes = 64 * 1024;
thread_local char write_scratch[kScratchBytes];

// Sessions of this loop that were handed frames since the loop's last flush.
// Deliver only queues; one posted flush per loop turn writes every such
// socket, so the frames of all events delivered in that turn leave together
// (corking), and the hub's delivery loop never writes a socket itself.
struct FlushList {
  std::vector<std::shared_ptr<WsSession>> sessions;
  std::vector<std::shared_ptr<WsSession>> spare;  // keeps the capacity
  bool posted = false;
};
thread_local FlushList flush_list;

// How long a closing socket may take to send its close frame before the TCP
// connection is dropped.
constexpr auto kCloseTimeout = std::chrono::seconds(5);

bool Expected(const boost::system::error_code& error) {
  return error == asio::error::operation_aborted || error == asio::error::eof ||
         error == asio::error::connection_reset || error == asio::error::broken_pipe ||
         error == asio::error::bad_descriptor;
}

}  // namespace

WsSession::WsSession(GatewayContext& context, size_t loop, asio::ip::tcp::socket socket,
                     auth::Identity identity, const ChannelInfo& channel, std::string topic,
                     std::string response_101, std::string leftover)
    : context_(context),
      loop_(loop),
      socket_(std::move(socket)),
      identity_(std::move(identity)),
      channel_(channel),
      channel_index_(context.metrics.ChannelIndex(&channel)),
      topic_name_(std::move(topic)),
      handshake_(std::move(response_101)),
      leftover_(std::move(leftover)),
      reader_(ws::FrameReader::Options{.max_message_bytes = context.config.max_frame_bytes,
                                       .keep_messages = false}) {
  context_.live_sessions.fetch_add(1);
}

WsSession::~WsSession() = default;

void WsSession::Start() {
  // Reads happen after a readiness wait, into the loop's buffer: they must
  // never block the loop.
  boost::system::error_code ignored;
  socket_.non_blocking(true, ignored);
  auto& table = context_.loop_sessions[loop_].sessions;
  table_index = table.size();
  table.push_back(this);
  last_heard_ = last_ping_ = Clock::now();
  topic_ = context_.hub.Join(
      loop_, topic_name_, channel_, this,
      [self = shared_from_this()](absl::Status status) { self->OnJoined(std::move(status)); });
}

void WsSession::OnJoined(absl::Status status) {
  if (state_ != State::kJoining) return;
  if (!status.ok() || context_.shutting_down.load()) {
    RejectUnavailable(status.ok() ? absl::UnavailableError("server shutting down") : status);
    return;
  }
  state_ = State::kOpen;
  ShardCounters& counters = context_.metrics.shard(loop_);
  counters.connections.fetch_add(1, std::memory_order_relaxed);
  counters.connections_total.fetch_add(1, std::memory_order_relaxed);
  counters.channels[channel_index_].connections.fetch_add(1, std::memory_order_relaxed);
  context_.presence.Add(identity_.user_id);
  counted_ = true;
  MaybeWrite();  // the 101, and whatever was delivered since the join

  if (!leftover_.empty()) {
    std::string bytes = std::move(leftover_);
    if (!HandleInput(reinterpret_cast<uint8_t*>(bytes.data()), bytes.size())) return;
  }
  WaitReadable();
}

void WsSession::RejectUnavailable(const absl::Status& status) {
  spdlog::warn("ws: refusing {} for user {}: {}", topic_name_, identity_.user_id,
               View(status.message()));
  context_.metrics.shard(loop_).handshake_rejects.fetch_add(1, std::memory_order_relaxed);
  std::string body = "{\"error\":";
  internal::JsonWriter writer(body);
  writer.String("bus unavailable: " + std::string(View(status.message())));
  body.push_back('}');
  handshake_ = fmt::format(
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
      "Connection: close\r\nContent-Length: {}\r\n\r\n{}",
      body.size(), body);
  queue_.clear();
  queued_bytes_ = 0;
  state_ = State::kClosing;
  close_sent_ = true;  // no WebSocket close frame: this was never a WebSocket
  ArmCloseTimer();
  MaybeWrite();
}

void WsSession::Deliver(const DeliveryPtr& delivery) {
  if (state_ != State::kJoining && state_ != State::kOpen) return;
  const size_t size = delivery->frame().size();
  const auto& config = context_.config;
  if (queued_bytes_ + size > config.send_queue_bytes ||
      queue_.size() + in_flight_.size() >= config.send_queue_frames) {
    context_.metrics.shard(loop_).slow_consumer_closes.fetch_add(1, std::memory_order_relaxed);
    spdlog::info("ws: closing slow consumer {} on {} ({} bytes queued)", identity_.user_id,
                 topic_name_, queued_bytes_);
    StartClose(1013, "slow consumer", /*drop_queue=*/true);
    return;
  }
  queued_bytes_ += size;
  queue_.push_back(delivery);
  // A socket with a write in flight sends its queue when the write completes;
  // otherwise it joins this loop turn's flush (once: its queue was empty).
  if (writing_ || queue_.size() != 1) return;
  flush_list.sessions.push_back(shared_from_this());
  if (flush_list.posted) return;
  flush_list.posted = true;
  asio::post(socket_.get_executor(), [] {
    FlushList& list = flush_list;
    std::swap(list.sessions, list.spare);
    list.posted = false;
    for (auto& session : list.spare) session->MaybeWrite();
    list.spare.clear();
  });
}

void WsSession::Close(uint16_t code, std::string_view reason) {
  if (state_ == State::kJoining) {
    RejectUnavailable(absl::UnavailableError("server shutting down"));
    return;
  }
  if (state_ != State::kOpen) return;
  StartClose(code, reason, /*drop_queue=*/false);
}

void WsSession::StartClose(uint16_t code, std::string_view reason, bool drop_queue) {
  if (state_ == State::kClosing || state_ == State::kFinished) return;
  state_ = State::kClosing;
  if (drop_queue) {
    queue_.clear();
    queued_bytes_ = control_in_flight_.size();
    for (const auto& d : in_flight_) queued_bytes_ += d->frame().size();
  }
  close_frame_ = ws::EncodeCloseFrame(code, reason);
  ArmCloseTimer();
  // Deferred: StartClose may run inside the hub's delivery loop.
  asio::post(socket_.get_executor(), [self = shared_from_this()] { self->MaybeWrite(); });
}

void WsSession::ArmCloseTimer() {
  if (close_timer_) return;
  close_timer_ = std::make_unique<asio::steady_timer>(socket_.get_executor(), kCloseTimeout);
  close_timer_->async_wait([self = shared_from_this()](boost::system::error_code error) {
    if (error || self->state_ == State::kFinished) return;
    self->context_.metrics.shard(self->loop_)
        .forced_disconnects.fetch_add(1, std::memory_order_relaxed);
    spdlog::info("ws: dropping {} on {}: close not delivered in time", self->identity_.user_id,
                 self->topic_name_);
    self->Finish();
  });
}

void WsSession::Abort() { Finish(); }

void WsSession::WaitReadable() {
  socket_.async_wait(
      asio::ip::tcp::socket::wait_read,
      [self = shared_from_this()](boost::system::error_code error) { self->OnReadable(error); });
}

void WsSession::OnReadable(boost::system::error_code error) {
  if (state_ == State::kFinished) return;
  if (error) {
    if (!Expected(error)) spdlog::debug("ws: wait failed: {}", error.message());
    Finish();
    return;
  }
  size_t size = socket_.read_some(asio::buffer(read_buffer, kReadBufferBytes), error);
  if (error == asio::error::would_block || error == asio::error::try_again) {
    WaitReadable();
    return;
  }
  if (error) {
    // EOF or reset. After we sent our close frame this is the normal end.
    Finish();
    return;
  }
  last_heard_ = Clock::now();
  if (!HandleInput(read_buffer, size)) return;
  WaitReadable();
}

// Feeds client bytes to the frame reader. False once the session is ending.
bool WsSession::HandleInput(uint8_t* data, size_t size) {
  using Kind = ws::FrameReader::EventKind;
  std::span<uint8_t> input(data, size);
  for (;;) {
    ws::FrameReader::Event event = reader_.Next(input);
    switch (event.kind) {
      case Kind::kNeedMore:
        return true;
      case Kind::kMessage:
        context_.metrics.shard(loop_).frames_in.fetch_add(1, std::memory_order_relaxed);
        break;  // client messages are read and ignored, as in the seed
      case Kind::kPing:
        QueueControl(ws::EncodeFrame(ws::Opcode::kPong, event.payload));
        break;
      case Kind::kPong:
        break;
      case Kind::kClose:
        peer_closed_ = true;
        if (state_ == State::kClosing) {
          // The client answered our close: done once ours is out.
          if (close_sent_ && !writing_) {
            Finish();
            return false;
          }
          return true;
        }
        // The client is leaving: answer its close, skip the rest of the queue.
        StartClose(event.close_code == ws::kCloseNoStatus ? ws::kCloseNormal : event.close_code, "",
                   /*drop_queue=*/true);
        return true;
      case Kind::kError:
        spdlog::info("ws: protocol error from {} on {}: {}", identity_.user_id, topic_name_,
                     event.reason);
        StartClose(event.close_code, event.reason, /*drop_queue=*/true);
        return true;
    }
  }
}

void WsSession::QueueControl(std::string frame) {
  if (state_ != State::kOpen) return;
  control_.append(frame);
  MaybeWrite();
}

void WsSession::Sweep(Clock::time_point now) {
  if (state_ != State::kOpen) return;
  const auto& config = context_.config;
  if (now - last_heard_ > std::chrono::seconds(config.idle_timeout_seconds)) {
    spdlog::info("ws: {} on {} idle for {} s, closing", identity_.user_id, topic_name_,
                 config.idle_timeout_seconds);
    StartClose(1001, "idle timeout", /*drop_queue=*/true);
    return;
  }
  if (now - last_ping_ >= std::chrono::seconds(config.ping_interval_seconds) &&
      now - last_heard_ >= std::chrono::seconds(config.ping_interval_seconds)) {
    last_ping_ = now;
    QueueControl(ws::EncodeFrame(ws::Opcode::kPing, ""));
  }
}

void WsSession::MaybeWrite() {
  if (writing_ || state_ == State::kFinished || state_ == State::kJoining) return;
  // The data path: everything waiting, copied into the loop's scratch buffer,
  // in one non-blocking send. Closing and rejections take the gather path.
  while (state_ == State::kOpen && !writing_ &&
         (!handshake_.empty() || !control_.empty() || !queue_.empty())) {
    size_t total = 0;
    auto append = [&total](std::string_view bytes) {
      std::memcpy(write_scratch + total, bytes.data(), bytes.size());
      total += bytes.size();
    };
    if (handshake_.size() + control_.size() > kScratchBytes) break;
    append(handshake_);
    append(control_);
    size_t frames = 0;
    while (frames < queue_.size() && total + queue_[frames]->frame().size() <= kScratchBytes) {
      append(queue_[frames++]->frame());
    }
    if (frames == 0 && !queue_.empty() && handshake_.empty() && control_.empty()) {
      break;  // a frame larger than the scratch buffer: gather write
    }
    const ssize_t sent =
        ::send(socket_.native_handle(), write_scratch, total, MSG_DONTWAIT | MSG_NOSIGNAL);
    // EAGAIN: nothing left. A hard error: the asynchronous write below fails
    // too and OnWrite ends the session, so that no caller of MaybeWrite ever
    // sees the session finish under it.
    const size_t done = sent > 0 ? static_cast<size_t>(sent) : 0;
    context_.metrics.shard(loop_).bytes_out.fetch_add(done, std::memory_order_relaxed);
    if (!handshake_.empty()) {
      handshake_.clear();
      handshake_.shrink_to_fit();
    }
    control_.clear();
    for (size_t i = 0; i < frames; ++i) queued_bytes_ -= queue_[i]->frame().size();
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<ptrdiff_t>(frames));
    if (done < total) {
      // The socket is full: the rest is ours to write when it drains.
      control_in_flight_.assign(write_scratch + done, total - done);
      queued_bytes_ += control_in_flight_.size();
      writing_ = true;
      asio::async_write(socket_, asio::buffer(control_in_flight_),
                        [self = shared_from_this()](boost::system::error_code error, size_t n) {
                          self->OnWrite(error, n);
                        });
      return;
    }
  }
  if (writing_ ||
      (state_ == State::kOpen && queue_.empty() && control_.empty() && handshake_.empty())) {
    return;
  }
  buffers_.clear();
  if (!handshake_.empty()) buffers_.push_back(asio::buffer(handshake_));
  if (!control_.empty()) {
    control_in_flight_.swap(control_);
    control_.clear();
    queued_bytes_ += control_in_flight_.size();
    buffers_.push_back(asio::buffer(control_in_flight_));
  }
  in_flight_.swap(queue_);
  uint64_t bytes = 0;
  for (const auto& delivery : in_flight_) {
    buffers_.push_back(asio::buffer(delivery->frame()));
    bytes += delivery->frame().size();
  }
  const bool closing = state_ == State::kClosing && !close_frame_.empty() && !close_sent_;
  if (closing) {
    buffers_.push_back(asio::buffer(close_frame_));
    close_sent_ = true;
  }
  if (buffers_.empty()) return;
  writing_ = true;
  asio::async_write(socket_, buffers_,
                    [self = shared_from_this()](boost::system::error_code error, size_t written) {
                      self->OnWrite(error, written);
                    });
}

void WsSession::OnWrite(boost::system::error_code error, size_t bytes) {
  writing_ = false;
  context_.metrics.shard(loop_).bytes_out.fetch_add(bytes, std::memory_order_relaxed);
  if (state_ == State::kFinished) return;
  if (error) {
    if (!Expected(error)) spdlog::debug("ws: write failed: {}", error.message());
    Finish();
    return;
  }
  const bool was_rejection =
      !handshake_.empty() && state_ == State::kClosing && close_frame_.empty();
  handshake_.clear();
  handshake_.shrink_to_fit();
  queued_bytes_ -= control_in_flight_.size();
  control_in_flight_.clear();
  if (control_in_flight_.capacity() > 4096) control_in_flight_.shrink_to_fit();
  for (const auto& delivery : in_flight_) queued_bytes_ -= delivery->frame().size();
  in_flight_.clear();
  if (was_rejection) {
    Finish();
    return;
  }
  if (state_ == State::kClosing && close_sent_ && queue_.empty() && control_.empty()) {
    if (peer_closed_) {
      Finish();
      return;
    }
    // Our close frame is out: stop sending and wait for the client's close.
    boost::system::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    return;
  }
  MaybeWrite();
}

void WsSession::Finish() {
  if (state_ == State::kFinished) return;
  state_ = State::kFinished;
  if (topic_) {
    context_.hub.Leave(loop_, topic_, this);
    topic_.reset();
  }
  if (counted_) {
    counted_ = false;
    ShardCounters& counters = context_.metrics.shard(loop_);
    counters.connections.fetch_sub(1, std::memory_order_relaxed);
    counters.channels[channel_index_].connections.fetch_sub(1, std::memory_order_relaxed);
    context_.presence.Remove(identity_.user_id);
  }
  auto& table = context_.loop_sessions[loop_].sessions;
  if (table_index < table.size() && table[table_index] == this) {
    table[table_index] = table.back();
    table[table_index]->table_index = table_index;
    table.pop_back();
  }
  queue_.clear();
  context_.live_sessions.fetch_sub(1);
  boost::system::error_code ignored;
  socket_.close(ignored);
  if (close_timer_) close_timer_->cancel();
}

}  // namespace pubsub::gateway
