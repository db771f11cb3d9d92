#include "server/gateway/admission.h"

#include <algorithm>

#include "pubsub/topic.h"
#include "server/auth/token_source.h"
#include "server/gateway/text.h"
#include "server/websocket/handshake.h"

namespace pubsub::gateway {
namespace {

namespace beast = boost::beast;
using beast::http::field;
using beast::http::status;

http::Response Refuse(status code, std::string_view reason) {
  http::Response response = http::JsonError(code, reason);
  response.keep_alive(false);
  return response;
}

}  // namespace

std::variant<Admitted, http::Response> Admission::Admit(const http::Request& request,
                                                        const routing::RequestTarget& target,
                                                        int64_t now_unix_seconds) const {
  auto route = context_.router.Match(target.path);
  if (!route.ok()) {
    return Refuse(route.status().code() == absl::StatusCode::kNotFound ? status::not_found
                                                                       : status::bad_request,
                  View(route.status().message()));
  }
  std::optional<Position> since;
  if (target.query.since && *target.query.since != "now") {
    since = Position::Parse(*target.query.since);
    if (!since) {
      return Refuse(status::bad_request,
                    "query parameter 'since': expected EPOCH:SEQ (a position the gateway sent) or "
                    "now");
    }
  }
  const auto& origins = context_.config.allowed_origins;
  if (auto origin = request.find(field::origin); origin != request.end() && !origins.empty()) {
    const std::string_view given(origin->value().data(), origin->value().size());
    if (std::find(origins.begin(), origins.end(), given) == origins.end()) {
      return Refuse(status::forbidden, fmt::format("origin not allowed: {}", given));
    }
  }
  ws::UpgradeCheck handshake = ws::CheckUpgradeRequest(request);
  if (!handshake.ok()) {
    http::Response response = ws::MakeUpgradeRejection(handshake, request.version());
    response.keep_alive(false);
    return response;
  }

  auto authenticated = Authenticate(request, target, now_unix_seconds);
  if (!authenticated.ok()) {
    return Refuse(status::unauthorized, View(authenticated.status().message()));
  }
  Admitted admitted;
  admitted.identity = std::move(authenticated->identity);

  const ChannelInfo& channel = *route->channel;
  if (target.query.tail) {
    if (!IsAdmin(admitted.identity)) {
      return Refuse(status::forbidden, fmt::format("tail=true requires the admin role '{}'",
                                                   context_.config.admin_role));
    }
  } else if (channel.access == Access::kRole && !admitted.identity.HasRole(channel.role)) {
    return Refuse(status::forbidden,
                  fmt::format("the {} channel requires role '{}'", channel.name, channel.role));
  }
  if (context_.shutting_down.load())
    return Refuse(status::service_unavailable, "server shutting down");
  // Connected is enough: another topic's subscription still being confirmed
  // must not turn this client away. The session awaits its own topic's
  // subscription before the 101 (a failure there is a 503 too).
  if (!context_.bus.IsConnected()) return Refuse(status::service_unavailable, "bus unavailable");

  admitted.channel = &channel;
  // A tail of a personal channel: ?user= picks whose.
  const std::string& owner = target.query.tail && target.query.user.has_value()
                                 ? *target.query.user
                                 : admitted.identity.user_id;
  admitted.topic = channel.access == Access::kPersonal ? UserTopic(channel, owner)
                                                       : ChannelTopic(channel, route->scope_value);
  admitted.accept = ws::BuildUpgradeResponse(handshake.key, authenticated->subprotocol);
  admitted.tail = target.query.tail;
  admitted.recovery_protocol = target.query.since.has_value();
  admitted.since = std::move(since);
  return admitted;
}

absl::StatusOr<Admission::Authenticated> Admission::Authenticate(
    const http::Request& request, const routing::RequestTarget& target,
    int64_t now_unix_seconds) const {
  Authenticated out;
  if (context_.verifier == nullptr) {
    if (!target.query.user_id.has_value() || target.query.user_id->empty()) {
      return absl::UnauthenticatedError("missing user_id (the gateway runs with --dev-auth)");
    }
    out.identity.user_id = *target.query.user_id;
    out.identity.roles = target.query.roles;
    if (auth::OffersBearerSubprotocol(request)) out.subprotocol = auth::kBearerSubprotocol;
    return out;
  }
  auto token = auth::FindToken(request, target.query);
  if (!token.ok()) return absl::UnauthenticatedError(token.status().message());
  auto verified = context_.verifier->Verify(token->token, now_unix_seconds);
  if (!verified.ok()) return absl::UnauthenticatedError(verified.status().message());
  out.identity = *std::move(verified);
  out.subprotocol = token->subprotocol;
  return out;
}

absl::StatusOr<auth::Identity> Admission::AdminIdentity(const http::Request& request,
                                                        const routing::RequestTarget& target,
                                                        int64_t now_unix_seconds) const {
  auto authenticated = Authenticate(request, target, now_unix_seconds);
  if (!authenticated.ok()) return authenticated.status();
  if (!IsAdmin(authenticated->identity)) {
    return absl::PermissionDeniedError(fmt::format("user '{}' lacks the admin role '{}'",
                                                   authenticated->identity.user_id,
                                                   context_.config.admin_role));
  }
  return std::move(authenticated->identity);
}

}  // namespace pubsub::gateway
