// RedisBus: the Bus for many replicas, over Redis pub/sub (Redis 7, RESP2).
//
//   absl::StatusOr<pubsub::RedisBusOptions> options =
//       pubsub::ParseRedisUrl("redis://:secret@127.0.0.1:6379/0");
//   pubsub::RedisBus bus(*options);            // connects in the background
//   bus.WaitUntilReady(std::chrono::seconds(5));  // optional, for a plain service
//   pubsub::Publisher publisher(bus);          // or bus.Publish(topic, bytes, done)
//
// Topic T is the Redis channel `channel_prefix + T`, so several applications
// can share one Redis.
//
// Design (why it looks like this):
// - hiredis 0.14 is used only for its reply reader and command formatter,
//   under our own Boost.Asio sockets: its async context has no timer hooks in
//   0.14, and connect/command timeouts, backoff and reconnection are ours
//   anyway. The protocol logic is sans-IO (src/redis/resp.h) and is tested
//   without a socket.
// - The bus owns one I/O thread (one io_context), so a plain C++ service can
//   use it as well as the gateway. EVERY callback (message handlers, `ready`,
//   `done`) runs on that thread, never inline in the calling thread, and must
//   not block: hand heavy work to your own threads.
// - Two connections: a subscriber connection (SUBSCRIBE/UNSUBSCRIBE, receives
//   messages) and a publisher connection. Publishes are pipelined (many in
//   flight, replies matched FIFO to their `done`) and written coalesced. Both
//   reconnect independently with exponential backoff (initial_backoff doubling
//   up to max_backoff, with jitter), send AUTH/SELECT if configured and a PING
//   (a connection is "up" only once Redis answers commands: NOAUTH or LOADING
//   keep it down), and the subscriber then re-subscribes every live topic
//   (pipelined).
// - Reference counting: the first Subscribe of a topic sends SUBSCRIBE; later
//   ones only add a handler; the last Unsubscribe sends UNSUBSCRIBE. At most
//   one SUBSCRIBE/UNSUBSCRIBE per topic is outstanding: when it is confirmed
//   the bus compares the wanted state with Redis's and sends the next command
//   if needed, so `ready` never runs for a subscription that a later
//   UNSUBSCRIBE in flight would undo. This bookkeeping is a sans-IO state
//   machine (src/redis/subscription_table.h), tested without a socket.
//
// Failure semantics (the gateway maps Unavailable to HTTP 503 / gRPC UNAVAILABLE):
// - Publish fails at once with Unavailable("redis unavailable: ...") while the
//   publisher connection is down (never queued, never reported as success);
//   commands in flight when the connection drops, or unanswered for
//   `command_timeout` (the connection is then dropped), fail with Unavailable:
//   such a message may or may not have been delivered. A backlog of more than
//   `max_publish_backlog_bytes` unanswered bytes fails new publishes with
//   Unavailable too. An envelope larger than `max_envelope_bytes` fails with
//   InvalidArgument (so one huge event cannot make Redis drop subscriber
//   connections through `client-output-buffer-limit pubsub`).
// - `ready` runs with OK once Redis confirms the topic (at once if it already
//   has), and fails PROMPTLY with Unavailable when the subscriber connection
//   is down at Subscribe time or drops before confirming: waiting would only
//   delay the gateway's 503. The subscription itself stays: the topic is
//   subscribed when the connection returns, without a second `ready`. A
//   subscription removed before its topic was confirmed gets `ready` with
//   Cancelled. IsReady() is true only while both connections are up and every
//   live topic is confirmed.
// - Payloads from Redis are untrusted bytes, handed to handlers as they are.
//   A malformed or oversized reply drops that connection (it reconnects and
//   re-subscribes); it never crashes the process.
// - Logging: one line per state change (connection lost, cannot connect,
//   connected again), not one per retry. The password never appears in logs
//   or Describe().
//
// Exceptions: none escapes the I/O thread's handlers, and none stops it.
// - User code (a message handler, `ready`, `done`) should not throw. If it
//   does, the exception is caught, logged (one line per exception, naming the
//   kind of callback and, for a message handler, the topic), counted in
//   Stats::handler_exceptions, and the bus carries on: the other handlers of
//   the message and later messages and callbacks run as usual.
// - An exception in the bus's own work for a connection (connect, read,
//   write, timers, handling a reply) is logged, counted in
//   handler_exceptions too, and drops THAT connection, which reconnects (and
//   re-subscribes) like after any other loss.
//
// Unsubscribe follows EmbeddedBus's rule: when it returns, the handler is not
// running and will not run again; called from the bus's own thread (e.g.
// inside a handler) it returns at once. So do not call it from another thread
// while holding a lock that the handler takes.
//
// Bounds: every queue of the bus is bounded; each bound is stated next to the
// option that sets it (RedisBusOptions), or here when no option does:
// - The subscriber's outgoing commands (formatted, being written, or awaiting
//   Redis's confirmation): at most one SUBSCRIBE/UNSUBSCRIBE per topic is
//   outstanding, so at most one command per live topic (or topic being
//   unsubscribed): bounded by the number of topics, i.e. by memory the
//   subscriptions already hold.
// - Incoming messages are not queued: each is handed to its handlers as it
//   is read (64 KiB reads); a slow handler leaves bytes in the socket and,
//   past its output buffer limit, Redis drops the subscriber (see
//   max_reply_bytes).
// - Callbacks handed to the I/O thread: at most one per Publish and per
//   Subscribe (its `done` or `ready`), so a caller bounds them by the calls
//   it has made whose callback has not run yet.
//
// Destruction: the destructor stops the I/O thread and joins it. Callbacks
// that are running finish first; publishes and subscriptions still waiting
// get `done`/`ready` with Unavailable("redis bus stopped") before the
// destructor returns; no handler runs after it returns. Do not destroy the bus
// from one of its own callbacks.
#ifndef PUBSUB_REDIS_BUS_H_
#define PUBSUB_REDIS_BUS_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "pubsub/bus.h"

