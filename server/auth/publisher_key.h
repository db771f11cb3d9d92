// The publisher-key rule: who may publish events through the gateway's
// publish endpoints (gRPC's Publish service and HTTP's POST /api/publish),
// and the exact status everybody else gets. One rule for both, so that a
// key that works on one endpoint works on the other.
//
//   pubsub::auth::PublisherKeyPolicy policy{.key = key, .allow_without_key = dev_auth};
//   absl::Status allowed = policy.Check(authorization_or_nullopt);
//   // gRPC: ToGrpcStatus(allowed). HTTP: Unauthenticated -> 401,
//   // PermissionDenied -> 403, with allowed.message() as the reason.
#ifndef PUBSUB_SERVER_AUTH_PUBLISHER_KEY_H_
#define PUBSUB_SERVER_AUTH_PUBLISHER_KEY_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace pubsub::auth {

struct PublisherKeyPolicy {
  // The key callers must present as "Bearer <key>"; empty when none is set.
  std::string key;
  // With no key set: true lets everyone publish (development auth mode),
  // false refuses everyone (a production gateway without a key must not
  // accept events from anybody who can reach the port).
  bool allow_without_key = false;

  // OK when `authorization` (the HTTP header's or the gRPC metadata entry's
  // value; nullopt when absent) allows publishing. The scheme "Bearer" is
  // case-insensitive (RFC 7235); the key is compared exactly, in time that
  // does not depend on where it differs (only its length can leak).
  // Unauthenticated for a missing, malformed or wrong key; PermissionDenied
  // when no key is set and development mode is off. Thread-safe (const).
  absl::Status Check(std::optional<std::string_view> authorization) const;
};

}  // namespace pubsub::auth

#endif  // PUBSUB_SERVER_AUTH_PUBLISHER_KEY_H_
