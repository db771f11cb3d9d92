#include "server/gateway/ws_session.h"

#include <sys/socket.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "server/gateway/connection_log.h"
#include "server/gateway/fault_guard.h"
#include "server/gateway/text.h"
#include "spdlog/spdlog.h"

namespace pubsub::gateway {
namespace {

// Wall-clock time, as publishers stamp events (publish_time_unix_nanos).
int64_t NowUnixNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

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
// Plain pointers (no reference count touched per delivery): a session that
// finishes while listed clears its own entry (WsSession::in_flush_list_; rare:
// the client left between a delivery and the flush), and a session is never
// destroyed before it finishes (the hub holds plain pointers to it until then
// too).
struct FlushList {
  std::vector<WsSession*> sessions;
  std::vector<WsSession*> spare;  // keeps the capacity
  bool posted = false;
};
thread_local FlushList flush_list;

// How long a closing socket may take to send its close frame before the TCP
// connection is dropped.
constexpr auto kCloseTimeout = std::chrono::seconds(5);

// Our keep-alive ping: FIN + opcode 9, no payload.
constexpr std::string_view kPingFrame("\x89\x00", 2);

bool Expected(const boost::system::error_code& error) {
  return error == asio::error::operation_aborted || error == asio::error::eof ||
         error == asio::error::connection_reset || error == asio::error::broken_pipe ||
         error == asio::error::bad_descriptor;
}

}  // namespace

WsSession::WsSession(GatewayContext& context, size_t loop, asio::ip::tcp::socket socket,
                     Admitted admitted, std::string leftover)
    : context_(context),
      loop_(loop),
      recovery_protocol_(admitted.recovery_protocol),
      tail_(admitted.tail),
      recovering_(admitted.recovery_protocol),
      opening_(std::move(admitted.accept)),
      socket_(std::move(socket)),
      identity_(std::move(admitted.identity)),
      channel_(*admitted.channel),
      channel_index_(context.metrics.ChannelIndex(admitted.channel)),
      topic_name_(std::move(admitted.topic)),
      since_(std::move(admitted.since)),
      leftover_(std::move(leftover)),
      reader_(ws::FrameReader::Options{.max_message_bytes = context.config.max_frame_bytes,
                                       .keep_messages = false}) {
  context_.live_sessions.fetch_add(1);
  // The fields a delivery and the flush touch are within what the hub and
  // the flush prefetch (ws_session.h). Not standard layout, but GCC and
  // Clang lay classes out predictably.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Winvalid-offsetof"
  static_assert(offsetof(WsSession, socket_) + sizeof(socket_) <= Recipient::kHotBytes);
#pragma GCC diagnostic pop
}

WsSession::~WsSession() = default;

template <class F>
void WsSession::Guarded(F&& handler) {
  GuardHandler(context_.metrics, Component::kWebSocket, socket_, std::forward<F>(handler),
               [this] { Finish(); });
}

void WsSession::Start(HandBack refused) {
  refused_ = std::move(refused);
  // Reads happen after a readiness wait, into the loop's buffer: they must
  // never block the loop.
  boost::system::error_code ignored;
  socket_.non_blocking(true, ignored);
  auto& table = context_.loop_sessions[loop_].sessions;
  table_index = table.size();
  table.push_back(this);
  last_heard_ = last_ping_ = Clock::now();
  topic_ = context_.hub.Join(loop_, topic_name_, channel_, this,
                             [self = shared_from_this()](absl::Status status) {
                               self->Guarded([&] { self->OnJoined(std::move(status)); });
                             });
  if (tail_) {
    spdlog::info("ws: admin {} ({}) tails {}", identity_.user_id, PeerOf(socket_), topic_name_);
  } else {
    spdlog::debug("ws: {} joins {} as {}", PeerOf(socket_), topic_name_, identity_.user_id);
  }
}

void WsSession::OnJoined(absl::Status status) {
  if (state_ != State::kJoining) return;
  if (!status.ok() || context_.shutting_down.load()) {
    HandBackSocket(status.ok() ? absl::UnavailableError("server shutting down") : status);
    return;
  }
  state_ = State::kOpen;
  refused_ = nullptr;
  ShardCounters& counters = context_.metrics.shard(loop_);
  counters.connections.fetch_add(1, std::memory_order_relaxed);
  counters.connections_total.fetch_add(1, std::memory_order_relaxed);
  counters.channels[channel_index_].connections.fetch_add(1, std::memory_order_relaxed);
  context_.presence.Add(identity_.user_id);
  counted_ = true;
  MaybeWrite();  // the 101, and whatever was delivered since the join
  if (recovery_protocol_) {
    // Held since the join (recovering_ from the start): the verdict goes first.
    context_.hub.Recover(loop_, topic_, since_,
                         [self = shared_from_this()](TopicHistory::Recovery recovery) {
                           self->Guarded([&] { self->OnRecovered(std::move(recovery)); });
                         });
  }

  if (!leftover_.empty()) {
    std::string bytes = std::move(leftover_);
    if (!HandleInput(reinterpret_cast<uint8_t*>(bytes.data()), bytes.size())) return;
  }
  WaitReadable();
}

void WsSession::HandBackSocket(const absl::Status& status) {
  if (auto permit = ConnectionLog()) {
    spdlog::info("ws: refusing {} for user {}: {}{}", topic_name_, identity_.user_id,
                 View(status.message()), SuppressedNote(permit));
  }
  HandBack refused = std::move(refused_);
  asio::ip::tcp::socket socket = std::move(socket_);
  Finish();
  if (refused) refused(std::move(socket), status);
}

void WsSession::Deliver(const DeliveryPtr& delivery) {
  if (state_ != State::kJoining && state_ != State::kOpen) return;
  Guarded([&] {
    DeliveryPtr d = delivery;
    if (recovery_protocol_) {
      if (d->recovery.empty()) {
        if (d->plain.empty()) return;
        d = WrapForRecovery(*d);  // a channel without history: rare, allocated here
      }
      if (recovering_) {
        // Held until what was missed has gone; counted in the queue's bounds.
        const size_t size = FrameOf(d).size();
        if (queued_bytes_ + size > context_.config.send_queue_bytes ||
            held_.size() + queue_.size() + in_flight_.size() >= context_.config.send_queue_frames) {
          CloseSlowConsumer();
          return;
        }
        queued_bytes_ += size;
        held_bytes_ += size;
        held_.push_back(std::move(d));
        return;
      }
      if (d->position) {
        if (AlreadySent(*d->position)) return;
        sent_ = *d->position;
      }
    } else if (d->plain.empty()) {
      return;  // a control message of the recovery protocol
    }
    Queue(d);
  });
}

void WsSession::CloseSlowConsumer() {
  context_.metrics.shard(loop_).slow_consumer_closes.fetch_add(1, std::memory_order_relaxed);
  if (auto permit = ConnectionLog()) {
    spdlog::info("ws: closing slow consumer {} on {} ({} bytes queued){}", identity_.user_id,
                 topic_name_, queued_bytes_, SuppressedNote(permit));
  }
  StartClose(1013, "slow consumer", /*drop_queue=*/true);
}

bool WsSession::Queue(const DeliveryPtr& delivery) {
  if (state_ != State::kJoining && state_ != State::kOpen) return false;
  const size_t size = FrameOf(delivery).size();
  const auto& config = context_.config;
  if (queued_bytes_ + size > config.send_queue_bytes ||
      queue_.size() + in_flight_.size() >= config.send_queue_frames) {
    CloseSlowConsumer();
    return false;
  }
  queued_bytes_ += size;
  queue_.push_back(delivery);
  // A socket with a write in flight sends its queue when the write
  // completes; otherwise it joins this loop turn's flush (once: its queue
  // was empty).
  if (writing_ || queue_.size() != 1 || in_flush_list_) return true;
  in_flush_list_ = true;
  flush_list.sessions.push_back(this);
  if (flush_list.posted) return true;
  flush_list.posted = true;
  asio::post(socket_.get_executor(), [] {
    FlushList& list = flush_list;
    std::swap(list.sessions, list.spare);
    list.posted = false;
    const size_t n = list.spare.size();
    for (size_t i = 0; i < n; ++i) {
      // While this socket is written (a few microseconds in the kernel),
      // bring in the next ones: the session two ahead, and the queued frame
      // pointers of the next (its queue's storage is a separate block).
      if (i + 2 < n && list.spare[i + 2] != nullptr) Recipient::Prefetch(list.spare[i + 2]);
      if (i + 1 < n && list.spare[i + 1] != nullptr) {
        __builtin_prefetch(list.spare[i + 1]->queue_.data());
      }
      WsSession* session = list.spare[i];
      if (session == nullptr) continue;  // finished meanwhile
      session->in_flush_list_ = false;
      session->Guarded([&] { session->MaybeWrite(); });
    }
    list.spare.clear();
  });
  return true;
}

void WsSession::OnRecovered(TopicHistory::Recovery recovery) {
  if (state_ != State::kOpen || !recovering_ || answered_) return;
  answered_ = true;
  // First the verdict, then what was missed, then what came meanwhile.
  if (!Queue(MakeRecoveryControl(recovery.recovered, recovery.position, recovery.reason,
                                 channel_index_))) {
    return;
  }
  sent_ = recovery.position;
  missed_ = std::move(recovery.missed);
  Refill();
  MaybeWrite();
}

void WsSession::Refill() {
  if (!recovering_ || !answered_ || state_ != State::kOpen) return;
  const auto& config = context_.config;
  // Half the bounds: room stays for the live events held meanwhile.
  const auto room = [&] {
    return (queue_.size() + in_flight_.size()) * 2 < config.send_queue_frames &&
           (queued_bytes_ - held_bytes_) * 2 < config.send_queue_bytes;
  };
  while (room()) {
    DeliveryPtr d;
    if (missed_next_ < missed_.size()) {
      d = std::move(missed_[missed_next_++]);
      if (!Wants(*d)) continue;
    } else if (!held_.empty()) {
      d = std::move(held_.front());
      held_.pop_front();
      const size_t size = FrameOf(d).size();
      queued_bytes_ -= size;
      held_bytes_ -= size;
      if (d->position) {
        if (AlreadySent(*d->position)) continue;
        sent_ = *d->position;
      }
    } else {
      recovering_ = false;  // caught up: live events go straight out
      DropRecovery();
      return;
    }
    if (!Queue(d)) return;
  }
}

void WsSession::CountWritten(const Delivery& delivery, int64_t now_ns) {
  // A publisher whose clock runs ahead of ours counts as no latency.
  const int64_t latency = delivery.publish_time_unix_nanos > 0
                              ? std::max<int64_t>(0, now_ns - delivery.publish_time_unix_nanos)
                              : -1;
  context_.metrics.events.Delivered(loop_, delivery.event_type, latency);
}

void WsSession::CountDropped(DropReason reason, bool queue_too) {
  EventMetrics& events = context_.metrics.events;
  if (queue_too) {
    for (const DeliveryPtr& d : queue_) events.Dropped(loop_, d->event_type, reason);
  }
  for (const DeliveryPtr& d : held_) events.Dropped(loop_, d->event_type, reason);
  for (size_t i = missed_next_; i < missed_.size(); ++i) {
    if (Wants(*missed_[i])) events.Dropped(loop_, missed_[i]->event_type, reason);
  }
}

void WsSession::DropRecovery() {
  queued_bytes_ -= held_bytes_;
  held_bytes_ = 0;
  held_ = {};
  missed_ = {};
  missed_next_ = 0;
}

void WsSession::Shed(uint16_t code, std::string_view reason) {
  if (state_ == State::kJoining) {
    // Not open yet: it missed nothing it was promised; refuse it instead.
    asio::post(socket_.get_executor(),
               [self = shared_from_this()] { self->Guarded([&] { self->Close(1013, ""); }); });
    return;
  }
  if (state_ != State::kOpen) return;
  StartClose(code, reason, /*drop_queue=*/false);
}

void WsSession::Close(uint16_t code, std::string_view reason) {
  if (state_ == State::kJoining) {
    HandBackSocket(absl::UnavailableError("server shutting down"));
    return;
  }
  if (state_ != State::kOpen) return;
  StartClose(code, reason, /*drop_queue=*/false);
}

void WsSession::StartClose(uint16_t code, std::string_view reason, bool drop_queue) {
  if (state_ == State::kClosing || state_ == State::kFinished) return;
  state_ = State::kClosing;
  if (drop_queue) {
    CountDropped(code == 1013 ? DropReason::kSlowConsumer : DropReason::kDisconnected, true);
  } else {  // the queue still goes out; a recovery's held and missed events do not
    CountDropped(context_.shutting_down.load() ? DropReason::kShutdown : DropReason::kDisconnected,
                 false);
  }
  DropRecovery();  // the client reconnects from the last position it got
  if (drop_queue) {
    queue_.clear();
    queued_bytes_ = control_in_flight_.size() + pong_.size() + (ping_due_ ? kPingFrame.size() : 0);
    for (const auto& d : in_flight_) queued_bytes_ += d->FrameFor(recovery_protocol_).size();
  }
  close_frame_ = ws::EncodeCloseFrame(code, reason);
  ArmCloseTimer();
  // Deferred: StartClose may run inside the hub's delivery loop.
  asio::post(socket_.get_executor(),
             [self = shared_from_this()] { self->Guarded([&] { self->MaybeWrite(); }); });
}

void WsSession::ArmCloseTimer() {
  if (close_timer_) return;
  close_timer_ = std::make_unique<asio::steady_timer>(socket_.get_executor(), kCloseTimeout);
  close_timer_->async_wait([self = shared_from_this()](boost::system::error_code error) {
    if (error || self->state_ == State::kFinished) return;
    self->context_.metrics.shard(self->loop_)
        .forced_disconnects.fetch_add(1, std::memory_order_relaxed);
    if (auto permit = ConnectionLog()) {
      spdlog::info("ws: dropping {} on {}: close not delivered in time{}", self->identity_.user_id,
                   self->topic_name_, SuppressedNote(permit));
    }
    self->Finish();
  });
}

void WsSession::Abort() { Finish(); }

void WsSession::WaitReadable() {
  socket_.async_wait(asio::ip::tcp::socket::wait_read,
                     [self = shared_from_this()](boost::system::error_code error) {
                       self->Guarded([&] { self->OnReadable(error); });
                     });
}

void WsSession::OnReadable(boost::system::error_code error) {
  if (state_ == State::kFinished) return;
  if (error) {
    if (!Expected(error)) spdlog::debug("ws: wait failed: {}", error.message());
    Finish();
    return;
  }
  if (writing_) {
    // The client does not take what we send: stop reading it until it
    // does (OnWrite resumes), so that it cannot make us queue answers.
    read_paused_ = true;
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
        QueuePong(event.payload);
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
        if (auto permit = ConnectionLog()) {
          spdlog::info("ws: protocol error from {} on {}: {}{}", identity_.user_id, topic_name_,
                       event.reason, SuppressedNote(permit));
        }
        StartClose(event.close_code, event.reason, /*drop_queue=*/true);
        return true;
    }
  }
}

