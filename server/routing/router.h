// Maps a request path to a schema channel and its scope value, using the
// channels' path templates ("/ws/comments/{track_id}").
//
//   pubsub::routing::Router router(registry);  // registry.channels()
//   auto route = router.Match(target->path);   // "/ws/comments/42"
//   if (absl::IsNotFound(route.status())) return Reply(404, route.status().message());
//   if (!route.ok()) return Reply(400, route.status().message());  // bad scope value
//   route->channel->name == "track_comments"; route->scope_value == "42";
//
// Matching rules (users script against URLs, so they are strict and simple):
// - A path matches a template when it has the same '/'-separated segments:
//   literal segments byte for byte (still percent-encoded: "/ws/comm%65nts/1"
//   is not "/ws/comments/1"), the {variable} segment anything.
// - Trailing slash: none is added or removed. "/ws/broadcasts/" is a
//   different path from "/ws/broadcasts" and is not found; "/ws/comments/"
//   has an empty scope value, which is an error (InvalidArgument). WebSocket
//   clients do not follow redirects, so guessing would only hide a client bug.
// - The scope segment is percent-decoded after splitting, so "%2F" yields a
//   '/' inside the scope value ("a%2Fb" -> "a/b"), while a raw '/' is always
//   a separator. Topics keep such values apart (pubsub/topic.h), so this is
//   safe. The decoded value must pass CheckIdentifier: non-empty, <= 256
//   bytes, valid UTF-8, no control characters; bad percent-encoding ("%zz",
//   "%4") is rejected too. All of these are InvalidArgument naming the scope.
// - When several templates match, the one whose first variable comes latest
//   (the longest literal prefix) wins: "/ws/x/admin" beats "/ws/x/{id}".
// - No template matches: NotFound.
//
// Thread-safety: immutable after construction; Match may run on any thread.
// The ChannelInfo pointers must outlive the router (the generated tables are
// static).
#ifndef PUBSUB_SERVER_ROUTING_ROUTER_H_
#define PUBSUB_SERVER_ROUTING_ROUTER_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pubsub/registry.h"

namespace pubsub::routing {

struct RouteMatch {
  const ChannelInfo* channel = nullptr;
  // The decoded scope value ("42"); empty for an unscoped channel.
  std::string scope_value;
};

class Router {
 public:
  // Routes the registry's channels (only Registry::channels(), an inline
  // accessor: the router does not need the runtime library).
  explicit Router(const Registry& registry) : Router(registry.channels()) {}
  // Routes `channels`. A channel whose path template is invalid (see
  // CheckPaths) is left out, so it can never match.
  explicit Router(const std::vector<const ChannelInfo*>& channels);

  // OK when every channel's path template is valid: it starts with '/', its
  // segments are non-empty, literal segments use only unreserved URL
  // characters [A-Za-z0-9-._~], a scoped channel has exactly one "{scope}"
  // segment named after its scope field and an unscoped channel none, and no
  // two channels have the same template. Otherwise InvalidArgument naming the
  // channel. The schema generator already enforces most of this; the gateway
  // calls it at start to fail loudly rather than route wrongly.
  static absl::Status CheckPaths(const std::vector<const ChannelInfo*>& channels);

  // Matches a percent-encoded path (RequestTarget::path, no query).
  // NotFound when no channel's template matches; InvalidArgument for a bad
  // scope value.
  absl::StatusOr<RouteMatch> Match(std::string_view path) const;

  size_t size() const { return routes_.size(); }

 private:
  struct Route {
    const ChannelInfo* channel;
    std::vector<std::string> segments;  // literal segments; the variable's is ""
    int variable = -1;                  // index of the {scope} segment, or -1
  };
  std::vector<Route> routes_;
};

}  // namespace pubsub::routing

#endif  // PUBSUB_SERVER_ROUTING_ROUTER_H_
