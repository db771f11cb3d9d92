// The sample schema's six channels (DESIGN section 4), written by hand so that
// routing tests do not depend on generated code.
#ifndef PUBSUB_TESTS_SERVER_ROUTING_SAMPLE_CHANNELS_H_
#define PUBSUB_TESTS_SERVER_ROUTING_SAMPLE_CHANNELS_H_

#include <vector>

#include "pubsub/registry.h"

namespace pubsub::routing::testing {

inline const ChannelInfo kBroadcasts{"broadcasts", "/ws/broadcasts", "", Access::kAuthenticated,
                                     ""};
inline const ChannelInfo kTrackComments{"track_comments", "/ws/comments/{track_id}", "track_id",
                                        Access::kAuthenticated, ""};
inline const ChannelInfo kForum{"forum", "/ws/forum/{thread_id}", "thread_id",
                                Access::kAuthenticated, ""};
inline const ChannelInfo kBookRequests{"book_requests", "/ws/book-requests", "", Access::kPersonal,
                                       ""};
inline const ChannelInfo kBookRequestsAdmin{"book_requests_admin", "/ws/book-requests/admin", "",
                                            Access::kRole, "creator"};
inline const ChannelInfo kNotifications{"notifications", "/ws/notifications", "", Access::kPersonal,
                                        ""};

inline std::vector<const ChannelInfo*> SampleChannels() {
  return {&kBroadcasts,   &kTrackComments,     &kForum,
          &kBookRequests, &kBookRequestsAdmin, &kNotifications};
}

}  // namespace pubsub::routing::testing

#endif  // PUBSUB_TESTS_SERVER_ROUTING_SAMPLE_CHANNELS_H_
