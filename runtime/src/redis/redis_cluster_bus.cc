// RedisClusterBus: see pubsub/redis_cluster_bus.h for the design.
//
// Threads: the bus has one I/O thread of its own (the discovery connection,
// the refresh and retry timers); each master's RedisBus has its own, on
// which that master's callbacks run. `mutex_` guards the map, the node
// buses and the subscriptions; it is never held while calling into a node
// bus (Unsubscribe may wait for a running handler, which may call back into
// this bus) nor while destroying one.
#include "pubsub/redis_cluster_bus.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <atomic>
#include <deque>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>
#include <variant>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "absl/container/flat_hash_map.h"
#include "redis/catch.h"
#include "redis/cluster_keys.h"
#include "redis/connection.h"
#include "redis/resp.h"
#include "redis/slot_map.h"
#include "spdlog/spdlog.h"

namespace pubsub {

namespace asio = boost::asio;
using internal::redis::Connection;
using internal::redis::NodeAddress;
using internal::redis::SlotMap;
using Clock = std::chrono::steady_clock;

namespace {

// How often waiting calls are retried and node health is looked at.
constexpr auto kTick = std::chrono::milliseconds(50);
// Least time between two map fetches (redirections come in bursts).
constexpr auto kRefreshSpacing = std::chrono::milliseconds(100);

uint16_t SlotOf(std::string_view topic) {
  // The tag without its braces is what Redis hashes.
  const std::string tag = internal::redis::ShardTag(topic);
  return ClusterSlot(std::string_view(tag).substr(1, 8));
}

const absl::Status& StatusOf(const absl::Status& status) { return status; }
template <class T>
absl::Status StatusOf(const absl::StatusOr<T>& result) {
  return result.status();
}

}  // namespace

class RedisClusterBus::Impl final : private Connection::Owner {
 public:
  explicit Impl(RedisClusterOptions options);
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
  void SetResubscribedHandler(std::function<void()> handler);
  bool IsReady() const;
  bool IsConnected() const;
  std::string Describe() const;
  Stats stats() const;

 private:
  using NodeBus = std::shared_ptr<RedisBus>;

  struct Subscription {
    std::string topic;
    std::shared_ptr<const MessageHandler> handler;
    DoneCallback ready;  // until it has run once
    NodeBus bus;         // where it is subscribed (null: no master serves it yet)
    SubscriptionId node_id = 0;
    // Bumped by every move: the old node's late `ready` is recognized as stale.
    uint64_t generation = 0;
    // Redis refused it where it is: move it (or subscribe again) on the next map.
    bool redirected = false;
    // Moved to a master whose connection was not up yet: that bus subscribes
    // once it is, without telling; Tick notices (its bus ready) and reports
    // the move as a resubscription.
    bool move_unconfirmed = false;
  };

  // A call waiting for its slot's master (none yet, unreachable, or a
  // redirection to follow). `attempt` makes one try on a node bus; `fail`
  // ends the call with a status.
  struct Call {
    std::string topic;
    uint16_t slot = 0;
    size_t bytes = 0;
    Clock::time_point deadline;
    std::function<void(RedisBus& bus, const std::shared_ptr<Call>& self)> attempt;
    std::function<void(absl::Status)> fail;
  };
  using CallPtr = std::shared_ptr<Call>;

  // Connection::Owner (the discovery connection, on this bus's I/O thread).
  void OnUp(Connection& connection) override;
  absl::Status OnReply(Connection& connection, const redisReply& reply) override;
  void OnDown(Connection& connection, const absl::Status& reason, bool was_up) override;

  // Starts the discovery connection to the next known node.
  void ConnectDiscovery();
  // Asks for a fresh map (coalesced and spaced); any thread.
  void RequestRefresh();
  void SendRefresh();  // I/O thread
  void ApplyMap(SlotMap map);
  void Tick();
  // Reports moves whose new master has since subscribed (move_unconfirmed).
  void ConfirmMoves();

