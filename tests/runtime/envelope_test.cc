// DecodeEnvelope: the subscriber's side of the bus format.
#include <gtest/gtest.h>

#include <string>
#include <utility>

#include "pubsub/envelope.pb.h"
#include "pubsub/history.h"
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

TEST(DecodeEnvelopeTest, SourceRoundTripsAndUnsaidOrUnknownIsUnknown) {
  Envelope envelope;
  envelope.set_type("new_broadcast");
  std::string type, payload;
  for (auto [wire, expected] : {std::pair{Envelope::SOURCE_SERVICE, EventSource::kService},
                                std::pair{Envelope::SOURCE_HTTP, EventSource::kHttp},
                                std::pair{Envelope::SOURCE_GRPC, EventSource::kGrpc},
                                std::pair{Envelope::SOURCE_ADMIN, EventSource::kAdmin},
                                std::pair{Envelope::SOURCE_CLI, EventSource::kCli}}) {
    envelope.set_source(wire);
    EventMeta meta;
    ASSERT_TRUE(
        internal::DecodeEnvelope("broadcasts", envelope.SerializeAsString(), type, payload, meta));
    EXPECT_EQ(meta.source, expected) << Envelope::Source_Name(wire);
  }

  // An older publisher's envelope says nothing (and costs nothing on the wire).
  envelope.set_source(Envelope::SOURCE_UNSPECIFIED);
  const std::string old = envelope.SerializeAsString();
  Envelope without;
  without.set_type("new_broadcast");
  EXPECT_EQ(old, without.SerializeAsString());
  EventMeta meta;
  meta.source = EventSource::kCli;
  ASSERT_TRUE(internal::DecodeEnvelope("broadcasts", old, type, payload, meta));
  EXPECT_EQ(meta.source, EventSource::kUnknown);

  // A newer publisher's value this version does not know: unknown, not a label of its own.
  envelope.set_source(static_cast<Envelope::Source>(42));
  ASSERT_TRUE(
      internal::DecodeEnvelope("broadcasts", envelope.SerializeAsString(), type, payload, meta));
  EXPECT_EQ(meta.source, EventSource::kUnknown);
}

TEST(DecodeEnvelopeTest, SourceSurvivesThePositionTheRedisFunctionAppends) {
  Envelope envelope;
  envelope.set_id("abc-2");
  envelope.set_type("new_broadcast");
  envelope.set_source(Envelope::SOURCE_CLI);
  std::string bytes = envelope.SerializeAsString();
  // What the Lua function pubsub_store does: fields 7 and 8 after the rest
  // (field 9 included), in that order.
  internal::AppendPosition(bytes, Position{"0123456789abcdef", 7});
  ASSERT_EQ(bytes.substr(0, envelope.ByteSizeLong()), envelope.SerializeAsString());

  std::string type, payload;
  EventMeta meta;
  ASSERT_TRUE(internal::DecodeEnvelope("broadcasts", bytes, type, payload, meta));
  EXPECT_EQ(meta.id, "abc-2");
  EXPECT_EQ(meta.source, EventSource::kCli);
  ASSERT_TRUE(meta.position.has_value());
  EXPECT_EQ(meta.position->epoch, "0123456789abcdef");
  EXPECT_EQ(meta.position->seq, 7u);
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
