// History: a topic's recent events, each with a position, so that a client
// that reconnects can get what it missed (or be told that it cannot).
//
// A channel keeps history when its schema says so (`history` in
// (pubsub.channel), see schema/pubsub/options.proto): every event published
// on one of its topics is stored and published in one atomic step, and gets a
// Position: the topic's epoch and a sequence number (1, 2, 3, ...). The
// epoch changes whenever the topic's history may have been lost (Redis
// restarted without persistence, the history expired or was deleted), so a
// position from an older epoch can never be mistaken for one of today's.
//
//   bus.PublishStored("track_comments:42", envelope, {.size = 100, .ttl_seconds = 3600},
//                     [](absl::StatusOr<pubsub::Position> stored) { ... });
//   bus.ReadHistory("track_comments:42", {.size = 100, .ttl_seconds = 3600},
//                   /*after_seq=*/17, /*limit=*/100,
//                   [](absl::StatusOr<pubsub::HistoryRead> read) { ... });
#ifndef PUBSUB_HISTORY_H_
#define PUBSUB_HISTORY_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace pubsub {

struct Position {
  // Changes whenever the topic's history may have been lost. Non-empty,
  // letters and digits.
  std::string epoch;
  // 1 for the first event of an epoch, then one more per stored event.
  uint64_t seq = 0;

  // "EPOCH:SEQ", as clients see and send it.
  std::string ToString() const;
  // Parses "EPOCH:SEQ"; nullopt for anything else.
  static std::optional<Position> Parse(std::string_view text);

  bool operator==(const Position&) const = default;
};

// How much of a topic's history is kept.
struct HistoryPolicy {
  // Events kept per topic (the newest); 0: no history.
  uint32_t size = 0;
  // Seconds the history lives after the topic's last event; 0: no expiry.
  uint32_t ttl_seconds = 0;

  bool enabled() const { return size > 0; }
};

// A read of a topic's history.
struct HistoryRead {
  // The topic's current epoch. A read of a topic without history starts its
  // epoch (so that a client always learns a real position).
  std::string epoch;
  // The oldest kept sequence number (0: nothing kept) and the newest assigned
  // (0: nothing published in this epoch).
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;
  // Serialized envelopes (each carrying its position) with seq > after_seq,
  // oldest first, at most `limit`.
  std::vector<std::string> envelopes;

  // Whether everything after `after_seq` of `epoch` is still kept: what a
  // client at Position{epoch, after_seq} needs to recover.
  bool Covers(const Position& since) const {
    return since.epoch == epoch && since.seq <= last_seq &&
           (since.seq + 1 >= first_seq || since.seq == last_seq);
  }
};

// ReadHistory's `after_seq` for "the newest `limit` events": the read's
// first_seq is then that of its oldest event (what the reader can rely on),
// so that Covers() tells whether the read reaches back far enough.
inline constexpr uint64_t kReadNewest = ~uint64_t{0};

using StoredCallback = std::function<void(absl::StatusOr<Position> position)>;
using HistoryCallback = std::function<void(absl::StatusOr<HistoryRead> read)>;

namespace internal {

// Appends `position` to a serialized Envelope (its epoch and seq fields), as
// the buses do when they store it: protobuf merges appended fields.
void AppendPosition(std::string& envelope, const Position& position);

// A new epoch: 16 random letters and digits.
std::string NewEpoch();

}  // namespace internal
}  // namespace pubsub

#endif  // PUBSUB_HISTORY_H_
