// Must compile: each typed publisher accepts its own channel's events, in
// every form (the counterpart of wrong_channel.cc, so the test can fail both
// ways).
#include "book_requests.pubsub.h"
#include "broadcasts.pubsub.h"
#include "comments.pubsub.h"
#include "notifications.pubsub.h"

void PublishOnTheRightChannels(pubsub::Publisher& publisher) {
  sample::TrackCommentsPublisher comments(publisher);
  sample::NewComment comment;
  comments.Publish(comment);
  comments.Publish(comment, {"alice", "bob"});
  comments.PublishToUser("alice", comment, [](absl::StatusOr<std::string>) {});

  sample::BroadcastsPublisher broadcasts(publisher);
  broadcasts.Publish(sample::NewBroadcast());

  sample::NotificationsPublisher notifications(publisher);
  notifications.PublishToUser("alice", sample::PrivateMessage());
  notifications.Publish(sample::TeamNotification(), {"alice", "bob"});

  sample::BookRequestsAdminPublisher admin(publisher);
  admin.Publish(sample::NewRequest());
}
