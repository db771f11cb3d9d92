// DecodeEnvelope: the subscriber's side of the bus format.
#include <gtest/gtest.h>

#include "pubsub/envelope.pb.h"
#include "pubsub/subscription.h"

namespace pubsub {
namespace {

TEST(DecodeEnvelopeTest, SplitsEveryField) {
  Envelope envelope;
  envelope.set_id("abc-1");
  envelope.set_publish_time_unix_nanos(1795600800000000123);
  envelope.set_type("new_comment");
  envelope.set_topic("track_comments:42");
  envelope.add_target_user_ids("ann");
  envelope.add_target_user_ids("bob");
  envelope.set_payload(
      std::string("\x0a\x02"
                  "42",
                  4));
  const std::string bytes = envelope.SerializeAsString();

  std::string type, payload;
  EventMeta meta;
  ASSERT_TRUE(internal::DecodeEnvelope("track_comments:42", bytes, type, payload, meta));
  EXPECT_EQ(type, "new_comment");
  EXPECT_EQ(payload, std::string("\x0a\x02"
                                 "42",
                                 4));
  EXPECT_EQ(meta.id, "abc-1");
  EXPECT_EQ(meta.publish_time_unix_nanos, 1795600800000000123);
  EXPECT_EQ(meta.topic, "track_comments:42");
  EXPECT_EQ(meta.target_user_ids, (std::vector<std::string>{"ann", "bob"}));
}

TEST(DecodeEnvelopeTest, RefusesGarbageAndTypelessEnvelopes) {
  std::string type, payload;
  EventMeta meta;
  EXPECT_FALSE(internal::DecodeEnvelope("t", "\xff\xff\xff\xff", type, payload, meta));
  EXPECT_FALSE(internal::DecodeEnvelope("t", "not an envelope at all", type, payload, meta));
  // Parses (empty), but says nothing: there is no type to dispatch on.
  EXPECT_FALSE(internal::DecodeEnvelope("t", "", type, payload, meta));
  Envelope no_type;
  no_type.set_id("x");
  EXPECT_FALSE(internal::DecodeEnvelope("t", no_type.SerializeAsString(), type, payload, meta));
}

}  // namespace
}  // namespace pubsub
