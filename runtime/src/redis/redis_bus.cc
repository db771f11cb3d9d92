// RedisBus: see pubsub/redis_bus.h for the design and the guarantees.
//
// Locks: `mutex_` guards the subscriber side (the subscription table, the
// routes, the subscriber's outgoing commands); `pub_mutex_` guards the
// publisher side. Neither is held while user code runs: callbacks are
// collected under the lock and run (or posted to the I/O thread) after
// releasing it.
//
// The subscriber side's bookkeeping (what to SUBSCRIBE or UNSUBSCRIBE, when
// `ready` runs, readiness) is the sans-IO SubscriptionTable; this file feeds
// it events and carries out what it returns.
#include "pubsub/redis_bus.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
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
#include "redis/catch.h"
#include "redis/cluster_keys.h"
#include "redis/connection.h"
#include "redis/history_functions.h"
#include "redis/resp.h"
#include "redis/subscription_table.h"
#include "spdlog/spdlog.h"

namespace pubsub {

namespace asio = boost::asio;
using internal::redis::AppendCommand;
using internal::redis::Connection;
using internal::redis::PubSubPush;
using internal::redis::SubscriptionTable;
using Clock = std::chrono::steady_clock;

namespace {

// This abseil has its own string_view type, which heterogeneous lookup needs.
absl::string_view AsAbsl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// What threw, for the log (see RunUserCallback).
constexpr const char* kReadyCallback = "a subscription's `ready` callback";
constexpr const char* kDoneCallback = "a publish's `done` callback";

// Redis Cluster's answers that send a command elsewhere (or to wait): the
// command was not executed here.
bool IsRedirection(std::string_view error) {
  for (std::string_view prefix : {"MOVED ", "ASK ", "TRYAGAIN", "CLUSTERDOWN", "READONLY"}) {
    if (error.starts_with(prefix)) return true;
  }
  return false;
}

}  // namespace

class RedisBus::Impl final : private Connection::Owner {
 public:
  explicit Impl(RedisBusOptions options);
  ~Impl() override;

  void Publish(std::string_view topic, std::string envelope, DoneCallback done);
  void PublishStored(std::string_view topic, std::string envelope, const HistoryPolicy& policy,
                     StoredCallback done);
  void ReadHistory(std::string_view topic, const HistoryPolicy& policy, uint64_t after_seq,
                   size_t limit, HistoryCallback done);
  SubscriptionId Subscribe(std::string_view topic, MessageHandler handler, DoneCallback ready);
  void Unsubscribe(SubscriptionId id);
  void SharePresence(PresenceShare share, DoneCallback done);
  void QueryPresence(std::string_view user, PresenceCallback done);
  void SetResubscribedHandler(std::function<void()> handler) {
    std::lock_guard lock(mutex_);
    resubscribed_ = std::move(handler);
  }
  void SetRedirectHandler(std::function<void(std::string_view, std::string_view)> handler) {
    std::lock_guard lock(mutex_);
    redirected_ = std::move(handler);
  }
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
  // A topic's handlers: copy-on-write, so Dispatch runs them without the lock.
  using Handlers = std::vector<std::shared_ptr<Slot>>;

  struct SubscriptionRecord {
    std::string topic;
    std::shared_ptr<Slot> slot;
  };

  // What to do with a command's reply: called with the reply, or with a
  // null reply and the reason the command got none (connection lost, bus
  // stopped). A non-OK return drops the connection (a malformed reply).
  using ReplyHandler = std::function<absl::Status(const redisReply* reply, absl::Status failure)>;

  // A command on the publisher connection awaiting its reply (FIFO).
  struct InFlightCommand {
    ReplyHandler complete;
    size_t bytes;
    Clock::time_point queued;
  };

  // A user callback to run, and what it is (for the log if it throws).
  struct PendingCallback {
    const char* what;
    DoneCallback callback;
    absl::Status status;
  };
  using Callbacks = std::vector<PendingCallback>;
  // After a lost subscriber connection: once every topic is subscribed again
  // and the publisher connection is up too (so that history can be read),
  // queues the resubscribed handler. mutex_ held.
  void MaybeReportResubscribed(Callbacks& fire) {
    if (!resubscribe_pending_ || !table_.ready() || !pub_up_flag_.load()) return;
    resubscribe_pending_ = false;
    if (resubscribed_) {
      fire.push_back(PendingCallback{"a resubscribed handler",
                                     [handler = resubscribed_](absl::Status) { handler(); },
                                     absl::OkStatus()});
    }
  }

  // Connection::Owner
  void OnUp(Connection& connection) override;
  absl::Status OnReply(Connection& connection, const redisReply& reply) override;
  void OnDown(Connection& connection, const absl::Status& reason, bool was_up) override;

