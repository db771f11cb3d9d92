// RedisBus: see pubsub/redis_bus.h for the design and the guarantees.
//
// Locks: `mutex_` guards the subscriber side (topics, subscriptions, the
// subscriber's outgoing commands); `pub_mutex_` guards the publisher side.
// Neither is held while user code runs: callbacks are collected under the
// lock and posted to the I/O thread after releasing it.
#include "pubsub/redis_bus.h"

#include <hiredis/hiredis.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "absl/container/flat_hash_map.h"
#include "redis/connection.h"
#include "redis/resp.h"
#include "spdlog/spdlog.h"

namespace pubsub {

namespace asio = boost::asio;
using internal::redis::AppendCommand;
using internal::redis::Connection;
using internal::redis::PubSubPush;
using Clock = std::chrono::steady_clock;

namespace {

// This abseil has its own string_view type, which heterogeneous lookup needs.
absl::string_view AsAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// Runs user code called inline by the I/O machinery: an exception must not
// unwind through a connection's read loop (it would stall the connection).
template <class F>
void Guarded(const char* what, F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    spdlog::error("redis bus: a {} threw an exception: {}", what, e.what());
  } catch (...) {
    spdlog::error("redis bus: a {} threw an exception", what);
  }
}

}  // namespace

class RedisBus::Impl final : private Connection::Owner {
 public:
  explicit Impl(RedisBusOptions options);
  ~Impl() override;

  void Publish(std::string_view topic, std::string envelope, DoneCallback done);
  SubscriptionId Subscribe(std::string_view topic, MessageHandler handler, DoneCallback ready);
  void Unsubscribe(SubscriptionId id);
  bool IsReady() const;
  bool IsConnected() const;
  std::string Describe() const;
  bool WaitUntilReady(std::chrono::milliseconds timeout) const;
  Stats stats() const;

 private:
  // One subscription's handler. `active` is cleared by Unsubscribe.
  struct Slot {
    explicit Slot(MessageHandler h) : handler(std::move(h)) {}
    const MessageHandler handler;
    std::atomic<bool> active{true};
  };
  using Handlers = std::vector<std::shared_ptr<Slot>>;

  // A topic that has subscriptions, or a Redis subscription still to undo.
  struct TopicState {
    // Copy-on-write; null when no subscription is left.
    std::shared_ptr<const Handlers> handlers;
    // What Redis last confirmed, and whether a (UN)SUBSCRIBE is outstanding
    // (at most one: its direction is !on_redis).
    bool on_redis = false;
    bool in_flight = false;
    // `ready` callbacks waiting for the confirmation.
    std::vector<DoneCallback> waiters;
    // Whether this topic is counted in unconfirmed_ (see Recount).
    bool counted = false;

    bool wanted() const { return handlers != nullptr; }
    bool confirmed() const { return on_redis && !in_flight; }
  };
  using TopicMap = absl::flat_hash_map<std::string, std::unique_ptr<TopicState>>;

  struct SubscriptionRecord {
    std::string topic;
    std::shared_ptr<Slot> slot;
  };

  struct InFlightPublish {
    DoneCallback done;
    size_t bytes;
    Clock::time_point queued;
  };

  using Callbacks = std::vector<std::pair<DoneCallback, absl::Status>>;

  // Connection::Owner
  void OnUp(Connection& connection) override;
  absl::Status OnReply(Connection& connection, const redisReply& reply) override;
  void OnDown(Connection& connection, const absl::Status& reason, bool was_up) override;

  absl::Status OnPublishReply(const redisReply& reply);
  absl::Status OnSubscriberReply(const redisReply& reply);
  void Dispatch(std::string_view channel, std::string_view payload);

  // Subscriber side; mutex_ held.
  void Reconcile(std::string_view topic, TopicState& state, Callbacks& fire);
  // Reconciles and erases the topic if nothing is left of it.
  void Settle(TopicMap::iterator it, Callbacks& fire);
  void Recount(TopicState& state);
  void SendSubscriberCommand(std::string_view command, std::string_view topic);
  std::string Channel(std::string_view topic) const {
    return options_.channel_prefix + std::string(topic);
  }