  NodeBus MakeNodeBus(const NodeAddress& address);  // mutex_ held
  NodeBus RouteLocked(uint16_t slot) const;         // mutex_ held
  // Subscribes `id` on `bus` (generation `generation`); no lock held.
  void SubscribeOnNode(SubscriptionId id, uint64_t generation, const NodeBus& bus,
                       const std::string& topic,
                       const std::shared_ptr<const MessageHandler>& handler);
  void OnNodeReady(SubscriptionId id, uint64_t generation, absl::Status status);
  void OnRedirected(std::string_view topic, std::string_view error);
  void NotifyResubscribed();

  // Runs `call` now if its master is known and reachable and nothing of its
  // slot is waiting (order), or makes it wait.
  void Run(CallPtr call);
  // The result of one attempt: done, or (redirected) waits again.
  template <class Result, class Done>
  void Finish(const CallPtr& call, Result result, const Done& done);
  void Wait(CallPtr call);  // takes mutex_

  const RedisClusterOptions options_;
  internal::redis::Counters discovery_counters_;
  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  asio::steady_timer tick_timer_;
  asio::steady_timer refresh_timer_;

  // --- discovery (I/O thread only) ---
  // Where to ask for the map: the seeds, then every node a map named.
  // A deque: a Connection keeps a reference to its options.
  std::deque<RedisBusOptions> discovery_targets_;
  size_t discovery_index_ = 0;
  std::unique_ptr<Connection> discovery_;
  bool refresh_in_flight_ = false;
  bool refresh_again_ = false;
  bool refresh_timer_armed_ = false;
  Clock::time_point last_refresh_;
  Clock::time_point last_periodic_refresh_;

  // --- shared state ---
  mutable std::mutex mutex_;
  bool stopping_ = false;
  std::optional<SlotMap> map_;
  std::vector<NodeBus> by_master_;                   // by the map's master index
  absl::flat_hash_map<std::string, NodeBus> nodes_;  // by "host:port"
  std::vector<NodeBus> retired_;                     // destroyed on the I/O thread once unused
  absl::flat_hash_map<SubscriptionId, Subscription> subscriptions_;
  SubscriptionId next_id_ = 1;
  std::function<void()> resubscribed_;
  bool resubscribed_posted_ = false;
  std::deque<CallPtr> waiting_;
  size_t waiting_bytes_ = 0;
  absl::flat_hash_map<uint16_t, size_t> waiting_per_slot_;

  std::atomic<uint64_t> map_refreshes_{0};
  std::atomic<uint64_t> redirections_{0};
  std::atomic<uint64_t> moved_topics_{0};

  std::thread thread_;
};

RedisClusterBus::Impl::Impl(RedisClusterOptions options)
    : options_(std::move(options)),
      work_(asio::make_work_guard(io_)),
      tick_timer_(io_),
      refresh_timer_(io_) {
  for (const auto& [host, port] : options_.seeds) {
    RedisBusOptions target = options_.node;
    target.host = host;
    target.port = port;
    target.db = 0;
    discovery_targets_.push_back(std::move(target));
  }
  asio::post(io_, [this] {
    ConnectDiscovery();
    Tick();
  });
  thread_ = std::thread([this] {
    for (;;) {
      std::optional<std::string> what = internal::redis::Catch([this] { io_.run(); });
      if (!what) break;
      spdlog::error("redis cluster: an exception escaped an I/O handler (a bug): {}", *what);
    }
  });
}

RedisClusterBus::Impl::~Impl() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  asio::post(io_, [this] {
    tick_timer_.cancel();
    refresh_timer_.cancel();
    if (discovery_) discovery_->Stop();
    work_.reset();
  });
  thread_.join();
  std::deque<CallPtr> waiting;
  std::vector<NodeBus> buses;
  {
    std::lock_guard lock(mutex_);
    waiting.swap(waiting_);
    for (auto& [address, bus] : nodes_) buses.push_back(bus);
    nodes_.clear();
    by_master_.clear();
    for (auto& bus : retired_) buses.push_back(std::move(bus));
    retired_.clear();
    for (auto& [id, subscription] : subscriptions_) subscription.bus.reset();
  }
  const absl::Status stopped = absl::UnavailableError("redis bus stopped");
  for (const CallPtr& call : waiting) call->fail(stopped);
  buses.clear();  // each node bus fails what it still holds, then stops
  discovery_.reset();
}

// ---------------------------------------------------------------- discovery

