// Fuzz target: request target parsing and routing (server/routing/).
//
// The input is a request target ("/ws/comments/42?token=x&to=a"). Checks: no
// crash; a route found through ParseTarget has a channel and a scope value
// that passes CheckIdentifier (empty only for unscoped channels); parsed
// query values respect their bounds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/routing/router.h"
#include "server/routing/target.h"
#include "server/routing/text_checks.h"

namespace {

using pubsub::Access;
using pubsub::ChannelInfo;

void Check(bool condition) {
  if (!condition) std::abort();
}

// The sample schema's channels (DESIGN section 4).
const ChannelInfo kChannels[] = {
    {"broadcasts", "/ws/broadcasts", "", Access::kAuthenticated, ""},
    {"track_comments", "/ws/comments/{track_id}", "track_id", Access::kAuthenticated, ""},
    {"forum", "/ws/forum/{thread_id}", "thread_id", Access::kAuthenticated, ""},
    {"book_requests", "/ws/book-requests", "", Access::kPersonal, ""},
    {"book_requests_admin", "/ws/book-requests/admin", "", Access::kRole, "creator"},
    {"notifications", "/ws/notifications", "", Access::kPersonal, ""},
};

const pubsub::routing::Router& TheRouter() {
  static const pubsub::routing::Router router(std::vector<const ChannelInfo*>{
      &kChannels[0], &kChannels[1], &kChannels[2], &kChannels[3], &kChannels[4], &kChannels[5]});
  return router;
}

void CheckMatch(const absl::StatusOr<pubsub::routing::RouteMatch>& match) {
  if (!match.ok()) {
    Check(absl::IsNotFound(match.status()) || absl::IsInvalidArgument(match.status()));
    return;
  }
  Check(match->channel != nullptr);
  if (match->channel->scope_field.empty()) {
    Check(match->scope_value.empty());
  } else {
    Check(pubsub::routing::CheckIdentifier("scope", match->scope_value).ok());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  auto target = pubsub::routing::ParseTarget(input);
  if (target.ok()) {
    Check(!target->path.empty() && target->path[0] == '/');
    const auto& query = target->query;
    Check(query.to.size() <= pubsub::routing::kMaxTargets);
    Check(query.roles.size() <= pubsub::routing::kMaxRoles);
    for (const auto& user : query.to) Check(pubsub::routing::CheckIdentifier("to", user).ok());
    if (query.token.has_value()) {
      Check(!query.token->empty() && query.token->size() <= pubsub::routing::kMaxQueryTokenBytes);
    }
    CheckMatch(TheRouter().Match(target->path));
  }
  // The router and the query parser also get raw input directly.
  CheckMatch(TheRouter().Match(input));
  (void)pubsub::routing::ParseQuery(input);
  return 0;
}