void WsSession::QueuePong(std::string_view payload) {
  if (state_ != State::kOpen) return;
  // Only the latest ping is answered: the pong replaces any still waiting.
  queued_bytes_ -= pong_.size();
  pong_ = ws::EncodeFrame(ws::Opcode::kPong, payload);
  if (queued_bytes_ + pong_.size() > context_.config.send_queue_bytes) {
    pong_.clear();
    context_.metrics.shard(loop_).slow_consumer_closes.fetch_add(1, std::memory_order_relaxed);
    StartClose(1013, "slow consumer", /*drop_queue=*/true);
    return;
  }
  queued_bytes_ += pong_.size();
  MaybeWrite();
}

void WsSession::QueuePing() {
  if (state_ != State::kOpen || ping_due_) return;
  ping_due_ = true;
  queued_bytes_ += kPingFrame.size();
  MaybeWrite();
}

void WsSession::TakeControl(std::string& out) {
  out.append(pong_);
  if (ping_due_) out.append(kPingFrame);
  queued_bytes_ -= pong_.size() + (ping_due_ ? kPingFrame.size() : 0);
  pong_.clear();
  ping_due_ = false;
}

void WsSession::Sweep(Clock::time_point now) {
  if (state_ != State::kOpen) return;
  Guarded([&] {
    const auto& config = context_.config;
    if (now - last_heard_ > std::chrono::seconds(config.idle_timeout_seconds)) {
      if (auto permit = ConnectionLog()) {
        spdlog::info("ws: {} on {} idle for {} s, closing{}", identity_.user_id, topic_name_,
                     config.idle_timeout_seconds, SuppressedNote(permit));
      }
      StartClose(1001, "idle timeout", /*drop_queue=*/true);
      return;
    }
    if (now - last_ping_ >= std::chrono::seconds(config.ping_interval_seconds) &&
        now - last_heard_ >= std::chrono::seconds(config.ping_interval_seconds)) {
      last_ping_ = now;
      QueuePing();
    }
  });
}