void RedisClusterBus::Impl::ConnectDiscovery() {
  if (discovery_targets_.empty()) return;
  const RedisBusOptions& target = discovery_targets_[discovery_index_ % discovery_targets_.size()];
  discovery_ = std::make_unique<Connection>(io_, target, "cluster discovery", discovery_counters_,
                                            static_cast<Connection::Owner&>(*this));
  discovery_->Start();
}

void RedisClusterBus::Impl::OnUp(Connection&) {
  refresh_in_flight_ = false;
  SendRefresh();
}

void RedisClusterBus::Impl::SendRefresh() {
  if (!discovery_ || !discovery_->up()) return;  // sent when it is up
  if (refresh_in_flight_) {
    refresh_again_ = true;
    return;
  }
  std::string command;
  internal::redis::AppendCommand(command, {"CLUSTER", "SLOTS"});
  refresh_in_flight_ = true;
  last_refresh_ = Clock::now();
  discovery_->Write(std::move(command));
}

absl::Status RedisClusterBus::Impl::OnReply(Connection&, const redisReply& reply) {
  refresh_in_flight_ = false;
  if (reply.type == REDIS_REPLY_ERROR) {
    // E.g. a node that is not in cluster mode: say so, and ask another.
    spdlog::error("redis cluster: {} cannot tell the slot map: {}",
                  discovery_targets_[discovery_index_ % discovery_targets_.size()].host,
                  std::string_view(reply.str, reply.len));
    return absl::FailedPreconditionError("CLUSTER SLOTS refused");
  }
  const RedisBusOptions& asked = discovery_targets_[discovery_index_ % discovery_targets_.size()];
  absl::StatusOr<SlotMap> map = internal::redis::ParseClusterSlots(reply, asked.host);
  if (!map.ok()) return map.status();
  map_refreshes_.fetch_add(1, std::memory_order_relaxed);
  // Remember every node, to ask them when this one is gone.
  for (const NodeAddress& node : map->nodes()) {
    const bool known = std::any_of(
        discovery_targets_.begin(), discovery_targets_.end(),
        [&](const RedisBusOptions& t) { return t.host == node.host && t.port == node.port; });
    if (!known) {
      RedisBusOptions target = options_.node;
      target.host = node.host;
      target.port = node.port;
      target.db = 0;
      discovery_targets_.push_back(std::move(target));
    }
  }
  ApplyMap(*std::move(map));
  if (refresh_again_) {
    refresh_again_ = false;
    RequestRefresh();
  }
  return absl::OkStatus();
}

void RedisClusterBus::Impl::OnDown(Connection&, const absl::Status& reason, bool was_up) {
  refresh_in_flight_ = false;
  spdlog::debug("redis cluster: discovery connection {}: {}", was_up ? "lost" : "failed",
                std::string(reason.message()));
  // Ask the next node (not from inside the connection's own hook).
  asio::post(io_, [this] {
    {
      std::lock_guard lock(mutex_);
      if (stopping_) return;
    }
    if (discovery_ && discovery_->up()) return;
    if (discovery_) discovery_->Stop();
    ++discovery_index_;
    ConnectDiscovery();
  });
}

void RedisClusterBus::Impl::RequestRefresh() {
  asio::post(io_, [this] {
    if (refresh_timer_armed_) return;
    const Clock::time_point now = Clock::now();
    if (now - last_refresh_ >= kRefreshSpacing) return SendRefresh();
    refresh_timer_armed_ = true;
    refresh_timer_.expires_at(last_refresh_ + kRefreshSpacing);
    refresh_timer_.async_wait([this](const boost::system::error_code& error) {
      refresh_timer_armed_ = false;
      if (!error) SendRefresh();
    });
  });
}

RedisClusterBus::Impl::NodeBus RedisClusterBus::Impl::MakeNodeBus(const NodeAddress& address) {
  RedisBusOptions node = options_.node;
  node.host = address.host;
  node.port = address.port;
  node.db = 0;
  node.sharded = true;
  auto bus = std::make_shared<RedisBus>(std::move(node));
  bus->SetRedirectHandler(
      [this](std::string_view topic, std::string_view error) { OnRedirected(topic, error); });
  bus->SetResubscribedHandler([this] { NotifyResubscribed(); });
  spdlog::info("redis cluster: using master {}", address.ToString());
  return bus;
}

