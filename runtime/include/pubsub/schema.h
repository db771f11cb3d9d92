// Schema: a generated schema library as a program registers it. A library
// made by pubsub_generate(TARGET my_events ...) provides
// `const pubsub::Schema& pubsub::schemas::my_events()` in my_events.schema.h;
// programs that serve or validate events take a list of them:
//
//   #include "my_events.schema.h"
//   #include "shop_events.schema.h"
//   pubsub::Registry registry;
//   const pubsub::Schema schemas[] = {pubsub::schemas::my_events(),
//   pubsub::schemas::shop_events()}; if (auto status = pubsub::RegisterSchemas(registry, schemas);
//   !status.ok()) return Fail(status);
#ifndef PUBSUB_SCHEMA_H_
#define PUBSUB_SCHEMA_H_

#include <span>
#include <string_view>

#include "absl/status/status.h"
#include "pubsub/registry.h"

namespace pubsub {

struct Schema {
  // The library's name (its pubsub_generate TARGET), for messages.
  std::string_view name;
  // Registers every channel and event of the library's .proto files.
  absl::Status (*register_all)(Registry& registry);
};

// Registers each schema in turn. Schemas may be combined when they do not
// collide: a channel name or path, an event type or an event's message that
// two of them declare is refused with AlreadyExists naming both schemas
// ("schema \"shop\": channel \"orders\" (/ws/orders/{id}) is already declared
// by schema \"sales\""). An error inside one schema names that schema.
// Nothing is registered for a schema that fails.
absl::Status RegisterSchemas(Registry& registry, std::span<const Schema> schemas);

}  // namespace pubsub

#endif  // PUBSUB_SCHEMA_H_