  void FlushSubscriber();
  void FlushPublisher();
  void Watchdog();
  void ShutdownOnIoThread();

  // Runs each callback on the I/O thread (never inline in the caller).
  void PostAll(Callbacks& callbacks);
  void Post(DoneCallback callback, absl::Status status);
  void NotifyStateChanged();
  bool OnIoThread() const;

  const RedisBusOptions options_;
  internal::redis::Counters counters_;

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  asio::steady_timer watchdog_;
  std::unique_ptr<Connection> subscriber_;
  std::unique_ptr<Connection> publisher_;

  // --- subscriber side ---
  mutable std::mutex mutex_;
  bool stopping_ = false;  // pub_stopping_ is its twin under pub_mutex_
  bool sub_up_ = false;
  std::string sub_down_reason_ = "not connected yet";
  TopicMap topics_;
  absl::flat_hash_map<SubscriptionId, SubscriptionRecord> subscriptions_;
  SubscriptionId next_id_ = 1;
  // Wanted topics that Redis has not confirmed (IsReady needs 0).
  size_t unconfirmed_ = 0;
  std::string sub_out_;
  bool sub_flush_posted_ = false;
  // When each outstanding (UN)SUBSCRIBE was queued, oldest first: Redis
  // confirms them in order, one push each.
  std::deque<Clock::time_point> sub_sent_;

  // The slot whose handler the I/O thread is running (Unsubscribe waits on it).
  std::atomic<const Slot*> running_{nullptr};

  // --- publisher side ---
  mutable std::mutex pub_mutex_;
  bool pub_stopping_ = false;
  bool pub_up_ = false;
  std::atomic<bool> pub_up_flag_{false};  // pub_up_ for lock-free IsReady
  std::string pub_down_reason_ = "not connected yet";
  std::string pub_out_;
  bool pub_flush_posted_ = false;
  std::deque<InFlightPublish> pub_in_flight_;
  size_t pub_backlog_bytes_ = 0;

  mutable std::mutex ready_mutex_;
  mutable std::condition_variable ready_cv_;

  std::thread thread_;
};

namespace {
// The Impl whose I/O thread this is, if any.
thread_local const void* t_io_thread_owner = nullptr;
}  // namespace

RedisBus::Impl::Impl(RedisBusOptions options)
    : options_(std::move(options)), work_(asio::make_work_guard(io_)), watchdog_(io_) {
  subscriber_ = std::make_unique<Connection>(io_, options_, "subscriber", counters_,
                                             static_cast<Connection::Owner&>(*this));
  publisher_ = std::make_unique<Connection>(io_, options_, "publisher", counters_,
                                            static_cast<Connection::Owner&>(*this));
  asio::post(io_, [this] {
    subscriber_->Start();
    publisher_->Start();
    Watchdog();
  });
  thread_ = std::thread([this] {
    t_io_thread_owner = this;
    for (;;) {
      try {
        io_.run();
        break;
      } catch (const std::exception& e) {
        // A callback threw: callbacks must not, but the bus keeps running.
        spdlog::error("redis bus: a callback threw an exception: {}", e.what());
      } catch (...) {
        spdlog::error("redis bus: a callback threw an exception");
      }
    }
    t_io_thread_owner = nullptr;
  });
}

RedisBus::Impl::~Impl() {
  {
    std::scoped_lock lock(mutex_, pub_mutex_);
    stopping_ = true;
    pub_stopping_ = true;
  }
  asio::post(io_, [this] { ShutdownOnIoThread(); });
  thread_.join();
  // Callbacks posted after the thread's last turn (e.g. by a Publish racing
  // with destruction) still run, here.
  io_.restart();
  io_.poll();
}

bool RedisBus::Impl::OnIoThread() const { return t_io_thread_owner == this; }

