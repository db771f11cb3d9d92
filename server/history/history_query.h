// The History API's one rule set, shared by HTTP (GET /api/history/...) and
// gRPC (Publisher.History): which topic a request names, what `since` and
// `limit` may be, and how a page of history is read from the bus and decoded.
//
//   auto query = MakeHistoryQuery(channel, scope_value, user, since, limit);
//   if (!query.ok()) return Refuse(query.status());
//   ReadHistoryPage(bus, registry, *std::move(query),
//                   [](absl::StatusOr<HistoryPage> page) { ... });
//
// A page holds the events after `since` (oldest first), or, without `since`,
// the newest `limit` events. When `since` cannot be continued from (another
// epoch, or its successors were trimmed) the page is not `complete` and starts
// at the oldest event kept: the caller learns that it missed something, never
// silently.
#ifndef PUBSUB_SERVER_HISTORY_HISTORY_QUERY_H_
#define PUBSUB_SERVER_HISTORY_HISTORY_QUERY_H_

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "pubsub/bus.h"
#include "pubsub/history.h"
#include "pubsub/registry.h"

namespace pubsub::history_api {

// Events per page: the default, and the most a request may ask for (a bound
// on the reply and on what one request makes the gateway decode).
inline constexpr size_t kDefaultPageSize = 100;
inline constexpr size_t kMaxPageSize = 1000;

struct HistoryQuery {
  const ChannelInfo* channel = nullptr;
  std::string topic;
  std::optional<Position> since;
  size_t limit = kDefaultPageSize;
};

// The query for `channel`'s topic: `scope_value` for a scoped channel,
// `user_id` for a personal one (each must be empty otherwise). `since` is ""
// or EPOCH:SEQ; `limit` is "" or 1..kMaxPageSize. NotFound when the channel
// keeps no history; InvalidArgument (naming the parameter) for the rest.
absl::StatusOr<HistoryQuery> MakeHistoryQuery(const ChannelInfo& channel,
                                              std::string_view scope_value,
                                              std::string_view user_id, std::string_view since,
                                              std::string_view limit);

struct HistoryEvent {
  Position position;
  const EventInfo* info = nullptr;
  // The event exactly as browsers receive it.
  std::string json;
  // The users a targeted event was for (empty: everyone on the topic).
  std::vector<std::string> targets;
};

struct HistoryPage {
  // The topic's newest position (seq 0: nothing published in this epoch).
  Position newest;
  // Whether `events` continue right after the query's `since` (always true
  // without `since`).
  bool complete = true;
  std::vector<HistoryEvent> events;  // oldest first
};

using PageCallback = std::function<void(absl::StatusOr<HistoryPage> page)>;

// Reads the page (one or two bus reads). `done` runs once, on the bus's
// thread or before this returns; Unavailable when the bus is down.
void ReadHistoryPage(Bus& bus, const Registry& registry, HistoryQuery query, PageCallback done);

// The HTTP reply body:
// {"position":"E:S","complete":true,"events":[{"position":"E:S","event":{...}},...]}
// (an event for some users only adds "to":[...]).
std::string RenderPageJson(const HistoryPage& page);

}  // namespace pubsub::history_api

#endif  // PUBSUB_SERVER_HISTORY_HISTORY_QUERY_H_