void RedisClusterBus::Impl::ApplyMap(SlotMap map) {
  struct Move {
    SubscriptionId id;
    uint64_t generation;
    NodeBus from;
    SubscriptionId from_id;
    NodeBus to;
    std::string topic;
    std::shared_ptr<const MessageHandler> handler;
  };
  std::vector<Move> moves;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    if (!map.complete() && (!map_ || map_->complete())) {
      spdlog::warn("redis cluster: {} of 16384 slots have no master", map.uncovered());
    }
    std::vector<NodeBus> by_master;
    absl::flat_hash_map<std::string, NodeBus> nodes;
    for (const NodeAddress& master : map.masters()) {
      const std::string key = master.ToString();
      auto it = nodes_.find(key);
      NodeBus bus = it != nodes_.end() ? it->second : MakeNodeBus(master);
      nodes.emplace(key, bus);
      by_master.push_back(std::move(bus));
    }
    for (auto& [key, bus] : nodes_) {
      if (!nodes.contains(key)) {
        spdlog::info("redis cluster: {} is no longer a master", key);
        retired_.push_back(bus);
      }
    }
    nodes_ = std::move(nodes);
    by_master_ = std::move(by_master);
    map_ = std::move(map);
    for (auto& [id, subscription] : subscriptions_) {
      NodeBus to = RouteLocked(SlotOf(subscription.topic));
      if (to == subscription.bus && !subscription.redirected) continue;
      if (to == nullptr && subscription.bus == nullptr) continue;
      ++subscription.generation;
      moves.push_back(Move{id, subscription.generation, std::move(subscription.bus),
                           subscription.node_id, to, subscription.topic, subscription.handler});
      subscription.bus = std::move(to);
      subscription.node_id = 0;
      subscription.redirected = false;
      subscription.move_unconfirmed = false;
    }
  }
  for (Move& move : moves) {
    if (move.from) move.from->Unsubscribe(move.from_id);
    if (move.to) SubscribeOnNode(move.id, move.generation, move.to, move.topic, move.handler);
  }
  if (!moves.empty()) {
    moved_topics_.fetch_add(moves.size(), std::memory_order_relaxed);
    spdlog::info("redis cluster: moved {} subscriptions to the masters that now own them",
                 moves.size());
  }
}

RedisClusterBus::Impl::NodeBus RedisClusterBus::Impl::RouteLocked(uint16_t slot) const {
  if (!map_) return nullptr;
  const int owner = map_->owner(slot);
  if (owner < 0 || static_cast<size_t>(owner) >= by_master_.size()) return nullptr;
  return by_master_[owner];
}

void RedisClusterBus::Impl::Tick() {
  ConfirmMoves();
  std::vector<NodeBus> unused;
  std::vector<CallPtr> runnable;
  std::vector<CallPtr> expired;
  bool refresh = false;
  const Clock::time_point now = Clock::now();
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    // Node buses no longer used by anyone: destroyed here, without the lock.
    for (auto it = retired_.begin(); it != retired_.end();) {
      if (it->use_count() == 1) {
        unused.push_back(std::move(*it));
        it = retired_.erase(it);
      } else {
        ++it;
      }
    }
    for (const NodeBus& bus : by_master_) {
      if (!bus->IsConnected()) refresh = true;  // maybe a failover
    }
    if (!map_ || !map_->complete()) refresh = true;
    // Waiting calls, in order: those whose master is back run; the rest wait
    // (until their deadline).
    std::deque<CallPtr> still;
    for (CallPtr& call : waiting_) {
      NodeBus bus = RouteLocked(call->slot);
      if (bus != nullptr && bus->IsConnected()) {
        runnable.push_back(std::move(call));
      } else if (now >= call->deadline) {
        expired.push_back(std::move(call));
      } else {
        still.push_back(std::move(call));
      }
    }
    for (const CallPtr& call : runnable) {
      waiting_bytes_ -= call->bytes;
      if (--waiting_per_slot_[call->slot] == 0) waiting_per_slot_.erase(call->slot);
    }
    for (const CallPtr& call : expired) {
      waiting_bytes_ -= call->bytes;
      if (--waiting_per_slot_[call->slot] == 0) waiting_per_slot_.erase(call->slot);
    }
    waiting_.swap(still);
  }
  if (refresh || now - last_periodic_refresh_ >= options_.refresh_interval) {
    last_periodic_refresh_ = now;
    RequestRefresh();
  }
  unused.clear();
  for (const CallPtr& call : expired) {
    call->fail(absl::UnavailableError("redis cluster: no reachable master serves the slot of " +
                                      call->topic));
  }
  for (CallPtr& call : runnable) Run(std::move(call));
  tick_timer_.expires_after(kTick);
  tick_timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) Tick();
  });
}