void RedisBus::Impl::ShutdownOnIoThread() {
  watchdog_.cancel();
  subscriber_->Stop();
  publisher_->Stop();
  const absl::Status stopped = absl::UnavailableError("redis bus stopped");
  Callbacks fire;
  {
    std::lock_guard lock(pub_mutex_);
    pub_up_ = false;
    pub_up_flag_ = false;
    pub_out_.clear();
    for (InFlightPublish& p : pub_in_flight_) fire.emplace_back(std::move(p.done), stopped);
    pub_in_flight_.clear();
    pub_backlog_bytes_ = 0;
  }
  counters_.publish_errors.fetch_add(fire.size(), std::memory_order_relaxed);
  {
    std::lock_guard lock(mutex_);
    sub_up_ = false;
    for (auto& [topic, state] : topics_) {
      for (DoneCallback& w : state->waiters) fire.emplace_back(std::move(w), stopped);
      state->waiters.clear();
    }
  }
  // Not [callback, status]: clang before 16 cannot capture structured bindings.
  for (auto& entry : fire) {
    if (entry.first) Guarded("callback", [&] { entry.first(entry.second); });
  }
  work_.reset();
  NotifyStateChanged();
}

// ---------------------------------------------------------------- callbacks

void RedisBus::Impl::Post(DoneCallback callback, absl::Status status) {
  if (!callback) return;
  asio::post(io_,
             [callback = std::move(callback), status = std::move(status)] { callback(status); });
}

void RedisBus::Impl::PostAll(Callbacks& callbacks) {
  for (auto& [callback, status] : callbacks) Post(std::move(callback), std::move(status));
  callbacks.clear();
}

void RedisBus::Impl::NotifyStateChanged() {
  { std::lock_guard lock(ready_mutex_); }
  ready_cv_.notify_all();
}

// ---------------------------------------------------------------- publishing

void RedisBus::Impl::Publish(std::string_view topic, std::string envelope, DoneCallback done) {
  if (envelope.size() > options_.max_envelope_bytes) {
    counters_.publish_errors.fetch_add(1, std::memory_order_relaxed);
    Post(std::move(done),
         absl::InvalidArgumentError("envelope of " + std::to_string(envelope.size()) +
                                    " bytes exceeds the bus limit of " +
                                    std::to_string(options_.max_envelope_bytes) + " bytes"));
    return;
  }
  // Format outside the lock; the order of publishes is the order in which
  // they take the lock below (program order for one thread).
  std::string command;
  AppendCommand(command, {"PUBLISH", Channel(topic), envelope});
  const size_t bytes = command.size();

  absl::Status refused;
  bool post_flush = false;
  {
    std::lock_guard lock(pub_mutex_);
    if (pub_stopping_) {
      refused = absl::UnavailableError("redis bus stopped");
    } else if (!pub_up_) {
      refused = absl::UnavailableError("redis unavailable: " + pub_down_reason_);
    } else if (pub_backlog_bytes_ + bytes > options_.max_publish_backlog_bytes &&
               !pub_in_flight_.empty()) {
      refused =
          absl::UnavailableError("redis unavailable: publish backlog of " +
                                 std::to_string(pub_backlog_bytes_) + " bytes awaits replies");
    } else {
      if (pub_out_.empty()) {
        pub_out_.swap(command);
      } else {
        pub_out_.append(command);
      }
      pub_in_flight_.push_back(InFlightPublish{std::move(done), bytes, Clock::now()});
      pub_backlog_bytes_ += bytes;
      post_flush = !pub_flush_posted_;
      pub_flush_posted_ = true;
    }
  }
  if (!refused.ok()) {
    counters_.publish_errors.fetch_add(1, std::memory_order_relaxed);
    Post(std::move(done), std::move(refused));
    return;
  }
  if (post_flush) asio::post(io_, [this] { FlushPublisher(); });
}

void RedisBus::Impl::FlushPublisher() {
  std::string data;
  {
    std::lock_guard lock(pub_mutex_);
    pub_flush_posted_ = false;
    if (!pub_up_) return;
    data.swap(pub_out_);
  }
  publisher_->Write(std::move(data));
}

