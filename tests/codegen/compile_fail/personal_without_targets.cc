// Must NOT compile: "notifications" is a personal channel, so its publisher
// has no Publish(event) without target users.
#include "notifications.pubsub.h"

void PublishPersonalEventToNobody(pubsub::Publisher& publisher) {
  sample::NotificationsPublisher notifications(publisher);
  notifications.Publish(sample::PrivateMessage());
}