void RedisClusterBus::Impl::ConfirmMoves() {
  std::vector<NodeBus> buses;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [id, subscription] : subscriptions_) {
      if (subscription.move_unconfirmed && subscription.bus) buses.push_back(subscription.bus);
    }
  }
  if (buses.empty()) return;
  // Asked without the lock (a node bus has its own).
  std::vector<NodeBus> ready;
  for (const NodeBus& bus : buses) {
    if (bus->IsReady()) ready.push_back(bus);
  }
  bool confirmed = false;
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, subscription] : subscriptions_) {
      if (subscription.move_unconfirmed &&
          std::find(ready.begin(), ready.end(), subscription.bus) != ready.end()) {
        subscription.move_unconfirmed = false;
        confirmed = true;
      }
    }
  }
  if (confirmed) NotifyResubscribed();
}

// ---------------------------------------------------------------- calls

void RedisClusterBus::Impl::Run(CallPtr call) {
  NodeBus bus;
  {
    std::lock_guard lock(mutex_);
    if (!waiting_per_slot_.contains(call->slot)) bus = RouteLocked(call->slot);
  }
  if (bus == nullptr || !bus->IsConnected()) return Wait(std::move(call));
  call->attempt(*bus, call);
}

void RedisClusterBus::Impl::Wait(CallPtr call) {
  RequestRefresh();
  absl::Status refused;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      refused = absl::UnavailableError("redis bus stopped");
    } else if (waiting_bytes_ + call->bytes > options_.node.max_publish_backlog_bytes &&
               !waiting_.empty()) {
      refused = absl::UnavailableError(
          "redis cluster: too much is waiting for masters to become reachable");
    } else if (Clock::now() >= call->deadline) {
      refused = absl::UnavailableError("redis cluster: no reachable master serves the slot of " +
                                       call->topic);
    } else {
      waiting_bytes_ += call->bytes;
      ++waiting_per_slot_[call->slot];
      waiting_.push_back(std::move(call));
      return;
    }
  }
  call->fail(std::move(refused));
}

template <class Result, class Done>
void RedisClusterBus::Impl::Finish(const CallPtr& call, Result result, const Done& done) {
  const absl::Status status = StatusOf(result);
  if (status.code() == absl::StatusCode::kAborted) {
    // A redirection: Redis did not run the command; follow the new map.
    redirections_.fetch_add(1, std::memory_order_relaxed);
    if (Clock::now() < call->deadline) return Wait(call);
    return call->fail(absl::UnavailableError("redis cluster: " + std::string(status.message())));
  }
  if (done) done(std::move(result));
}

void RedisClusterBus::Impl::Publish(std::string_view topic, std::string envelope,
                                    DoneCallback done) {
  auto call = std::make_shared<Call>();
  call->topic = std::string(topic);
  call->slot = SlotOf(topic);
  call->bytes = envelope.size();
  call->deadline = Clock::now() + options_.redirect_budget;
  auto shared_done = std::make_shared<DoneCallback>(std::move(done));
  auto shared_envelope = std::make_shared<const std::string>(std::move(envelope));
  call->fail = [shared_done](absl::Status status) {
    if (*shared_done) (*shared_done)(std::move(status));
  };
  call->attempt = [this, shared_done, shared_envelope](RedisBus& bus, const CallPtr& self) {
    bus.Publish(self->topic, *shared_envelope, [this, self, shared_done](absl::Status status) {
      Finish(self, std::move(status), *shared_done);
    });
  };
  Run(std::move(call));
}

