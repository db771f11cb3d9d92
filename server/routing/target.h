// Parsing of an HTTP request target ("/ws/comments/42?token=JWT&to=ann") into
// its path, for the router, and the query parameters the gateway reads.
//
//   auto target = pubsub::routing::ParseTarget(request.target());
//   if (!target.ok()) return Reply(400, target.status().message());
//   auto route = router.Match(target->path);
//   for (const std::string& user : target->query.to) ...
//
// Query rules (Boost.URL, application/x-www-form-urlencoded as browsers'
// URLSearchParams writes it): values are percent-decoded and '+' means a
// space; parameters the gateway does not know are ignored (cache busters);
// `token`, `user_id`, `user`, `since`, `limit`, `scope` and `tail` may appear at most once; `to`
// and `role` may repeat. User ids and roles (to, user_id, user, role) must pass CheckIdentifier:
// non-empty, <= 256 bytes, UTF-8, no control characters. Every violation is InvalidArgument with a
// message naming the parameter.
#ifndef PUBSUB_SERVER_ROUTING_TARGET_H_
#define PUBSUB_SERVER_ROUTING_TARGET_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace pubsub::routing {

// Bounds on repeated parameters, so that one request cannot make the gateway
// build an arbitrarily long target list (the header limit bounds the bytes).
inline constexpr size_t kMaxTargets = 1000;  // to=
inline constexpr size_t kMaxRoles = 64;      // role=
inline constexpr size_t kMaxQueryTokenBytes = 8 * 1024;
inline constexpr size_t kMaxPositionBytes = 100;  // since=, limit=

struct QueryParams {
  // to=USER (repeatable): the targets of a publish, in order, duplicates kept.
  std::vector<std::string> to;
  // token=JWT: the WebSocket client's token, when it does not send a header.
  std::optional<std::string> token;
  // user_id=USER: the user in development auth mode (--dev-auth).
  std::optional<std::string> user_id;
  // role=ROLE (repeatable): roles in development auth mode.
  std::vector<std::string> roles;
  // user=USER: /api/stats?user=ID asks whether that user is connected.
  std::optional<std::string> user;
  // since=EPOCH:SEQ or since=now: a WebSocket client opts into recovery
  // (pubsub/history.h); /api/history reads after it.
  std::optional<std::string> since;
  // limit=N: /api/history's page size.
  std::optional<std::string> limit;
  // scope=replica|cluster: what /api/stats reports (default: cluster).
  std::optional<std::string> scope;
  // tail=true: an admin's live tail of a WebSocket topic (admission.h).
  bool tail = false;
};

struct RequestTarget {
  // The path, still percent-encoded ("/ws/comments/a%2Fb"): the router
  // splits it on '/' before decoding the scope segment.
  std::string path;
  QueryParams query;
};

// Parses an origin-form request target ("/path?query"; RFC 7230 section
// 5.3.1). InvalidArgument for anything else (absolute-form, "*", a fragment,
// bad percent-encoding, characters not allowed in a URL) and for bad query
// parameters (see above).
absl::StatusOr<RequestTarget> ParseTarget(std::string_view target);

// Parses just a query string (without the '?'), with the same rules.
absl::StatusOr<QueryParams> ParseQuery(std::string_view query);

}  // namespace pubsub::routing

#endif  // PUBSUB_SERVER_ROUTING_TARGET_H_
