// TopicHistory: one history topic's events as this replica sees them, so that
// no client is left with a silent gap.
//
// - In order: events reach the loops in position order. A position that does
//   not follow the last one (the bus lost messages while its subscription was
//   down, or Redis restarted) is a gap: later events are held while the
//   missing ones are read from history, then everything goes out in order. If
//   history no longer has them (trimmed, or a new epoch), a recovery control
//   ("recovered":false) goes out in their place, for clients that opted in.
// - Recovery: a client that reconnects with its last position gets, in one
//   answer, whether it can recover and the events it missed. Answers come
//   from a tail of the topic's history kept here (built by one read, then
//   extended by live events and trimmed to the channel's size), so that
//   thousands of clients recovering the same topic at once cost the bus one
//   read, not one each; while that read is in flight, requests wait for it.
//
// Thread-safety: every method may be called from any thread; callbacks
// (deliver, read, done) run without the internal lock held. `deliver` is
// called in position order (one caller at a time). In the hub, OnLive and
// the answers of reads run on the topic's worker loop, Recover on the
// recovering client's loop, OnResubscribed on the bus's thread: the locks
// below are what keeps them apart.
#ifndef PUBSUB_SERVER_GATEWAY_TOPIC_HISTORY_H_
#define PUBSUB_SERVER_GATEWAY_TOPIC_HISTORY_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "pubsub/history.h"
#include "server/gateway/delivery.h"

namespace pubsub::gateway {

class TopicHistory {
 public:
  struct Hooks {
    // Reads the topic's history after `after_seq` (kReadNewest: the newest
    // events), at most kMaxTailEvents.
    std::function<void(uint64_t after_seq, HistoryCallback done)> read;
    // Renders a stored envelope (from a read) into a delivery; null when it
    // cannot be rendered (counted by the caller).
    std::function<DeliveryPtr(std::string_view envelope)> render;
    // Sends a delivery to the topic's recipients (in order).
    std::function<void(DeliveryPtr delivery)> deliver;
  };

  // What a client that asked to recover gets.
  struct Recovery {
    // Whether `missed` is everything after the client's position.
    bool recovered = false;
    // Where the client is once it has `missed`: the topic's latest position.
    Position position;
    std::string reason;  // when not recovered
    // Recovered: the events after the client's position. Not recovered: the
    // events still kept of the current epoch (for a latest-only channel, the
    // latest state), so that the client knows what it can.
    std::vector<DeliveryPtr> missed;
  };
  using RecoveryCallback = std::function<void(Recovery)>;

  // Bytes the tails of every topic may hold together (a tail past it is not
  // kept; recoveries then read the bus each time, still coalesced).
  static std::atomic<int64_t>& CachedBytesBudget();

  TopicHistory(HistoryPolicy policy, size_t channel_index, Hooks hooks);
  ~TopicHistory();

  // A live event with its position, in bus order, from one thread at a time
  // (the hub: the topic's worker loop, which also runs the read's `done`).
  void OnLive(DeliveryPtr delivery);
  // The bus resubscribed after losing the subscription: catch up.
  void OnResubscribed();
  // A client at `since` (nullopt: it wants positions from now on) asks what
  // it missed. `done` runs once, possibly before this returns.
  void Recover(std::optional<Position> since, RecoveryCallback done);

  // Live events held while a gap is read, at most, in number and in frame
  // bytes (beyond: the gap is declared unrecoverable and they go out).
  static constexpr size_t kMaxHeld = 10000;
  static constexpr size_t kMaxHeldBytes = 16 << 20;
  // The most events one read brings and the tail keeps: what a client can
  // recover at most (a larger gap is announced; the History API pages
  // through the rest).
  static constexpr size_t kMaxTailEvents = 10000;

  // For tests and metrics: the bus reads started.
  uint64_t reads() const { return reads_.load(); }

 private:
  struct Waiter {
    std::optional<Position> since;
    RecoveryCallback done;
  };

  // Starts a read unless one is in flight (mutex_ held); the caller calls
  // IssueRead after unlocking when it returns true.
  bool BeginRead();
  void IssueRead();
  void OnRead(absl::StatusOr<HistoryRead> read);
  // Answers a request from the tail (mutex_ held; tail valid).
  Recovery Answer(const std::optional<Position>& since) const;
  // A gap that cannot be filled: the control that says so, positioned just
  // before the first event the clients get next, then what is still there:
  // `kept` (a read's events, oldest first) after the gap, then what was held.
  // `at` when there is nothing to give (mutex_ held).
  void GiveUpGap(std::string reason, const std::vector<DeliveryPtr>& kept, Position at,
                 std::vector<DeliveryPtr>& out);
  void Append(const DeliveryPtr& delivery);  // to the tail, trimmed; mutex_ held
  void DropTail();                           // mutex_ held

  const HistoryPolicy policy_;
  const size_t channel_index_;
  const Hooks hooks_;

  // Held while deciding what to deliver and delivering it, so that
  // deliveries leave in position order whichever thread makes them. Taken
  // before mutex_; never held while calling the bus.
  std::mutex deliver_mutex_;
  mutable std::mutex mutex_;
  // The last position delivered in order (epoch empty: none yet).
  Position last_;
  // A read is in flight: live events are recorded (and held when catching
  // up a gap) until it answers.
  bool reading_ = false;
  bool catching_up_ = false;
  std::vector<DeliveryPtr> held_;  // while catching up
  size_t held_bytes_ = 0;
  std::vector<DeliveryPtr> recorded_;  // delivered while a read is in flight
  std::vector<Waiter> waiters_;
  // The tail: every stored event of epoch tail_epoch_ from tail_first_ to
  // last_.seq (contiguous, at most policy_.size), valid when tail_valid_.
  bool tail_valid_ = false;
  std::string tail_epoch_;
  std::deque<DeliveryPtr> tail_;
  int64_t tail_bytes_ = 0;
  std::atomic<uint64_t> reads_{0};
};

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_GATEWAY_TOPIC_HISTORY_H_
