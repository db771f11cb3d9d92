// PublishObserver: what the gRPC service tells the gateway of each publish
// (for /metrics), without the gateway's headers depending on gRPC's.
#ifndef PUBSUB_SERVER_GRPC_PUBLISH_OBSERVER_H_
#define PUBSUB_SERVER_GRPC_PUBLISH_OBSERVER_H_

#include <functional>

#include "absl/status/status.h"
#include "pubsub/registry.h"

namespace pubsub::gateway {

// Told of every publish's outcome: the event's type (null when refused
// before one was known) and the status. Runs on gRPC's or the bus's
// threads; must not block.
using PublishObserver = std::function<void(const EventInfo* event, const absl::Status& outcome)>;

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_GRPC_PUBLISH_OBSERVER_H_
