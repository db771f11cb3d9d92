// SubscriptionTable: the subscriber side of the Redis bus as a sans-IO state
// machine. It decides which SUBSCRIBE/UNSUBSCRIBE commands to send and which
// `ready` callbacks to run with which status; the caller does the I/O, the
// locking and the running of callbacks.
//
//   SubscriptionTable table;                        // SUBSCRIBE/UNSUBSCRIBE
//   SubscriptionTable::Actions a = table.ConnectionUp(now);
//   a = table.Add("news", /*id=*/1, ready, now);    // a.commands: SUBSCRIBE news
//   // ... write a.commands in order, run a.callbacks ...
//   absl::StatusOr<Actions> b = table.OnConfirmed(   // Redis's "subscribe" push
//       "news", SubscriptionTable::Direction::kSubscribe, now);
//   // b->callbacks: `ready` with OK; table.ready() is now true.
//
// Inputs are calls: a subscription added or removed, the connection up or
// down (with the reason), Redis's subscribe/unsubscribe push for a topic, a
// clock reading. Outputs are return values: commands to send, in order, and
// callbacks to run, in order. No sockets, no locks, no threads, no clock of
// its own: the tests drive it through sequences directly.
//
// Guarantees (those of pubsub/redis_bus.h, kept here):
// - At most one command per topic is outstanding; when Redis answers, the
//   table compares what is wanted (the topic has subscriptions) with what
//   Redis has and sends the next command if they differ. Hence `ready` never
//   runs with OK for a subscription that an UNSUBSCRIBE in flight would undo.
// - `ready` runs once: OK when Redis has confirmed the topic (at once if it
//   had), the connection's down status when it is down at Add time or goes
//   down before confirming (the subscription stays and is re-subscribed on
//   the next ConnectionUp, without a second `ready`), Cancelled when its
//   subscription is removed before confirmation.
// - ready() is true while up and every topic with subscriptions is confirmed.
// - Memory: one entry per topic with subscriptions (or with a Redis
//   subscription still to undo); at most one outstanding command per topic.
//
// Redis Cluster (not built yet): the verbs are a parameter, so a cluster bus
// would keep one table per node connection built with kShardVerbs
// (SSUBSCRIBE/SUNSUBSCRIBE, confirmed by ssubscribe/sunsubscribe pushes and
// delivering smessage), put each topic in the table of the node that owns the
// topic's slot, and AND the tables' ready(). When a slot moves (a MOVED
// reply, a CLUSTER SHARDS refresh, or an unasked-for sunsubscribe push that
// Redis sends when it migrates a slot) it calls MoveOut on the old node's
// table, which unsubscribes there if needed, and MoveIn on the new node's
// table, which subscribes there; the `ready` callbacks still waiting move
// along. Message routing (topic -> handlers) stays outside the tables, one
// map for the whole bus, since a message names its channel whatever node
// delivered it.
//
// Not thread-safe: the caller serializes every call (RedisBus holds a mutex).
#ifndef PUBSUB_RUNTIME_SRC_REDIS_SUBSCRIPTION_TABLE_H_
#define PUBSUB_RUNTIME_SRC_REDIS_SUBSCRIPTION_TABLE_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pubsub/bus.h"

namespace pubsub::internal::redis {

class SubscriptionTable {
 public:
  using Clock = std::chrono::steady_clock;
  using SubscriptionId = Bus::SubscriptionId;
  using DoneCallback = Bus::DoneCallback;

  // The pair of commands this table sends (and whose pushes it is fed).
  struct Verbs {
    std::string_view subscribe;
    std::string_view unsubscribe;
  };
  static constexpr Verbs kChannelVerbs{"SUBSCRIBE", "UNSUBSCRIBE"};
  static constexpr Verbs kShardVerbs{"SSUBSCRIBE", "SUNSUBSCRIBE"};

  enum class Direction { kSubscribe, kUnsubscribe };

  // One command to send: `verb` (one of the table's Verbs) and the topic; the
  // caller maps the topic to its channel name.
  struct Command {
    Direction direction;
    std::string_view verb;
    std::string topic;
  };

  // One `ready` callback to run with its status. Never empty.
  struct Callback {
    DoneCallback ready;
    absl::Status status;
  };

  // What the caller must do after a call: write `commands` in this order
  // (after any returned earlier), then run `callbacks` in this order.
  struct Actions {
    std::vector<Command> commands;
    std::vector<Callback> callbacks;
  };

  // A topic's subscriptions and still-waiting `ready` callbacks, on their way
  // from one table to another (see MoveOut).
  struct MovedTopic {
    std::string topic;
    std::vector<SubscriptionId> ids;
    std::vector<std::pair<SubscriptionId, DoneCallback>> waiters;
  };

  // What a topic looks like, for tests and diagnostics.
  struct TopicStatus {
    size_t subscriptions = 0;
    size_t waiters = 0;
    bool on_redis = false;   // what Redis last confirmed
    bool in_flight = false;  // a command is outstanding (its direction: !on_redis)
  };

  explicit SubscriptionTable(Verbs verbs = kChannelVerbs);
  SubscriptionTable(const SubscriptionTable&) = delete;
  SubscriptionTable& operator=(const SubscriptionTable&) = delete;