absl::Status RedisBus::Impl::OnPublishReply(const redisReply& reply) {
  DoneCallback done;
  {
    std::lock_guard lock(pub_mutex_);
    if (pub_in_flight_.empty()) {
      return absl::InvalidArgumentError("unexpected reply on the publisher connection: " +
                                        internal::redis::DescribeReply(reply));
    }
    done = std::move(pub_in_flight_.front().done);
    pub_backlog_bytes_ -= pub_in_flight_.front().bytes;
    pub_in_flight_.pop_front();
  }
  absl::Status status;
  absl::Status connection_status;
  if (reply.type == REDIS_REPLY_INTEGER) {
    counters_.publishes.fetch_add(1, std::memory_order_relaxed);
  } else if (reply.type == REDIS_REPLY_ERROR) {
    // E.g. NOAUTH or a replica's READONLY: the command was not executed.
    status = absl::UnavailableError("redis refused PUBLISH: " +
                                    std::string(reply.str == nullptr ? "" : reply.str, reply.len));
  } else {
    status = absl::UnavailableError("redis unavailable: unexpected reply to PUBLISH");
    connection_status = absl::InvalidArgumentError("unexpected reply to PUBLISH: " +
                                                   internal::redis::DescribeReply(reply));
  }
  if (!status.ok()) counters_.publish_errors.fetch_add(1, std::memory_order_relaxed);
  if (done) Guarded("publish callback", [&] { done(status); });
  return connection_status;
}

// ---------------------------------------------------------------- subscribing

Bus::SubscriptionId RedisBus::Impl::Subscribe(std::string_view topic, MessageHandler handler,
                                              DoneCallback ready) {
  auto slot = std::make_shared<Slot>(std::move(handler));
  Callbacks fire;
  SubscriptionId id;
  {
    std::lock_guard lock(mutex_);
    id = next_id_++;
    subscriptions_.emplace(id, SubscriptionRecord{std::string(topic), slot});
    std::unique_ptr<TopicState>& state_ptr = topics_[AsAbsl(topic)];
    if (state_ptr == nullptr) state_ptr = std::make_unique<TopicState>();
    TopicState& state = *state_ptr;
    auto handlers = state.handlers == nullptr ? std::make_shared<Handlers>()
                                              : std::make_shared<Handlers>(*state.handlers);
    handlers->push_back(slot);
    state.handlers = std::move(handlers);

    if (stopping_) {
      fire.emplace_back(std::move(ready), absl::UnavailableError("redis bus stopped"));
    } else if (!sub_up_) {
      fire.emplace_back(std::move(ready),
                        absl::UnavailableError("redis unavailable: " + sub_down_reason_));
    } else if (state.confirmed()) {
      fire.emplace_back(std::move(ready), absl::OkStatus());
    } else {
      if (ready) state.waiters.push_back(std::move(ready));
      Reconcile(topic, state, fire);
    }
    Recount(state);
  }
  PostAll(fire);
  NotifyStateChanged();
  return id;
}

void RedisBus::Impl::Unsubscribe(SubscriptionId id) {
  std::shared_ptr<Slot> slot;
  Callbacks fire;
  {
    std::lock_guard lock(mutex_);
    auto record = subscriptions_.find(id);
    if (record == subscriptions_.end()) return;
    slot = std::move(record->second.slot);
    auto it = topics_.find(record->second.topic);
    subscriptions_.erase(record);
    if (it != topics_.end()) {
      TopicState& state = *it->second;
      auto handlers = std::make_shared<Handlers>();
      if (state.handlers != nullptr) {
        for (const auto& s : *state.handlers) {
          if (s != slot) handlers->push_back(s);
        }
      }
      if (handlers->empty()) {
        state.handlers = nullptr;
        for (DoneCallback& w : state.waiters) {
          fire.emplace_back(std::move(w),
                            absl::CancelledError("unsubscribed before the topic was subscribed"));
        }
        state.waiters.clear();
      } else {
        state.handlers = std::move(handlers);
      }
      Settle(it, fire);
    }
  }
  slot->active.store(false);
  // Wait for a call in progress on the I/O thread (see the header). On the
  // I/O thread itself nothing else runs, and a handler unsubscribing itself
  // must not wait for itself.
  if (!OnIoThread()) {
    for (const Slot* running = running_.load(); running == slot.get(); running = running_.load()) {
      running_.wait(running);
    }
  }
  PostAll(fire);
  NotifyStateChanged();
}