void RedisClusterBus::Impl::PublishStored(std::string_view topic, std::string envelope,
                                          const HistoryPolicy& policy, StoredCallback done) {
  auto call = std::make_shared<Call>();
  call->topic = std::string(topic);
  call->slot = SlotOf(topic);
  call->bytes = envelope.size();
  call->deadline = Clock::now() + options_.redirect_budget;
  auto shared_done = std::make_shared<StoredCallback>(std::move(done));
  auto shared_envelope = std::make_shared<const std::string>(std::move(envelope));
  call->fail = [shared_done](absl::Status status) {
    if (*shared_done) (*shared_done)(std::move(status));
  };
  call->attempt = [this, shared_done, shared_envelope, policy](RedisBus& bus, const CallPtr& self) {
    bus.PublishStored(self->topic, *shared_envelope, policy,
                      [this, self, shared_done](absl::StatusOr<Position> position) {
                        Finish(self, std::move(position), *shared_done);
                      });
  };
  Run(std::move(call));
}

void RedisClusterBus::Impl::ReadHistory(std::string_view topic, const HistoryPolicy& policy,
                                        uint64_t after_seq, size_t limit, HistoryCallback done) {
  auto call = std::make_shared<Call>();
  call->topic = std::string(topic);
  call->slot = SlotOf(topic);
  call->deadline = Clock::now() + options_.redirect_budget;
  auto shared_done = std::make_shared<HistoryCallback>(std::move(done));
  call->fail = [shared_done](absl::Status status) {
    if (*shared_done) (*shared_done)(std::move(status));
  };
  call->attempt = [this, shared_done, policy, after_seq, limit](RedisBus& bus,
                                                                const CallPtr& self) {
    bus.ReadHistory(self->topic, policy, after_seq, limit,
                    [this, self, shared_done](absl::StatusOr<HistoryRead> read) {
                      Finish(self, std::move(read), *shared_done);
                    });
  };
  Run(std::move(call));
}

// Presence lives in the slot of its {presence} hash tag (pubsub_presence_*).
void RedisClusterBus::Impl::SharePresence(PresenceShare share, DoneCallback done) {
  auto call = std::make_shared<Call>();
  call->topic = "presence";
  call->slot = ClusterSlot("{presence}");
  call->deadline = Clock::now() + options_.redirect_budget;
  auto shared_done = std::make_shared<DoneCallback>(std::move(done));
  auto shared_share = std::make_shared<const PresenceShare>(std::move(share));
  call->fail = [shared_done](absl::Status status) {
    if (*shared_done) (*shared_done)(std::move(status));
  };
  call->attempt = [this, shared_done, shared_share](RedisBus& bus, const CallPtr& self) {
    bus.SharePresence(*shared_share, [this, self, shared_done](absl::Status status) {
      Finish(self, std::move(status), *shared_done);
    });
  };
  Run(std::move(call));
}

void RedisClusterBus::Impl::QueryPresence(std::string_view user, PresenceCallback done) {
  auto call = std::make_shared<Call>();
  call->topic = "presence";
  call->slot = ClusterSlot("{presence}");
  call->deadline = Clock::now() + options_.redirect_budget;
  auto shared_done = std::make_shared<PresenceCallback>(std::move(done));
  call->fail = [shared_done](absl::Status status) {
    if (*shared_done) (*shared_done)(std::move(status));
  };
  call->attempt = [this, shared_done, user = std::string(user)](RedisBus& bus,
                                                                const CallPtr& self) {
    bus.QueryPresence(user, [this, self, shared_done](absl::StatusOr<PresenceTotals> totals) {
      Finish(self, std::move(totals), *shared_done);
    });
  };
  Run(std::move(call));
}

// ---------------------------------------------------------------- subscriptions

Bus::SubscriptionId RedisClusterBus::Impl::Subscribe(std::string_view topic, MessageHandler handler,
                                                     DoneCallback ready) {
  SubscriptionId id;
  NodeBus bus;
  std::shared_ptr<const MessageHandler> shared_handler =
      std::make_shared<const MessageHandler>(std::move(handler));
  {
    std::lock_guard lock(mutex_);
    id = next_id_++;
    Subscription& subscription = subscriptions_[id];
    subscription.topic = std::string(topic);
    subscription.handler = shared_handler;
    subscription.ready = std::move(ready);
    subscription.generation = 1;
    bus = RouteLocked(SlotOf(topic));
    subscription.bus = bus;
  }
  if (bus != nullptr) {
    SubscribeOnNode(id, 1, bus, std::string(topic), shared_handler);
  } else {
    // Like RedisBus while down: `ready` fails promptly, and the
    // subscription is made once a map names the topic's master.
    RequestRefresh();
    asio::post(io_, [this, id] {
      OnNodeReady(id, 1, absl::UnavailableError("redis cluster: no master known for this topic"));
    });
  }
  return id;
}