  // A subscription `id` (unique in this table) of `topic` was made. `ready`
  // may be empty; otherwise it comes back in the callbacks of this call or a
  // later one, exactly once.
  Actions Add(std::string_view topic, SubscriptionId id, DoneCallback ready, Clock::time_point now);

  // Subscription `id` of `topic` was removed; its `ready`, if still waiting,
  // comes back with Cancelled. Unknown (topic, id) pairs are ignored.
  Actions Remove(std::string_view topic, SubscriptionId id, Clock::time_point now);

  // The connection is up (handshake done): every topic with subscriptions is
  // subscribed again, pipelined.
  Actions ConnectionUp(Clock::time_point now);

  // The connection went down: Redis has none of our subscriptions any more,
  // nothing is outstanding, waiting `ready` callbacks get `reason`, and so do
  // the `ready` of subscriptions added until the next ConnectionUp.
  Actions ConnectionDown(absl::Status reason);

  // Redis pushed ["subscribe"|"unsubscribe", channel-of-topic, count] (or the
  // sharded kinds, for a table built with kShardVerbs). The answer to the
  // topic's outstanding command must be the oldest outstanding one (Redis
  // answers in order): otherwise the stream is inconsistent and the result
  // is an error, upon which the caller drops the connection. A push for a
  // topic with nothing outstanding is Redis changing its mind on its own: the
  // table records it and reconciles (e.g. subscribes again). Ignored while
  // down (a stale push from the previous connection).
  absl::StatusOr<Actions> OnConfirmed(std::string_view topic, Direction direction,
                                      Clock::time_point now);

  // Redis refused the oldest outstanding command with an error (a cluster
  // redirection: the topic's slot is served elsewhere). Its topic, in
  // `*topic`, is left unsubscribed here and not retried (Redis would only
  // refuse again) until its subscriptions are removed or the connection is
  // made again; its waiters keep waiting. An error with nothing outstanding
  // is a broken stream: the result is an error (drop the connection).
  absl::StatusOr<Actions> OnRefused(Clock::time_point now, std::string* topic);

  // Takes `topic`'s subscriptions and waiting `ready` callbacks out of this
  // table, into `moved`. If Redis has the topic here (or a command for it is
  // outstanding) the table keeps a bare entry that unsubscribes it, unless
  // `dropped_by_redis` says Redis already did (a cluster slot migration's
  // unasked-for sunsubscribe push, which the caller then does not feed to
  // OnConfirmed). An unknown topic gives an empty `moved`.
  Actions MoveOut(std::string_view topic, bool dropped_by_redis, Clock::time_point now,
                  MovedTopic* moved);

  // Adds a topic taken out of another table: subscribes it here, and treats
  // its waiting `ready` callbacks like those of Add.
  Actions MoveIn(MovedTopic moved, Clock::time_point now);

  // Whether the oldest outstanding command was sent more than `timeout`
  // before `now` (the caller then drops the connection).
  bool CommandOverdue(Clock::time_point now, Clock::duration timeout) const;

  bool up() const { return up_; }
  // Up, and every topic with subscriptions is confirmed by Redis.
  bool ready() const { return up_ && unconfirmed_ == 0; }
  // Topics with subscriptions that Redis has not confirmed.
  size_t unconfirmed() const { return unconfirmed_; }
  // Commands sent and not yet answered (at most one per topic).
  size_t outstanding() const { return outstanding_.size(); }
  // Topics with subscriptions or a Redis subscription still to undo.
  size_t topic_count() const { return topics_.size(); }
  // The status a `ready` gets while down.
  const absl::Status& down_status() const { return down_status_; }
  std::optional<TopicStatus> Find(std::string_view topic) const;

 private:
  struct TopicState {
    absl::flat_hash_set<SubscriptionId> ids;
    // `ready` callbacks waiting for Redis's confirmation, by subscription.
    std::vector<std::pair<SubscriptionId, DoneCallback>> waiters;
    bool on_redis = false;
    bool in_flight = false;
    // Redis refused to subscribe it here (OnRefused): not retried.
    bool refused = false;
    // Whether this topic is counted in unconfirmed_ (see Recount).
    bool counted = false;

    bool wanted() const { return !ids.empty(); }
    bool confirmed() const { return on_redis && !in_flight; }
  };
  using TopicMap = absl::flat_hash_map<std::string, TopicState>;

  struct Outstanding {
    std::string topic;
    Clock::time_point sent;
  };

  // Adds `ready` as a waiter of `state`, or answers it at once.
  void Await(TopicState& state, SubscriptionId id, DoneCallback ready, Actions& out);
  // Sends the next command if wanted and Redis differ; answers waiters once
  // confirmed.
  void Reconcile(const std::string& topic, TopicState& state, Clock::time_point now, Actions& out);
  // Reconciles, recounts, and erases the topic if nothing is left of it.
  void Settle(TopicMap::iterator it, Clock::time_point now, Actions& out);
  void Recount(TopicState& state);

  const Verbs verbs_;
  bool up_ = false;
  absl::Status down_status_;
  TopicMap topics_;
  size_t unconfirmed_ = 0;
  // The outstanding commands, oldest first: Redis answers them in order.
  std::deque<Outstanding> outstanding_;
};

}  // namespace pubsub::internal::redis

#endif  // PUBSUB_RUNTIME_SRC_REDIS_SUBSCRIPTION_TABLE_H_
