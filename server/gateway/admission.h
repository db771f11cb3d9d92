// Admission: whether a WebSocket upgrade request may become a connection,
// and as whom. Everything is decided before a byte is sent back, in this
// order, and the first refusal wins:
//
//   path       404 no channel has this path; 400 bad scope value or `since`
//   Origin     403 not in --allowed-origin (when the list is set)
//   handshake  400/405/426 not a valid RFC 6455 upgrade
//   identity   401 no token, or it does not verify (--dev-auth: no user_id)
//   role       403 the channel requires a role the user lacks; ?tail=true
//              without the admin role (--admin-role)
//   readiness  503 shutting down, or the bus is not connected
//
// An admitted request carries what the WebSocket session needs: the identity,
// the channel, the topic (personal channels: the user's own) and the 101
// response to send once the topic is subscribed.
//
// An admin's live tail (?tail=true, the admin page's): the channel's access
// rule is lifted, ?user=ID picks whose topic of a personal channel (default:
// the admin's own), and the session receives every event of the topic, also
// those targeted (to=) at other users.
//
// The same identity rules decide who an admin is for the admin API
// (AdminIdentity): the token from Authorization, ?token= or the bearer
// subprotocol, or ?user_id=&role= with --dev-auth; one place for both.
//
//   Admission admission(context);
//   auto result = admission.Admit(request, target, now);
//   if (auto* refusal = std::get_if<http::Response>(&result)) return Send(*refusal);
//   StartSession(std::get<Admitted>(std::move(result)));
//
// Thread-safety: const after construction; Admit runs on any loop.
#ifndef PUBSUB_SERVER_GATEWAY_ADMISSION_H_
#define PUBSUB_SERVER_GATEWAY_ADMISSION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "absl/status/statusor.h"
#include "pubsub/history.h"
#include "pubsub/registry.h"
#include "server/auth/jwt.h"
#include "server/gateway/gateway_context.h"
#include "server/http/request_reader.h"
#include "server/http/response.h"
#include "server/routing/target.h"

namespace pubsub::gateway {

struct Admitted {
  auth::Identity identity;
  const ChannelInfo* channel = nullptr;
  std::string topic;
  // The complete "101 Switching Protocols" response.
  std::string accept;
  // ?since=EPOCH:SEQ or ?since=now: the client speaks the recovery protocol
  // (delivery.h) and, with a position, wants what it missed since.
  bool recovery_protocol = false;
  std::optional<Position> since;
  // An admin's tail (?tail=true): every event of the topic, whatever its targets.
  bool tail = false;
};

class Admission {
 public:
  explicit Admission(const GatewayContext& context) : context_(context) {}

  // The admitted connection, or the complete refusal to send (the
  // connection closes after it).
  std::variant<Admitted, http::Response> Admit(const http::Request& request,
                                               const routing::RequestTarget& target,
                                               int64_t now_unix_seconds) const;

  // Who sends an HTTP request to the admin API: Unauthenticated (401) without
  // a valid token (--dev-auth: without ?user_id=), PermissionDenied (403)
  // without the admin role.
  absl::StatusOr<auth::Identity> AdminIdentity(const http::Request& request,
                                               const routing::RequestTarget& target,
                                               int64_t now_unix_seconds) const;

  bool IsAdmin(const auth::Identity& identity) const {
    return identity.HasRole(context_.config.admin_role);
  }

 private:
  struct Authenticated {
    auth::Identity identity;
    std::string subprotocol;  // to select in the 101: "bearer" when offered
  };
  // The identity the request's token (or, with --dev-auth, its query) gives:
  // Unauthenticated with the reason otherwise.
  absl::StatusOr<Authenticated> Authenticate(const http::Request& request,
                                             const routing::RequestTarget& target,
                                             int64_t now_unix_seconds) const;

  const GatewayContext& context_;
};

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_GATEWAY_ADMISSION_H_