void RedisClusterBus::Impl::SubscribeOnNode(SubscriptionId id, uint64_t generation,
                                            const NodeBus& bus, const std::string& topic,
                                            const std::shared_ptr<const MessageHandler>& handler) {
  const SubscriptionId node_id = bus->Subscribe(
      topic, [handler](std::string_view t, std::string_view payload) { (*handler)(t, payload); },
      [this, id, generation](absl::Status status) {
        OnNodeReady(id, generation, std::move(status));
      });
  bool undo = false;
  {
    std::lock_guard lock(mutex_);
    auto it = subscriptions_.find(id);
    if (it != subscriptions_.end() && it->second.generation == generation) {
      it->second.node_id = node_id;
    } else {
      undo = true;  // unsubscribed or moved again meanwhile
    }
  }
  if (undo) bus->Unsubscribe(node_id);
}

void RedisClusterBus::Impl::OnNodeReady(SubscriptionId id, uint64_t generation,
                                        absl::Status status) {
  DoneCallback ready;
  bool moved_in = false;
  {
    std::lock_guard lock(mutex_);
    auto it = subscriptions_.find(id);
    if (it == subscriptions_.end() || it->second.generation != generation) return;  // stale
    if (it->second.ready) {
      ready = std::move(it->second.ready);
      it->second.ready = nullptr;
    } else if (generation > 1) {
      moved_in = status.ok();
      it->second.move_unconfirmed = !status.ok();
    }
  }
  if (ready) {
    if (std::optional<std::string> what = internal::redis::Catch([&] { ready(status); })) {
      spdlog::error("redis cluster: a subscription's `ready` callback threw: {}", *what);
    }
  }
  // What was published while the topic moved may have been missed.
  if (moved_in) NotifyResubscribed();
}

void RedisClusterBus::Impl::OnRedirected(std::string_view topic, std::string_view error) {
  redirections_.fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, subscription] : subscriptions_) {
      if (subscription.topic == topic) subscription.redirected = true;
    }
  }
  spdlog::debug("redis cluster: subscription of {} redirected: {}", topic, error);
  RequestRefresh();
}

void RedisClusterBus::Impl::NotifyResubscribed() {
  {
    std::lock_guard lock(mutex_);
    if (resubscribed_posted_ || !resubscribed_) return;
    resubscribed_posted_ = true;
  }
  // Coalesced: moves and reconnections come in bursts.
  asio::post(io_, [this] {
    std::function<void()> handler;
    {
      std::lock_guard lock(mutex_);
      resubscribed_posted_ = false;
      handler = resubscribed_;
    }
    if (!handler) return;
    if (std::optional<std::string> what = internal::redis::Catch(handler)) {
      spdlog::error("redis cluster: the resubscribed handler threw: {}", *what);
    }
  });
}

void RedisClusterBus::Impl::Unsubscribe(SubscriptionId id) {
  NodeBus bus;
  SubscriptionId node_id = 0;
  {
    std::lock_guard lock(mutex_);
    auto it = subscriptions_.find(id);
    if (it == subscriptions_.end()) return;
    bus = std::move(it->second.bus);
    node_id = it->second.node_id;
    subscriptions_.erase(it);
  }
  if (bus != nullptr && node_id != 0) bus->Unsubscribe(node_id);
}

void RedisClusterBus::Impl::SetResubscribedHandler(std::function<void()> handler) {
  std::lock_guard lock(mutex_);
  resubscribed_ = std::move(handler);
}

bool RedisClusterBus::Impl::IsReady() const {
  std::vector<NodeBus> buses;
  {
    std::lock_guard lock(mutex_);
    if (!map_ || !map_->complete()) return false;
    buses = by_master_;
  }
  return std::all_of(buses.begin(), buses.end(), [](const NodeBus& bus) { return bus->IsReady(); });
}