void WsSession::MaybeWrite() {
  if (writing_ || state_ == State::kFinished || state_ == State::kJoining) return;
  const auto has_control = [this] { return !pong_.empty() || ping_due_; };
  // The data path: everything waiting, copied into the loop's scratch buffer,
  // in one non-blocking send. Closing takes the gather path.
  while (state_ == State::kOpen && !writing_ &&
         (!opening_.empty() || has_control() || !queue_.empty())) {
    size_t total = 0;
    auto append = [&total](std::string_view bytes) {
      std::memcpy(write_scratch + total, bytes.data(), bytes.size());
      total += bytes.size();
    };
    const size_t control_bytes = pong_.size() + (ping_due_ ? kPingFrame.size() : 0);
    if (opening_.size() + control_bytes > kScratchBytes) break;
    append(opening_);
    append(pong_);
    if (ping_due_) append(kPingFrame);
    size_t frames = 0;
    while (frames < queue_.size() &&
           total + queue_[frames]->FrameFor(recovery_protocol_).size() <= kScratchBytes) {
      append(queue_[frames++]->FrameFor(recovery_protocol_));
    }
    if (frames == 0 && !queue_.empty() && opening_.empty() && control_bytes == 0) {
      break;  // a frame larger than the scratch buffer: gather write
    }
    const ssize_t sent =
        ::send(socket_.native_handle(), write_scratch, total, MSG_DONTWAIT | MSG_NOSIGNAL);
    // EAGAIN: nothing left. A hard error: the asynchronous write below fails
    // too and OnWrite ends the session, so that no caller of MaybeWrite ever
    // sees the session finish under it.
    const size_t done = sent > 0 ? static_cast<size_t>(sent) : 0;
    context_.metrics.shard(loop_).bytes_out.fetch_add(done, std::memory_order_relaxed);
    if (!opening_.empty()) {
      opening_.clear();
      opening_.shrink_to_fit();
    }
    queued_bytes_ -= control_bytes;
    pong_.clear();
    ping_due_ = false;
    const int64_t now_ns = NowUnixNanos();
    for (size_t i = 0; i < frames; ++i) {
      queued_bytes_ -= queue_[i]->FrameFor(recovery_protocol_).size();
      CountWritten(*queue_[i], now_ns);
    }
    queue_.erase(queue_.begin(), queue_.begin() + static_cast<ptrdiff_t>(frames));
    if (done == total) Refill();
    if (done < total) {
      // The socket is full: the rest is ours to write when it drains.
      control_in_flight_.assign(write_scratch + done, total - done);
      queued_bytes_ += control_in_flight_.size();
      writing_ = true;
      asio::async_write(socket_, asio::buffer(control_in_flight_),
                        [self = shared_from_this()](boost::system::error_code error, size_t n) {
                          self->Guarded([&] { self->OnWrite(error, n); });
                        });
      return;
    }
  }
  if (writing_ ||
      (state_ == State::kOpen && queue_.empty() && !has_control() && opening_.empty())) {
    return;
  }
  buffers_.clear();
  if (!opening_.empty()) buffers_.push_back(asio::buffer(opening_));
  if (has_control()) {
    control_in_flight_.clear();
    TakeControl(control_in_flight_);
    queued_bytes_ += control_in_flight_.size();
    buffers_.push_back(asio::buffer(control_in_flight_));
  }
  in_flight_.swap(queue_);
  const int64_t now_ns = NowUnixNanos();
  for (const auto& delivery : in_flight_) {
    buffers_.push_back(asio::buffer(delivery->FrameFor(recovery_protocol_)));
    CountWritten(*delivery, now_ns);
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
                      self->Guarded([&] { self->OnWrite(error, written); });
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
  // The client took what the socket could not: it is reading, so alive.
  last_heard_ = Clock::now();
  opening_.clear();
  opening_.shrink_to_fit();
  queued_bytes_ -= control_in_flight_.size();
  control_in_flight_.clear();
  if (control_in_flight_.capacity() > 4096) control_in_flight_.shrink_to_fit();
  for (const auto& delivery : in_flight_)
    queued_bytes_ -= delivery->FrameFor(recovery_protocol_).size();
  in_flight_.clear();
  Refill();
  if (state_ == State::kClosing && close_sent_ && queue_.empty() && pong_.empty() && !ping_due_) {
    if (peer_closed_) {
      Finish();
      return;
    }
    // Our close frame is out: stop sending and wait for the client's close.
    boost::system::error_code ignored;
    socket_.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    if (read_paused_) {
      read_paused_ = false;
      WaitReadable();
    }
    return;
  }
  if (read_paused_) {
    read_paused_ = false;
    WaitReadable();
  }
  MaybeWrite();
}

void WsSession::Finish() {
  if (state_ == State::kFinished) return;
  state_ = State::kFinished;
  if (in_flush_list_) {
    // Waiting for this loop's flush, which must not see it again (the list
    // being filled, or the one being flushed).
    for (auto* list : {&flush_list.sessions, &flush_list.spare}) {
      std::replace(list->begin(), list->end(), this, static_cast<WsSession*>(nullptr));
    }
    in_flush_list_ = false;
  }
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
    spdlog::debug("ws: {} left {}", identity_.user_id, topic_name_);
  }
  auto& table = context_.loop_sessions[loop_].sessions;
  if (table_index < table.size() && table[table_index] == this) {
    table[table_index] = table.back();
    table[table_index]->table_index = table_index;
    table.pop_back();
  }
  CountDropped(context_.shutting_down.load() ? DropReason::kShutdown : DropReason::kDisconnected,
               true);
  queue_.clear();
  DropRecovery();
  refused_ = nullptr;
  context_.live_sessions.fetch_sub(1);
  boost::system::error_code ignored;
  socket_.close(ignored);
  if (close_timer_) close_timer_->cancel();
}

}  // namespace pubsub::gateway