  absl::Status OnPublishReply(const redisReply& reply);
  // Queues `command` on the publisher connection (in call order) with its
  // reply handler; a refusal (down, stopped, backlog full) is returned and
  // the handler is not kept.
  absl::Status Enqueue(std::string command, ReplyHandler complete);
  // The history keys of `topic` (see history_functions.h).
  // One slot for the stream, the hash and the channel: on one Redis the
  // channel is the hash tag; on a cluster the channel carries its own tag.
  std::string StreamKey(std::string_view topic) const {
    return options_.sharded ? Channel(topic) + ":s" : "{" + Channel(topic) + "}:s";
  }
  std::string MetaKey(std::string_view topic) const {
    return options_.sharded ? Channel(topic) + ":m" : "{" + Channel(topic) + "}:m";
  }
  // Presence keys: one {hash tag} for all, so one slot on a cluster.
  std::string PresenceKey(std::string_view what) const {
    return options_.channel_prefix + "{presence}:" + std::string(what);
  }
  // Fails every command in flight (pub_mutex_ held): their handlers, as
  // callbacks to run after releasing the lock.
  void FailInFlight(const absl::Status& failure, Callbacks& fire);
  absl::Status OnSubscriberReply(const redisReply& reply);
  absl::Status OnSubscriptionRedirected(std::string_view error);
  void Dispatch(std::string_view channel, std::string_view payload);

  // Subscriber side; mutex_ held. Queues the table's commands for the
  // subscriber connection and moves its callbacks to `fire`.
  void Apply(SubscriptionTable::Actions actions, Callbacks& fire);
  std::string Channel(std::string_view topic) const {
    if (options_.sharded) return internal::redis::ShardChannel(options_.channel_prefix, topic);
    return options_.channel_prefix + std::string(topic);
  }
  std::string_view PublishVerb() const { return options_.sharded ? "SPUBLISH" : "PUBLISH"; }
  // A command Redis refused (did not execute): Aborted for a cluster
  // redirection in sharded mode (RedisClusterBus follows it), Unavailable
  // otherwise.
  absl::Status Refused(std::string_view what, std::string_view reply) const {
    std::string message = std::string(what) + std::string(reply);
    if (options_.sharded && IsRedirection(reply)) return absl::AbortedError(std::move(message));
    return absl::UnavailableError(std::move(message));
  }
  // The topic of a channel of ours, or nullopt for a channel without our prefix.
  std::optional<std::string_view> TopicOf(std::string_view channel) const;

  void FlushSubscriber();
  void FlushPublisher();
  void Watchdog();
  void CheckDeadlines();
  void ShutdownOnIoThread();

  // Runs user code on the I/O thread: an exception is logged with what threw
  // (`what`, and the topic of a message handler), counted, and goes no
  // further (see the header).
  template <class F>
  void RunUserCallback(std::string_view what, F&& f, std::string_view topic = {});
  void RunAll(Callbacks& callbacks);
  // Runs each callback on the I/O thread (never inline in the caller).
  void PostAll(Callbacks& callbacks);
  void Post(const char* what, DoneCallback callback, absl::Status status);
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
  SubscriptionTable table_;
  // Called once every topic is subscribed again after a lost connection.
  std::function<void()> resubscribed_;
  // Sharded mode: called when Redis redirects a topic's subscription.
  std::function<void(std::string_view topic, std::string_view reply)> redirected_;
  bool resubscribe_pending_ = false;
  // Where messages go: the handlers of each topic with subscriptions.
  absl::flat_hash_map<std::string, std::shared_ptr<const Handlers>> routes_;
  absl::flat_hash_map<SubscriptionId, SubscriptionRecord> subscriptions_;
  SubscriptionId next_id_ = 1;
  // Formatted commands not yet handed to the connection: at most one per
  // topic of table_ (it keeps one outstanding per topic).
  std::string sub_out_;
  bool sub_flush_posted_ = false;

  // The slot whose handler the I/O thread is running (Unsubscribe waits on it).
  std::atomic<const Slot*> running_{nullptr};