namespace pubsub {

struct RedisBusOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 6379;
  int db = 0;
  // AUTH: `username` empty means the legacy one-argument AUTH (requirepass).
  std::string username;
  std::string password;
  // Prepended to every topic to form the Redis channel name.
  std::string channel_prefix = "pubsub:";
  // Sharded pub/sub (SPUBLISH/SSUBSCRIBE), for one master of a Redis Cluster
  // (RedisClusterBus makes such buses): then a command that Redis redirects
  // (MOVED, ASK, TRYAGAIN, CLUSTERDOWN, READONLY) fails with Aborted rather
  // than Unavailable, and a redirected subscription is reported to the
  // redirect handler instead of being retried here.
  bool sharded = false;
  // Larger envelopes are refused by Publish with InvalidArgument: the bound
  // on an outgoing pub/sub message.
  size_t max_envelope_bytes = 1 << 20;
  // A reply from Redis larger than this, counted whole (every element of an
  // aggregate, bytes already parsed and bytes still waiting), drops the
  // connection. It bounds what a connection buffers for one reply, and so an
  // incoming pub/sub message (another application's publisher need not
  // respect our max_envelope_bytes). Redis itself cuts a subscriber off
  // behind by more than its `client-output-buffer-limit pubsub` (32 MiB by
  // default); the bus then reconnects and re-subscribes.
  size_t max_reply_bytes = 64 << 20;
  // Formatted PUBLISH commands not yet answered by Redis (written, being
  // written, or waiting to be) beyond which Publish fails with Unavailable:
  // the bound on the publish queue and its `done` callbacks. One publish is
  // always accepted when nothing is in flight, so the bound is this plus one
  // command of at most max_envelope_bytes.
  size_t max_publish_backlog_bytes = 64 << 20;
  // Reconnection backoff: doubles from initial to max after each failure.
  std::chrono::milliseconds initial_backoff{50};
  std::chrono::milliseconds max_backoff{2000};
  // Resolve + TCP connect + AUTH/SELECT must finish within this.
  std::chrono::milliseconds connect_timeout{2000};
  // A command (PUBLISH, SUBSCRIBE, UNSUBSCRIBE) unanswered for this long
  // drops its connection: a frozen Redis fails publishes instead of hanging.
  std::chrono::milliseconds command_timeout{5000};
};

