// The publisher-key rule shared by the gateway's publish endpoints, as the
// gRPC service applies it to the `authorization` metadata entry: who may
// publish, and the exact status for everyone else.
//
//   pubsub::gateway::PublisherKeyPolicy policy{.key = key, .allow_without_key = dev_auth};
//   absl::Status allowed = policy.Check(authorization_or_nullopt);
#ifndef PUBSUB_SERVER_GRPC_PUBLISHER_KEY_H_
#define PUBSUB_SERVER_GRPC_PUBLISHER_KEY_H_

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace pubsub::gateway {

struct PublisherKeyPolicy {
  // The key callers must present as "Bearer <key>"; empty when none is set.
  std::string key;
  // With no key set: true lets everyone publish (development auth mode),
  // false refuses everyone (a production gateway without a key must not
  // accept events from anybody who can reach the port).
  bool allow_without_key = false;

  // OK when `authorization` (the header or metadata value, nullopt when
  // absent) allows publishing. Unauthenticated for a missing, malformed or
  // wrong key; PermissionDenied when publishing is disabled. The key is
  // compared in constant time.
  absl::Status Check(std::optional<std::string_view> authorization) const;
};

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_GRPC_PUBLISHER_KEY_H_
