#include "server/linked_schema.h"

#include "book_requests.pubsub.h"
#include "broadcasts.pubsub.h"
#include "comments.pubsub.h"
#include "forum.pubsub.h"
#include "notifications.pubsub.h"
#include "pubsub/status_macros.h"

namespace pubsub::gateway {

absl::Status RegisterLinkedSchema(Registry& registry) {
  PUBSUB_RETURN_IF_ERROR(sample::RegisterBroadcastsSchema(registry));
  PUBSUB_RETURN_IF_ERROR(sample::RegisterCommentsSchema(registry));
  PUBSUB_RETURN_IF_ERROR(sample::RegisterForumSchema(registry));
  PUBSUB_RETURN_IF_ERROR(sample::RegisterBookRequestsSchema(registry));
  PUBSUB_RETURN_IF_ERROR(sample::RegisterNotificationsSchema(registry));
  return absl::OkStatus();
}

}  // namespace pubsub::gateway