// Parses `redis://[[username]:password@]host[:port][/db]` (host may be an IPv6
// literal in brackets; the user info may be percent-encoded). Everything not
// given keeps RedisBusOptions's defaults. `rediss://` (TLS), query strings and
// anything else are InvalidArgument with a message naming the problem.
absl::StatusOr<RedisBusOptions> ParseRedisUrl(std::string_view url);

class RedisBus final : public Bus {
 public:
  // Counters since construction, for logs and /metrics.
  struct Stats {
    uint64_t connects = 0;             // connections established (both kinds)
    uint64_t reconnects = 0;           // ... of which after a loss or a failed attempt
    uint64_t dropped_connections = 0;  // established connections that were lost
    uint64_t protocol_errors = 0;      // connections dropped for a malformed reply
    uint64_t messages_in = 0;          // messages received on subscribed channels
    uint64_t messages_unrouted = 0;    // ... of which with no handler left (dropped)
    uint64_t publishes = 0;            // Publish calls confirmed by Redis
    uint64_t publish_errors = 0;       // Publish calls that failed, whatever the reason
    uint64_t handler_exceptions = 0;   // exceptions caught on the I/O thread (see Exceptions)
  };

  // Starts the I/O thread and begins connecting; never blocks on Redis.
  explicit RedisBus(RedisBusOptions options);
  ~RedisBus() override;
  RedisBus(const RedisBus&) = delete;
  RedisBus& operator=(const RedisBus&) = delete;

  void Publish(std::string_view topic, std::string envelope, DoneCallback done) override;
  // History (pubsub/history.h) lives in Redis: per topic a stream and a
  // hash, written and published by Redis functions (FUNCTION LOAD on every
  // publisher connection; Redis 7 or later). It survives a Redis restart as
  // far as Redis persistence keeps it: with AOF (appendfsync always) every
  // acknowledged event does; without persistence the topic's epoch changes,
  // so that clients learn their positions are void.
  void PublishStored(std::string_view topic, std::string envelope, const HistoryPolicy& policy,
                     StoredCallback done) override;
  void ReadHistory(std::string_view topic, const HistoryPolicy& policy, uint64_t after_seq,
                   size_t limit, HistoryCallback done) override;
  // Presence (pubsub/presence.h): FCALL pubsub_presence_put / _get on keys
  // under the {presence} hash tag.
  void SharePresence(PresenceShare share, DoneCallback done) override;
  void QueryPresence(std::string_view user, PresenceCallback done) override;
  SubscriptionId Subscribe(std::string_view topic, MessageHandler handler,
                           DoneCallback ready) override;
  void Unsubscribe(SubscriptionId id) override;
  void SetResubscribedHandler(std::function<void()> handler) override;
  // Sharded mode: runs (on the I/O thread) when Redis redirects the
  // subscription of `topic`, with Redis's error (e.g. "MOVED 3999
  // 10.0.0.2:7001"). The topic stays unsubscribed on this bus, and its
  // `ready` waits, until it is unsubscribed here (or the connection is made
  // again); RedisClusterBus moves it to the master that owns it.
  void SetRedirectHandler(
      std::function<void(std::string_view topic, std::string_view error)> handler);
  bool IsReady() const override;
  bool IsConnected() const override;
  // "redis://host:port/db" (no password).
  std::string Describe() const override;

  // Blocks the calling thread until IsReady() or the timeout; returns
  // IsReady(). For services and tests; never call it from a bus callback.
  bool WaitUntilReady(std::chrono::milliseconds timeout) const;

  Stats stats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace pubsub

#endif  // PUBSUB_REDIS_BUS_H_