  // --- publisher side ---
  mutable std::mutex pub_mutex_;
  bool pub_stopping_ = false;
  bool pub_up_ = false;
  std::atomic<bool> pub_up_flag_{false};  // pub_up_ for lock-free IsReady
  std::string pub_down_reason_ = "not connected yet";
  // pub_out_ and the connection's write buffers hold a part of the backlog
  // that pub_in_flight_ accounts for: at most max_publish_backlog_bytes,
  // plus one envelope.
  std::string pub_out_;
  bool pub_flush_posted_ = false;
  std::deque<InFlightCommand> pub_in_flight_;
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
    : options_(std::move(options)),
      work_(asio::make_work_guard(io_)),
      watchdog_(io_),
      table_(options_.sharded ? SubscriptionTable::kShardVerbs : SubscriptionTable::kChannelVerbs) {
  subscriber_ = std::make_unique<Connection>(io_, options_, "subscriber", counters_,
                                             static_cast<Connection::Owner&>(*this));
  publisher_ = std::make_unique<Connection>(io_, options_, "publisher", counters_,
                                            static_cast<Connection::Owner&>(*this));
  asio::post(io_, [this] {
    subscriber_->Contain("starting", [this] { subscriber_->Start(); });
    publisher_->Contain("starting", [this] { publisher_->Start(); });
    Watchdog();
  });
  thread_ = std::thread([this] {
    t_io_thread_owner = this;
    for (;;) {
      // Every handler contains its exceptions (see the header), so this
      // catches only a bug: log it, count it, and keep the thread serving.
      std::optional<std::string> what = internal::redis::Catch([this] { io_.run(); });
      if (!what) break;
      counters_.handler_exceptions.fetch_add(1, std::memory_order_relaxed);
      spdlog::error("redis bus: an exception escaped an I/O handler (a bug): {}", *what);
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
    FailInFlight(stopped, fire);
  }
  {
    std::lock_guard lock(mutex_);
    sub_out_.clear();
    // From now on a Subscribe's `ready` gets "stopped" too.
    Apply(table_.ConnectionDown(stopped), fire);
  }
  RunAll(fire);
  work_.reset();
  NotifyStateChanged();
}

// ---------------------------------------------------------------- callbacks

template <class F>
void RedisBus::Impl::RunUserCallback(std::string_view what, F&& f, std::string_view topic) {
  if (std::optional<std::string> error = internal::redis::Catch(std::forward<F>(f))) {
    counters_.handler_exceptions.fetch_add(1, std::memory_order_relaxed);
    if (topic.empty()) {
      spdlog::error("redis bus: {} threw an exception: {}; the bus carries on", what, *error);
    } else {
      spdlog::error("redis bus: {} of topic \"{}\" threw an exception: {}; the bus carries on",
                    what, topic, *error);
    }
  }
}

void RedisBus::Impl::RunAll(Callbacks& callbacks) {
  for (PendingCallback& c : callbacks) {
    if (c.callback) RunUserCallback(c.what, [&] { c.callback(c.status); });
  }
  callbacks.clear();
}

void RedisBus::Impl::Post(const char* what, DoneCallback callback, absl::Status status) {
  if (!callback) return;
  // Runs before the Impl is gone: the destructor drains the queue.
  asio::post(io_, [this, what, callback = std::move(callback), status = std::move(status)] {
    RunUserCallback(what, [&] { callback(status); });
  });
}

void RedisBus::Impl::PostAll(Callbacks& callbacks) {
  for (PendingCallback& c : callbacks) Post(c.what, std::move(c.callback), std::move(c.status));
  callbacks.clear();
}

void RedisBus::Impl::NotifyStateChanged() {
  { std::lock_guard lock(ready_mutex_); }
  ready_cv_.notify_all();
}

// ---------------------------------------------------------------- publishing

absl::Status RedisBus::Impl::Enqueue(std::string command, ReplyHandler complete) {
  const size_t bytes = command.size();
  bool post_flush = false;
  {
    std::lock_guard lock(pub_mutex_);
    if (pub_stopping_) return absl::UnavailableError("redis bus stopped");
    if (!pub_up_) return absl::UnavailableError("redis unavailable: " + pub_down_reason_);
    if (pub_backlog_bytes_ + bytes > options_.max_publish_backlog_bytes &&
        !pub_in_flight_.empty()) {
      return absl::UnavailableError("redis unavailable: publish backlog of " +
                                    std::to_string(pub_backlog_bytes_) + " bytes awaits replies");
    }
    if (pub_out_.empty()) {
      pub_out_.swap(command);
    } else {
      pub_out_.append(command);
    }
    pub_in_flight_.push_back(InFlightCommand{std::move(complete), bytes, Clock::now()});
    pub_backlog_bytes_ += bytes;
    post_flush = !pub_flush_posted_;
    pub_flush_posted_ = true;
  }
  if (post_flush) {
    asio::post(io_,
               [this] { publisher_->Contain("writing publishes", [this] { FlushPublisher(); }); });
  }
  return absl::OkStatus();
}

void RedisBus::Impl::FailInFlight(const absl::Status& failure, Callbacks& fire) {
  for (InFlightCommand& command : pub_in_flight_) {
    fire.push_back(PendingCallback{kDoneCallback,
                                   [complete = std::move(command.complete)](absl::Status status) {
                                     complete(nullptr, std::move(status)).IgnoreError();
                                   },
                                   failure});
  }
  pub_in_flight_.clear();
  pub_backlog_bytes_ = 0;
}

namespace {

std::string_view ReplyText(const redisReply& reply) {
  return std::string_view(reply.str == nullptr ? "" : reply.str, reply.len);
}

absl::Status EnvelopeTooLarge(size_t size, size_t limit) {
  return absl::InvalidArgumentError("envelope of " + std::to_string(size) +
                                    " bytes exceeds the bus limit of " + std::to_string(limit) +
                                    " bytes");
}

}  // namespace

void RedisBus::Impl::Publish(std::string_view topic, std::string envelope, DoneCallback done) {
  if (envelope.size() > options_.max_envelope_bytes) {
    counters_.publish_errors.fetch_add(1, std::memory_order_relaxed);
    Post(kDoneCallback, std::move(done),
         EnvelopeTooLarge(envelope.size(), options_.max_envelope_bytes));
    return;
  }
  // Formatted outside the lock; the order of publishes is the order in which
  // Enqueue takes its lock (program order for one thread).
  std::string command;
  AppendCommand(command, {PublishVerb(), Channel(topic), envelope});
  auto shared_done = std::make_shared<DoneCallback>(std::move(done));
  absl::Status refused = Enqueue(
      std::move(command),
      [this, shared_done](const redisReply* reply, absl::Status failure) -> absl::Status {
        absl::Status status = std::move(failure);
        absl::Status connection_status;
        if (reply != nullptr) {
          if (reply->type == REDIS_REPLY_ERROR) {
            // E.g. NOAUTH or a replica's READONLY: the command was not executed.
            status = Refused("redis refused PUBLISH: ", ReplyText(*reply));
          } else if (reply->type != REDIS_REPLY_INTEGER) {
            status = absl::UnavailableError("redis unavailable: unexpected reply to PUBLISH");
            connection_status = absl::InvalidArgumentError("unexpected reply to PUBLISH: " +
                                                           internal::redis::DescribeReply(*reply));
          }
        }
        if (status.ok()) {
          counters_.publishes.fetch_add(1, std::memory_order_relaxed);
        } else {
          counters_.publish_errors.fetch_add(1, std::memory_order_relaxed);
        }
        if (*shared_done) RunUserCallback(kDoneCallback, [&] { (*shared_done)(status); });
        return connection_status;
      });
  if (!refused.ok()) {
    counters_.publish_errors.fetch_add(1, std::memory_order_relaxed);
    Post(kDoneCallback, std::move(*shared_done), std::move(refused));
  }
}

void RedisBus::Impl::PublishStored(std::string_view topic, std::string envelope,
                                   const HistoryPolicy& policy, StoredCallback done) {
  auto shared_done = std::make_shared<StoredCallback>(std::move(done));
  auto finish = [this, shared_done](absl::StatusOr<Position> position) {
    if (*shared_done) RunUserCallback(kDoneCallback, [&] { (*shared_done)(std::move(position)); });
  };
  if (envelope.size() > options_.max_envelope_bytes) {
    counters_.publish_errors.fetch_add(1, std::memory_order_relaxed);
    absl::Status too_large = EnvelopeTooLarge(envelope.size(), options_.max_envelope_bytes);
    asio::post(io_, [finish, too_large] { finish(too_large); });
    return;
  }
  std::string command;
  AppendCommand(
      command,
      {"FCALL", internal::redis::kStoreFunction, "2", StreamKey(topic), MetaKey(topic), envelope,
       std::to_string(std::max<uint32_t>(policy.size, 1)), std::to_string(policy.ttl_seconds),
       internal::NewEpoch(), Channel(topic), PublishVerb()});
  absl::Status refused =
      Enqueue(std::move(command), [this, finish](const redisReply* reply, absl::Status failure) {
        absl::StatusOr<Position> result = absl::UnknownError("no reply");
        if (reply == nullptr) result = std::move(failure);
        absl::Status connection_status;
        if (reply != nullptr) {
          if (reply->type == REDIS_REPLY_ERROR) {
            result = Refused("redis refused to store the event: ", ReplyText(*reply));
          } else if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 2 &&
                     reply->element[0]->type == REDIS_REPLY_STRING &&
                     reply->element[1]->type == REDIS_REPLY_INTEGER) {
            result = Position{std::string(ReplyText(*reply->element[0])),
                              static_cast<uint64_t>(reply->element[1]->integer)};
          } else {
            result = absl::UnavailableError("redis unavailable: unexpected reply to FCALL");
            connection_status =
                absl::InvalidArgumentError("unexpected reply to FCALL pubsub_store: " +
                                           internal::redis::DescribeReply(*reply));
          }
        }
        if (result.ok()) {
          counters_.publishes.fetch_add(1, std::memory_order_relaxed);
        } else {
          counters_.publish_errors.fetch_add(1, std::memory_order_relaxed);
        }
        finish(std::move(result));
        return connection_status;
      });
  if (!refused.ok()) {
    counters_.publish_errors.fetch_add(1, std::memory_order_relaxed);
    asio::post(io_, [finish, refused] { finish(refused); });
  }
}

void RedisBus::Impl::ReadHistory(std::string_view topic, const HistoryPolicy& policy,
                                 uint64_t after_seq, size_t limit, HistoryCallback done) {
  auto shared_done = std::make_shared<HistoryCallback>(std::move(done));
  auto finish = [this, shared_done](absl::StatusOr<HistoryRead> read) {
    if (*shared_done) RunUserCallback(kDoneCallback, [&] { (*shared_done)(std::move(read)); });
  };
  std::string command;
  AppendCommand(command,
                {"FCALL", internal::redis::kReadFunction, "2", StreamKey(topic), MetaKey(topic),
                 after_seq == kReadNewest ? std::string("newest") : std::to_string(after_seq),
                 std::to_string(limit), internal::NewEpoch(), std::to_string(policy.ttl_seconds)});
  absl::Status refused =
      Enqueue(std::move(command), [this, finish](const redisReply* reply, absl::Status failure) {
        absl::StatusOr<HistoryRead> result = absl::UnknownError("no reply");
        if (reply == nullptr) result = std::move(failure);
        absl::Status connection_status;
        if (reply != nullptr) {
          const bool shaped = reply->type == REDIS_REPLY_ARRAY && reply->elements >= 3 &&
                              reply->element[0]->type == REDIS_REPLY_STRING &&
                              reply->element[1]->type == REDIS_REPLY_INTEGER &&
                              reply->element[2]->type == REDIS_REPLY_INTEGER;
          if (reply->type == REDIS_REPLY_ERROR) {
            result = Refused("redis refused to read history: ", ReplyText(*reply));
          } else if (shaped) {
            HistoryRead read;
            read.epoch = std::string(ReplyText(*reply->element[0]));
            read.last_seq = static_cast<uint64_t>(reply->element[1]->integer);
            read.first_seq = static_cast<uint64_t>(reply->element[2]->integer);
            for (size_t i = 3; i < reply->elements; ++i) {
              read.envelopes.emplace_back(ReplyText(*reply->element[i]));
            }
            result = std::move(read);
          } else {
            result = absl::UnavailableError("redis unavailable: unexpected reply to FCALL");
            connection_status = absl::InvalidArgumentError(
                "unexpected reply to FCALL pubsub_read: " + internal::redis::DescribeReply(*reply));
          }
        }
        finish(std::move(result));
        return connection_status;
      });
  if (!refused.ok()) asio::post(io_, [finish, refused] { finish(refused); });
}

void RedisBus::Impl::SharePresence(PresenceShare share, DoneCallback done) {
  auto shared_done = std::make_shared<DoneCallback>(std::move(done));
  auto finish = [this, shared_done](absl::Status status) {
    if (*shared_done) RunUserCallback(kDoneCallback, [&] { (*shared_done)(std::move(status)); });
  };
  std::vector<std::string> args = {"FCALL",
                                   std::string(internal::redis::kPresencePutFunction),
                                   "2",
                                   PresenceKey("replicas"),
                                   PresenceKey("counts"),
                                   PresenceKey("users:"),
                                   share.replica,
                                   std::to_string(share.ttl.count()),
                                   std::to_string(share.connections),
                                   share.full ? "1" : "0"};
  for (auto& [user, count] : share.users) {
    args.push_back(std::move(user));
    args.push_back(std::to_string(count));
  }
  std::string command;
  std::vector<std::string_view> views(args.begin(), args.end());
  AppendCommand(command, views);
  absl::Status refused =
      Enqueue(std::move(command), [this, finish](const redisReply* reply, absl::Status failure) {
        absl::Status status = std::move(failure);
        absl::Status connection_status;
        if (reply != nullptr) {
          if (reply->type == REDIS_REPLY_ERROR) {
            status = Refused("redis refused to store presence: ", ReplyText(*reply));
          } else if (reply->type == REDIS_REPLY_INTEGER) {
            if (reply->integer == 0) {
              status = absl::FailedPreconditionError("no live presence share: send it whole");
            }
          } else {
            status = absl::UnavailableError("redis unavailable: unexpected reply to FCALL");
            connection_status =
                absl::InvalidArgumentError("unexpected reply to FCALL pubsub_presence_put: " +
                                           internal::redis::DescribeReply(*reply));
          }
        }
        finish(std::move(status));
        return connection_status;
      });
  if (!refused.ok()) asio::post(io_, [finish, refused] { finish(refused); });
}

void RedisBus::Impl::QueryPresence(std::string_view user, PresenceCallback done) {
  auto shared_done = std::make_shared<PresenceCallback>(std::move(done));
  auto finish = [this, shared_done](absl::StatusOr<PresenceTotals> totals) {
    if (*shared_done) RunUserCallback(kDoneCallback, [&] { (*shared_done)(std::move(totals)); });
  };
  std::string command;
  AppendCommand(command, {"FCALL", internal::redis::kPresenceGetFunction, "2",
                          PresenceKey("replicas"), PresenceKey("counts"), PresenceKey("users:"),
                          user, std::to_string(kExactUserLimit)});
  absl::Status refused =
      Enqueue(std::move(command), [this, finish](const redisReply* reply, absl::Status failure) {
        absl::StatusOr<PresenceTotals> result = absl::UnknownError("no reply");
        if (reply == nullptr) result = std::move(failure);
        absl::Status connection_status;
        if (reply != nullptr) {
          bool shaped = reply->type == REDIS_REPLY_ARRAY && reply->elements == 5;
          for (size_t i = 0; shaped && i < 5; ++i) {
            shaped = reply->element[i]->type == REDIS_REPLY_INTEGER;
          }
          if (reply->type == REDIS_REPLY_ERROR) {
            result = Refused("redis refused to read presence: ", ReplyText(*reply));
          } else if (shaped) {
            auto at = [&](size_t i) { return static_cast<uint64_t>(reply->element[i]->integer); };
            result = PresenceTotals{.replicas = at(0),
                                    .connections = at(1),
                                    .users = at(2),
                                    .users_exact = at(3) != 0,
                                    .user_connections = at(4)};
          } else {
            result = absl::UnavailableError("redis unavailable: unexpected reply to FCALL");
            connection_status =
                absl::InvalidArgumentError("unexpected reply to FCALL pubsub_presence_get: " +
                                           internal::redis::DescribeReply(*reply));
          }
        }
        finish(std::move(result));
        return connection_status;
      });
  if (!refused.ok()) asio::post(io_, [finish, refused] { finish(refused); });
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
  ReplyHandler complete;
  {
    std::lock_guard lock(pub_mutex_);
    if (pub_in_flight_.empty()) {
      return absl::InvalidArgumentError("unexpected reply on the publisher connection: " +
                                        internal::redis::DescribeReply(reply));
    }
    complete = std::move(pub_in_flight_.front().complete);
    pub_backlog_bytes_ -= pub_in_flight_.front().bytes;
    pub_in_flight_.pop_front();
  }
  return complete(&reply, absl::OkStatus());
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
    std::shared_ptr<const Handlers>& route = routes_[AsAbsl(topic)];
    auto handlers =
        route == nullptr ? std::make_shared<Handlers>() : std::make_shared<Handlers>(*route);
    handlers->push_back(slot);
    route = std::move(handlers);
    if (stopping_ && ready) {
      // The table learns only on the I/O thread that the bus stops.
      fire.push_back(PendingCallback{kReadyCallback, std::move(ready),
                                     absl::UnavailableError("redis bus stopped")});
      ready = nullptr;
    }
    Apply(table_.Add(topic, id, std::move(ready), Clock::now()), fire);
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
    const std::string topic = std::move(record->second.topic);
    subscriptions_.erase(record);
    if (auto route = routes_.find(topic); route != routes_.end()) {
      auto handlers = std::make_shared<Handlers>();
      for (const auto& s : *route->second) {
        if (s != slot) handlers->push_back(s);
      }
      if (handlers->empty()) {
        routes_.erase(route);
      } else {
        route->second = std::move(handlers);
      }
    }
    Apply(table_.Remove(topic, id, Clock::now()), fire);
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

void RedisBus::Impl::Apply(SubscriptionTable::Actions actions, Callbacks& fire) {
  if (!actions.commands.empty()) {
    for (const SubscriptionTable::Command& command : actions.commands) {
      AppendCommand(sub_out_, {command.verb, Channel(command.topic)});
    }
    if (!sub_flush_posted_) {
      sub_flush_posted_ = true;
      asio::post(io_, [this] {
        subscriber_->Contain("writing subscriptions", [this] { FlushSubscriber(); });
      });
    }
  }
  for (SubscriptionTable::Callback& c : actions.callbacks) {
    fire.push_back(PendingCallback{kReadyCallback, std::move(c.ready), std::move(c.status)});
  }
}

std::optional<std::string_view> RedisBus::Impl::TopicOf(std::string_view channel) const {
  const std::string_view prefix = options_.channel_prefix;
  if (channel.size() < prefix.size() || channel.substr(0, prefix.size()) != prefix) {
    return std::nullopt;
  }
  if (options_.sharded) return internal::redis::TopicOfShardChannel(channel.substr(prefix.size()));
  return channel.substr(prefix.size());
}

void RedisBus::Impl::FlushSubscriber() {
  std::string data;
  {
    std::lock_guard lock(mutex_);
    sub_flush_posted_ = false;
    if (!table_.up()) return;
    data.swap(sub_out_);
  }
  subscriber_->Write(std::move(data));
}

absl::Status RedisBus::Impl::OnSubscriberReply(const redisReply& reply) {
  if (reply.type == REDIS_REPLY_ERROR && options_.sharded && IsRedirection(ReplyText(reply))) {
    return OnSubscriptionRedirected(ReplyText(reply));
  }
  const std::optional<PubSubPush> push = internal::redis::ParsePubSubPush(reply);
  if (!push) {
    return absl::InvalidArgumentError("unexpected reply on the subscriber connection: " +
                                      internal::redis::DescribeReply(reply));
  }
  SubscriptionTable::Direction direction;
  switch (push->kind) {
    case PubSubPush::Kind::kMessage:
    case PubSubPush::Kind::kSMessage:
      Dispatch(push->channel, push->payload);
      return absl::OkStatus();
    case PubSubPush::Kind::kSubscribe:
    case PubSubPush::Kind::kSSubscribe:
      direction = SubscriptionTable::Direction::kSubscribe;
      break;
    case PubSubPush::Kind::kUnsubscribe:
    case PubSubPush::Kind::kSUnsubscribe:
      direction = SubscriptionTable::Direction::kUnsubscribe;
      break;
    default:
      return absl::OkStatus();  // nothing we asked for; harmless
  }
  const std::optional<std::string_view> topic = TopicOf(push->channel);
  if (!topic) return absl::OkStatus();  // not a channel of ours: we never asked for it
  Callbacks fire;
  bool ready = false;
  {
    std::lock_guard lock(mutex_);
    absl::StatusOr<SubscriptionTable::Actions> actions =
        table_.OnConfirmed(*topic, direction, Clock::now());
    if (!actions.ok()) return actions.status();  // the connection is dropped
    Apply(*std::move(actions), fire);
    ready = table_.ready();
    MaybeReportResubscribed(fire);
  }
  PostAll(fire);
  if (ready) NotifyStateChanged();
  return absl::OkStatus();
}

// Redis sent our oldest outstanding SSUBSCRIBE elsewhere (the slot is not
// this node's, or is being migrated). The topic stays unsubscribed here
// (re-subscribing would only be redirected again) until RedisClusterBus,
// told through the redirect handler, moves it to its owner.
absl::Status RedisBus::Impl::OnSubscriptionRedirected(std::string_view error) {
  Callbacks fire;
  std::string topic;
  std::function<void(std::string_view, std::string_view)> redirected;
  {
    std::lock_guard lock(mutex_);
    absl::StatusOr<SubscriptionTable::Actions> actions = table_.OnRefused(Clock::now(), &topic);
    if (!actions.ok()) return actions.status();  // nothing was outstanding: drop
    Apply(*std::move(actions), fire);
    redirected = redirected_;
  }
  PostAll(fire);
  if (redirected) {
    RunUserCallback(
        "a redirect handler", [&] { redirected(topic, error); }, topic);
  }
  return absl::OkStatus();
}

void RedisBus::Impl::Dispatch(std::string_view channel, std::string_view payload) {
  counters_.messages_in.fetch_add(1, std::memory_order_relaxed);
  const std::optional<std::string_view> topic = TopicOf(channel);
  std::shared_ptr<const Handlers> handlers;
  if (topic) {
    std::lock_guard lock(mutex_);
    auto it = routes_.find(AsAbsl(*topic));
    if (it != routes_.end()) handlers = it->second;
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
    if (slot->active.load()) {
      RunUserCallback(
          "a message handler", [&] { slot->handler(*topic, payload); }, *topic);
    }
  }
}

// ---------------------------------------------------------------- connections

void RedisBus::Impl::OnUp(Connection& connection) {
  if (&connection == publisher_.get()) {
    {
      std::lock_guard lock(pub_mutex_);
      pub_up_ = true;
      pub_up_flag_ = true;
    }
    // History's functions, before any command that calls them (one
    // connection: Redis runs them in order). REPLACE: idempotent, and a newer
    // gateway's version wins.
    std::string load;
    AppendCommand(load, {"FUNCTION", "LOAD", "REPLACE", internal::redis::kHistoryLibrary});
    absl::Status queued = Enqueue(std::move(load), [](const redisReply* reply, absl::Status) {
      if (reply != nullptr && reply->type == REDIS_REPLY_ERROR) {
        spdlog::error(
            "redis: cannot load the history functions ({}): topics with history cannot be "
            "published to (Redis 7 or later is needed)",
            ReplyText(*reply));
      }
      return absl::OkStatus();
    });
    if (!queued.ok()) spdlog::warn("redis: history functions not loaded: {}", queued.ToString());
    Callbacks fire;
    {
      std::lock_guard lock(mutex_);
      MaybeReportResubscribed(fire);
    }
    PostAll(fire);
  } else {
    Callbacks fire;
    {
      std::lock_guard lock(mutex_);
      sub_out_.clear();
      Apply(table_.ConnectionUp(Clock::now()), fire);  // re-subscribes every live topic
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
      FailInFlight(
          absl::UnavailableError(
              "redis unavailable: the connection was lost before redis answered (" + why + ")"),
          fire);
    }
  } else {
    std::lock_guard lock(mutex_);
    sub_out_.clear();
    if (was_up) resubscribe_pending_ = true;
    Apply(table_.ConnectionDown(absl::UnavailableError("redis unavailable: " + why)), fire);
  }
  // Called on the I/O thread from the connection's own handler: run them
  // now, in order, rather than behind messages queued later.
  RunAll(fire);
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
  if (std::optional<std::string> what = internal::redis::Catch([this] { CheckDeadlines(); })) {
    counters_.handler_exceptions.fetch_add(1, std::memory_order_relaxed);
    spdlog::error("redis bus: exception in the command watchdog: {}", *what);
  }
  auto tick = options_.command_timeout / 4;
  tick = std::clamp(tick, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
  watchdog_.expires_after(tick);
  watchdog_.async_wait([this](boost::system::error_code ec) {
    if (!ec) Watchdog();
  });
}

void RedisBus::Impl::CheckDeadlines() {
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
    subscriber_stuck = table_.CommandOverdue(now, options_.command_timeout);
  }
  const std::string why =
      "no reply within " + std::to_string(options_.command_timeout.count()) + " ms";
  if (publisher_stuck) publisher_->Drop(absl::DeadlineExceededError(why));
  if (subscriber_stuck) subscriber_->Drop(absl::DeadlineExceededError(why));
}

// ---------------------------------------------------------------- state

bool RedisBus::Impl::IsReady() const {
  if (!pub_up_flag_.load()) return false;
  std::lock_guard lock(mutex_);
  return table_.ready();
}

bool RedisBus::Impl::IsConnected() const {
  if (!pub_up_flag_.load()) return false;
  std::lock_guard lock(mutex_);
  return table_.up();
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
  s.handler_exceptions = counters_.handler_exceptions.load(std::memory_order_relaxed);
  return s;
}

// ---------------------------------------------------------------- RedisBus

RedisBus::RedisBus(RedisBusOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}

RedisBus::~RedisBus() = default;

void RedisBus::Publish(std::string_view topic, std::string envelope, DoneCallback done) {
  impl_->Publish(topic, std::move(envelope), std::move(done));
}

void RedisBus::PublishStored(std::string_view topic, std::string envelope,
                             const HistoryPolicy& policy, StoredCallback done) {
  impl_->PublishStored(topic, std::move(envelope), policy, std::move(done));
}

void RedisBus::ReadHistory(std::string_view topic, const HistoryPolicy& policy, uint64_t after_seq,
                           size_t limit, HistoryCallback done) {
  impl_->ReadHistory(topic, policy, after_seq, limit, std::move(done));
}
void RedisBus::SharePresence(PresenceShare share, DoneCallback done) {
  impl_->SharePresence(std::move(share), std::move(done));
}
void RedisBus::QueryPresence(std::string_view user, PresenceCallback done) {
  impl_->QueryPresence(user, std::move(done));
}

Bus::SubscriptionId RedisBus::Subscribe(std::string_view topic, MessageHandler handler,
                                        DoneCallback ready) {
  return impl_->Subscribe(topic, std::move(handler), std::move(ready));
}

void RedisBus::Unsubscribe(SubscriptionId id) { impl_->Unsubscribe(id); }

void RedisBus::SetResubscribedHandler(std::function<void()> handler) {
  impl_->SetResubscribedHandler(std::move(handler));
}

void RedisBus::SetRedirectHandler(
    std::function<void(std::string_view topic, std::string_view error)> handler) {
  impl_->SetRedirectHandler(std::move(handler));
}

bool RedisBus::IsReady() const { return impl_->IsReady(); }
bool RedisBus::IsConnected() const { return impl_->IsConnected(); }

std::string RedisBus::Describe() const { return impl_->Describe(); }

bool RedisBus::WaitUntilReady(std::chrono::milliseconds timeout) const {
  return impl_->WaitUntilReady(timeout);
}

RedisBus::Stats RedisBus::stats() const { return impl_->stats(); }

}  // namespace pubsub
