// The schema the gateway binary serves: the sample application of DESIGN
// section 4, generated from schema/examples/*.proto. A deployment with its own
// schema links its own generated library and registers it here.
#ifndef PUBSUB_SERVER_LINKED_SCHEMA_H_
#define PUBSUB_SERVER_LINKED_SCHEMA_H_

#include "absl/status/status.h"
#include "pubsub/registry.h"

namespace pubsub::gateway {

absl::Status RegisterLinkedSchema(Registry& registry);

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_LINKED_SCHEMA_H_