bool RedisClusterBus::Impl::IsConnected() const {
  std::vector<NodeBus> buses;
  {
    std::lock_guard lock(mutex_);
    if (!map_ || !map_->complete()) return false;
    buses = by_master_;
  }
  return std::all_of(buses.begin(), buses.end(),
                     [](const NodeBus& bus) { return bus->IsConnected(); });
}

std::string RedisClusterBus::Impl::Describe() const {
  std::string out = "redis-cluster://";
  for (size_t i = 0; i < options_.seeds.size(); ++i) {
    if (i > 0) out += ',';
    out += NodeAddress{options_.seeds[i].first, options_.seeds[i].second}.ToString();
  }
  std::lock_guard lock(mutex_);
  out += " (" + std::to_string(by_master_.size()) + " masters)";
  return out;
}

RedisClusterBus::Stats RedisClusterBus::Impl::stats() const {
  Stats stats;
  stats.map_refreshes = map_refreshes_.load(std::memory_order_relaxed);
  stats.redirections = redirections_.load(std::memory_order_relaxed);
  stats.moved_topics = moved_topics_.load(std::memory_order_relaxed);
  std::vector<NodeBus> buses;
  {
    std::lock_guard lock(mutex_);
    buses = by_master_;
  }
  stats.masters = buses.size();
  for (const NodeBus& bus : buses) {
    const RedisBus::Stats node = bus->stats();
    stats.nodes.connects += node.connects;
    stats.nodes.reconnects += node.reconnects;
    stats.nodes.dropped_connections += node.dropped_connections;
    stats.nodes.protocol_errors += node.protocol_errors;
    stats.nodes.messages_in += node.messages_in;
    stats.nodes.messages_unrouted += node.messages_unrouted;
    stats.nodes.publishes += node.publishes;
    stats.nodes.publish_errors += node.publish_errors;
    stats.nodes.handler_exceptions += node.handler_exceptions;
  }
  return stats;
}

// ---------------------------------------------------------------- RedisClusterBus

RedisClusterBus::RedisClusterBus(RedisClusterOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
RedisClusterBus::~RedisClusterBus() = default;

void RedisClusterBus::Publish(std::string_view topic, std::string envelope, DoneCallback done) {
  impl_->Publish(topic, std::move(envelope), std::move(done));
}
void RedisClusterBus::PublishStored(std::string_view topic, std::string envelope,
                                    const HistoryPolicy& policy, StoredCallback done) {
  impl_->PublishStored(topic, std::move(envelope), policy, std::move(done));
}
void RedisClusterBus::ReadHistory(std::string_view topic, const HistoryPolicy& policy,
                                  uint64_t after_seq, size_t limit, HistoryCallback done) {
  impl_->ReadHistory(topic, policy, after_seq, limit, std::move(done));
}
Bus::SubscriptionId RedisClusterBus::Subscribe(std::string_view topic, MessageHandler handler,
                                               DoneCallback ready) {
  return impl_->Subscribe(topic, std::move(handler), std::move(ready));
}
void RedisClusterBus::Unsubscribe(SubscriptionId id) { impl_->Unsubscribe(id); }
void RedisClusterBus::SharePresence(PresenceShare share, DoneCallback done) {
  impl_->SharePresence(std::move(share), std::move(done));
}
void RedisClusterBus::QueryPresence(std::string_view user, PresenceCallback done) {
  impl_->QueryPresence(user, std::move(done));
}
void RedisClusterBus::SetResubscribedHandler(std::function<void()> handler) {
  impl_->SetResubscribedHandler(std::move(handler));
}
bool RedisClusterBus::IsReady() const { return impl_->IsReady(); }
bool RedisClusterBus::IsConnected() const { return impl_->IsConnected(); }
std::string RedisClusterBus::Describe() const { return impl_->Describe(); }
RedisClusterBus::Stats RedisClusterBus::stats() const { return impl_->stats(); }

bool RedisClusterBus::WaitUntilReady(std::chrono::milliseconds timeout) const {
  const auto deadline = Clock::now() + timeout;
  while (!IsReady()) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace pubsub
