// Hub: which local sockets want which topic, and fan-out of bus events to them.
//
// The picture: a session on loop L joins its topic (e.g. "track_comments:42").
// The first join of a topic on this replica subscribes it on the bus; the
// last leave unsubscribes it. When the bus delivers an event, the hub decodes
// it and renders the JSON frame ONCE, then posts that one shared buffer to
// every loop that has subscribers of the topic; each loop hands it to its own
// sockets. So:
// - the delivery path takes no lock: the set of loops interested in a topic is
//   an atomic bit mask, and each loop's subscriber list is touched only by that
//   loop's thread;
// - the topic table's mutex is taken only on the first join / last leave of a
//   topic per loop and on bus readiness changes.
//
// Threads: the bus's thread only reads and dispatches. OnBusMessage copies
// the raw envelope once into a job and appends it to the render queue of the
// topic's worker, the loop hash(topic) % loops; that loop decodes the
// envelope, renders the frame, runs the topic's history (order, gaps; its
// history reads are answered there too) and appends the delivery to the
// inboxes of the loops with clients. One topic's events are thus handled by
// one thread in bus order, and a replica renders with every core, not one.
// Why the loops and not a separate pool: they are already one per usable
// core, so a pool would only add threads competing for the same cores (and
// context switches); each loop's queues are drained in batches, so rendering
// and socket writes interleave at batch granularity. A topic is rendered by
// one core at a time (the price of its order); many topics spread evenly.
//
// Bounds. Each worker's render queue is bounded by bytes
// (HubOptions::max_render_queue_bytes; each envelope plus kItemOverhead).
// When a worker falls behind and its queue is full, the bus thread does not
// wait: the event is dropped (pubsub_render_queue_overflows_total), and every
// client of that topic on this replica is closed with 1013 "server
// overloaded" once the worker reaches that point (after every event before
// it). On a channel with history the next event shows the gap, which is
// read from history for the clients that join after.
//
// Each loop has an inbox of rendered events, bounded by bytes
// (HubOptions::max_loop_queue_bytes; each event costs its frame plus a small
// overhead). A worker appends and posts one drain per batch, so a busy
// loop wakes once for many events. When a loop falls behind and its inbox is
// full, the event is not queued for that loop; instead the loop's sockets on
// that topic are closed with 1013 "server overloaded" when the loop reaches
// that point (in order: they get every event before the one they missed, then
// the close). A client is never left with a silent gap, and a loop sheds the
// sockets it cannot serve rather than growing. The memory held is at most the
// two queue bounds per loop plus the batches being processed.
//
// Re-entrancy: Recipient::Deliver and Recipient::Shed must not call Join or
// Leave synchronously (they run while the hub iterates the loop's subscriber
// list); a session that decides to close defers its Leave (posts it).
//
// Exceptions: an event whose decoding or rendering throws is dropped and
// counted; a recipient whose Deliver throws is closed with 1011 (fault_guard.h).
#ifndef PUBSUB_SERVER_GATEWAY_HUB_H_
#define PUBSUB_SERVER_GATEWAY_HUB_H_

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "pubsub/bus.h"
#include "pubsub/registry.h"
#include "server/gateway/delivery.h"
#include "server/gateway/loop_pool.h"
#include "server/gateway/metrics.h"
#include "server/gateway/topic_history.h"

namespace pubsub::gateway {

// A socket as the hub sees it. Lives on one loop.
class Recipient {
 public:
  virtual ~Recipient() = default;
  virtual const std::string& user_id() const = 0;
  // Whether every event of the topic is for it, whatever the event's targets
  // (an admin's tail, admission.h); otherwise only those for user_id().
  virtual bool SeesEveryTarget() const { return false; }
  bool Wants(const Delivery& delivery) const {
    return SeesEveryTarget() || delivery.IsFor(user_id());
  }
  // Queues the frame on the socket (called on the recipient's loop).
  virtual void Deliver(const DeliveryPtr& delivery) = 0;
  // Closes the socket with `code` after the frames already queued: it cannot
  // be served (it missed an event, or delivering to it failed).
  virtual void Shed(uint16_t code, std::string_view reason) = 0;