void RedisBus::Impl::Reconcile(std::string_view topic, TopicState& state, Callbacks& fire) {
  if (sub_up_ && !state.in_flight) {
    if (state.wanted() && !state.on_redis) {
      SendSubscriberCommand("SUBSCRIBE", topic);
      state.in_flight = true;
    } else if (!state.wanted() && state.on_redis) {
      SendSubscriberCommand("UNSUBSCRIBE", topic);
      state.in_flight = true;
    }
  }
  if (state.wanted() && state.confirmed()) {
    for (DoneCallback& w : state.waiters) fire.emplace_back(std::move(w), absl::OkStatus());
    state.waiters.clear();
  }
}

void RedisBus::Impl::Settle(TopicMap::iterator it, Callbacks& fire) {
  TopicState& state = *it->second;
  Reconcile(it->first, state, fire);
  Recount(state);
  if (!state.wanted() && !state.on_redis && !state.in_flight) topics_.erase(it);
}

void RedisBus::Impl::Recount(TopicState& state) {
  const bool counts = state.wanted() && !state.confirmed();
  if (counts == state.counted) return;
  state.counted = counts;
  if (counts) {
    ++unconfirmed_;
  } else {
    --unconfirmed_;
  }
}

void RedisBus::Impl::SendSubscriberCommand(std::string_view command, std::string_view topic) {
  AppendCommand(sub_out_, {command, Channel(topic)});
  sub_sent_.push_back(Clock::now());
  if (!sub_flush_posted_) {
    sub_flush_posted_ = true;
    asio::post(io_, [this] { FlushSubscriber(); });
  }
}

void RedisBus::Impl::FlushSubscriber() {
  std::string data;
  {
    std::lock_guard lock(mutex_);
    sub_flush_posted_ = false;
    if (!sub_up_) return;
    data.swap(sub_out_);
  }
  subscriber_->Write(std::move(data));
}

absl::Status RedisBus::Impl::OnSubscriberReply(const redisReply& reply) {
  const std::optional<PubSubPush> push = internal::redis::ParsePubSubPush(reply);
  if (!push) {
    return absl::InvalidArgumentError("unexpected reply on the subscriber connection: " +
                                      internal::redis::DescribeReply(reply));
  }
  switch (push->kind) {
    case PubSubPush::Kind::kMessage:
    case PubSubPush::Kind::kSMessage:
      Dispatch(push->channel, push->payload);
      return absl::OkStatus();
    case PubSubPush::Kind::kSubscribe:
    case PubSubPush::Kind::kUnsubscribe:
      break;
    default:
      return absl::OkStatus();  // nothing we asked for; harmless
  }
  const std::string_view prefix = options_.channel_prefix;
  Callbacks fire;
  bool changed = false;
  {
    std::lock_guard lock(mutex_);
    if (!sub_sent_.empty()) sub_sent_.pop_front();
    if (push->channel.size() >= prefix.size() && push->channel.substr(0, prefix.size()) == prefix) {
      auto it = topics_.find(AsAbsl(push->channel.substr(prefix.size())));
      if (it != topics_.end()) {
        TopicState& state = *it->second;
        state.on_redis = push->kind == PubSubPush::Kind::kSubscribe;
        state.in_flight = false;
        Settle(it, fire);
        changed = unconfirmed_ == 0;
      }
    }
  }
  PostAll(fire);
  if (changed) NotifyStateChanged();
  return absl::OkStatus();
}

