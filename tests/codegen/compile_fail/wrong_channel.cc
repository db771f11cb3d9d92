// Must NOT compile: NewBroadcast belongs to the "broadcasts" channel, and
// TrackCommentsPublisher has no Publish overload for it.
#include "broadcasts.pubsub.h"
#include "comments.pubsub.h"

void PublishOnTheWrongChannel(pubsub::Publisher& publisher) {
  sample::TrackCommentsPublisher comments(publisher);
  comments.Publish(sample::NewBroadcast());
}