  // What Deliver touches lies in the object's first kHotBytes (a contract
  // of implementations): the hub prefetches them for the recipients ahead
  // while it delivers to the current one.
  static constexpr size_t kHotBytes = 256;
  static void Prefetch(const void* recipient) {
    const char* bytes = static_cast<const char*>(recipient);
    for (size_t offset = 0; offset < kHotBytes; offset += 64) __builtin_prefetch(bytes + offset);
  }

 private:
  friend class Hub;
  size_t hub_slot_ = 0;  // index in its topic's per-loop list
};

struct HubOptions {
  // Bytes of events waiting in one loop's inbox (frames plus kItemOverhead
  // each) beyond which the loop sheds (see above).
  size_t max_loop_queue_bytes = 32 << 20;
  // Bytes of raw envelopes waiting for one worker to render them (each
  // plus kItemOverhead) beyond which the event is dropped and the topic's
  // clients on every loop are shed (see above).
  size_t max_render_queue_bytes = 32 << 20;
};

class Hub {
 public:
  // What one queued event costs beside its frame (the queue entry, the
  // shared reference), so that tiny events cannot slip past the bound.
  static constexpr size_t kItemOverhead = 64;

  struct Topic;
  using TopicPtr = std::shared_ptr<Topic>;
  using ReadyCallback = std::function<void(absl::Status)>;

  Hub(Bus& bus, const Registry& registry, LoopPool& loops, Metrics& metrics,
      HubOptions options = {});
  ~Hub();

  // On loop `loop`'s thread: adds `recipient` to `topic`'s subscribers there
  // and returns the topic handle to pass to Leave. `ready` runs on the same
  // loop once the topic is subscribed on the bus (at once if it already is),
  // or with Unavailable if the bus refused; events published after `ready`
  // reach the recipient.
  TopicPtr Join(size_t loop, const std::string& topic, const ChannelInfo& channel,
                Recipient* recipient, ReadyCallback ready);

  // On the recipient's loop: removes it. The last leave of a topic on the
  // replica unsubscribes it from the bus.
  void Leave(size_t loop, const TopicPtr& topic, Recipient* recipient);

  // Number of topics this replica is subscribed to (for /metrics and tests).
  size_t TopicCount() const;

  // On `loop`'s thread, for a recipient of `topic` that joined and whose
  // client asked to recover from `since` (nullopt: positions from now on):
  // `done` runs on the same loop with what it missed, or why it cannot have
  // it (a channel without history cannot). See topic_history.h.
  void Recover(size_t loop, const TopicPtr& topic, std::optional<Position> since,
               std::function<void(TopicHistory::Recovery)> done);

  // The bus lost its subscriptions and has them again: every topic with
  // history catches up on what was stored meanwhile.
  void OnResubscribed();

 private:
  struct Inbox;
  struct RenderQueue;

  void OnBusMessage(const TopicPtr& topic, std::string_view envelope);
  void DrainRenderQueue(size_t worker);
  void Process(const TopicPtr& topic, std::string_view envelope);
  void ShedAll(const TopicPtr& topic);
  DeliveryPtr Render(const TopicPtr& topic, std::string_view envelope);
  void OnSubscribed(const TopicPtr& topic, absl::Status status);
  void Enqueue(size_t loop, const TopicPtr& topic, const DeliveryPtr& delivery);
  void EnqueueAll(const TopicPtr& topic, const DeliveryPtr& delivery);
  std::unique_ptr<TopicHistory> MakeHistory(const TopicPtr& topic);
  void Drain(size_t loop);
  void DeliverOnLoop(size_t loop, const TopicPtr& topic, const DeliveryPtr& delivery);
  void ShedOnLoop(size_t loop, const TopicPtr& topic);

  Bus& bus_;
  const Registry& registry_;
  LoopPool& loops_;
  Metrics& metrics_;
  const HubOptions options_;
  std::vector<std::unique_ptr<Inbox>> inboxes_;
  std::vector<std::unique_ptr<RenderQueue>> render_queues_;  // [worker loop]

  mutable std::mutex mutex_;
  absl::flat_hash_map<std::string, TopicPtr> topics_;
};

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_GATEWAY_HUB_H_