void RedisBus::Impl::Dispatch(std::string_view channel, std::string_view payload) {
  counters_.messages_in.fetch_add(1, std::memory_order_relaxed);
  const std::string_view prefix = options_.channel_prefix;
  if (channel.size() < prefix.size() || channel.substr(0, prefix.size()) != prefix) {
    counters_.messages_unrouted.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  const std::string_view topic = channel.substr(prefix.size());
  std::shared_ptr<const Handlers> handlers;
  {
    std::lock_guard lock(mutex_);
    auto it = topics_.find(AsAbsl(topic));
    if (it != topics_.end()) handlers = it->second->handlers;
  }
  if (handlers == nullptr) {
    counters_.messages_unrouted.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  for (const std::shared_ptr<Slot>& slot : *handlers) {
    // Publish our intent before checking `active`: with Unsubscribe's
    // store-then-load (both seq_cst), one of the two sees the other.
    running_.store(slot.get());
    struct Reset {
      Impl& impl;
      const Slot& slot;
      ~Reset() {
        impl.running_.store(nullptr);
        if (!slot.active.load()) impl.running_.notify_all();
      }
    } reset{*this, *slot};
    if (slot->active.load()) Guarded("message handler", [&] { slot->handler(topic, payload); });
  }
}

// ---------------------------------------------------------------- connections

void RedisBus::Impl::OnUp(Connection& connection) {
  if (&connection == publisher_.get()) {
    std::lock_guard lock(pub_mutex_);
    pub_up_ = true;
    pub_up_flag_ = true;
  } else {
    Callbacks fire;
    {
      std::lock_guard lock(mutex_);
      sub_up_ = true;
      sub_out_.clear();
      sub_sent_.clear();
      for (auto it = topics_.begin(); it != topics_.end();) {
        auto next = std::next(it);
        Settle(it, fire);  // re-subscribes every wanted topic
        it = next;
      }
    }
    PostAll(fire);
  }
  NotifyStateChanged();
}

absl::Status RedisBus::Impl::OnReply(Connection& connection, const redisReply& reply) {
  return &connection == publisher_.get() ? OnPublishReply(reply) : OnSubscriberReply(reply);
}

void RedisBus::Impl::OnDown(Connection& connection, const absl::Status& reason, bool was_up) {
  const std::string why(reason.message());
  Callbacks fire;
  if (&connection == publisher_.get()) {
    {
      std::lock_guard lock(pub_mutex_);
      pub_up_ = false;
      pub_up_flag_ = false;
      pub_down_reason_ = why;
      pub_out_.clear();
      const absl::Status lost = absl::UnavailableError(
          "redis unavailable: the connection was lost before redis confirmed the publish (" + why +
          ")");
      for (InFlightPublish& p : pub_in_flight_) fire.emplace_back(std::move(p.done), lost);
      pub_in_flight_.clear();
      pub_backlog_bytes_ = 0;
    }
    counters_.publish_errors.fetch_add(fire.size(), std::memory_order_relaxed);
  } else {
    std::lock_guard lock(mutex_);
    sub_up_ = false;
    sub_down_reason_ = why;
    sub_out_.clear();
    sub_sent_.clear();
    const absl::Status lost = absl::UnavailableError("redis unavailable: " + why);
    for (auto it = topics_.begin(); it != topics_.end();) {
      auto next = std::next(it);
      TopicState& state = *it->second;
      state.on_redis = false;
      state.in_flight = false;
      for (DoneCallback& w : state.waiters) fire.emplace_back(std::move(w), lost);
      state.waiters.clear();
      Settle(it, fire);
      it = next;
    }
  }
  // Called on the I/O thread from the connection's own handler: run them
  // now, in order, rather than behind messages queued later.
  // Not [callback, status]: clang before 16 cannot capture structured bindings.
  for (auto& entry : fire) {
    if (entry.first) Guarded("callback", [&] { entry.first(entry.second); });
  }
  NotifyStateChanged();
}

void RedisBus::Impl::Watchdog() {
  {
    // A tick that fired just before shutdown cancelled the timer must not
    // re-arm it: the I/O thread would never run out of work and the
    // destructor's join() would wait forever.
    std::lock_guard lock(mutex_);
    if (stopping_) return;
  }
  const auto now = Clock::now();
  bool publisher_stuck = false;
  bool subscriber_stuck = false;
  {
    std::lock_guard lock(pub_mutex_);
    publisher_stuck =
        !pub_in_flight_.empty() && now - pub_in_flight_.front().queued > options_.command_timeout;
  }
  {
    std::lock_guard lock(mutex_);
    subscriber_stuck = !sub_sent_.empty() && now - sub_sent_.front() > options_.command_timeout;
  }
  const std::string why =
      "no reply within " + std::to_string(options_.command_timeout.count()) + " ms";
  if (publisher_stuck) publisher_->Drop(absl::DeadlineExceededError(why));
  if (subscriber_stuck) subscriber_->Drop(absl::DeadlineExceededError(why));

  auto tick = options_.command_timeout / 4;
  tick = std::clamp(tick, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
  watchdog_.expires_after(tick);
  watchdog_.async_wait([this](boost::system::error_code ec) {
    if (!ec) Watchdog();
  });
}

// ---------------------------------------------------------------- state

bool RedisBus::Impl::IsReady() const {
  if (!pub_up_flag_.load()) return false;
  std::lock_guard lock(mutex_);
  return sub_up_ && unconfirmed_ == 0;
}

bool RedisBus::Impl::IsConnected() const {
  if (!pub_up_flag_.load()) return false;
  std::lock_guard lock(mutex_);
  return sub_up_;
}

bool RedisBus::Impl::WaitUntilReady(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(ready_mutex_);
  return ready_cv_.wait_for(lock, timeout, [this] { return IsReady(); });
}

std::string RedisBus::Impl::Describe() const {
  const bool v6 = options_.host.find(':') != std::string::npos;
  return "redis://" + (v6 ? "[" + options_.host + "]" : options_.host) + ":" +
         std::to_string(options_.port) + "/" + std::to_string(options_.db);
}

RedisBus::Stats RedisBus::Impl::stats() const {
  Stats s;
  s.connects = counters_.connects.load(std::memory_order_relaxed);
  s.reconnects = counters_.reconnects.load(std::memory_order_relaxed);
  s.dropped_connections = counters_.dropped_connections.load(std::memory_order_relaxed);
  s.protocol_errors = counters_.protocol_errors.load(std::memory_order_relaxed);
  s.messages_in = counters_.messages_in.load(std::memory_order_relaxed);
  s.messages_unrouted = counters_.messages_unrouted.load(std::memory_order_relaxed);
  s.publishes = counters_.publishes.load(std::memory_order_relaxed);
  s.publish_errors = counters_.publish_errors.load(std::memory_order_relaxed);
  return s;
}

// ---------------------------------------------------------------- RedisBus

RedisBus::RedisBus(RedisBusOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

RedisBus::~RedisBus() = default;

void RedisBus::Publish(std::string_view topic, std::string envelope, DoneCallback done) {
  impl_->Publish(topic, std::move(envelope), std::move(done));
}

Bus::SubscriptionId RedisBus::Subscribe(std::string_view topic, MessageHandler handler,
                                        DoneCallback ready) {
  return impl_->Subscribe(topic, std::move(handler), std::move(ready));
}

void RedisBus::Unsubscribe(SubscriptionId id) { impl_->Unsubscribe(id); }

bool RedisBus::IsReady() const { return impl_->IsReady(); }
bool RedisBus::IsConnected() const { return impl_->IsConnected(); }

std::string RedisBus::Describe() const { return impl_->Describe(); }

bool RedisBus::WaitUntilReady(std::chrono::milliseconds timeout) const {
  return impl_->WaitUntilReady(timeout);
}

RedisBus::Stats RedisBus::stats() const { return impl_->stats(); }

}  // namespace pubsub
