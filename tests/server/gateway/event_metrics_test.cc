// EventMetrics (event_metrics.h): what /metrics and the admin overview say
// per event type, in particular events received from the bus by the source
// their envelope names, counted on several loops and summed on scrape.
#include "server/gateway/event_metrics.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "sample_schema.schema.h"

namespace pubsub::gateway {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class EventMetricsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(schemas::sample_schema().register_all(registry_).ok());
    metrics_ = std::make_unique<EventMetrics>(/*loops=*/2, registry_);
    broadcast_ = metrics_->TypeIndex(registry_.FindEvent("new_broadcast"));
    comment_ = metrics_->TypeIndex(registry_.FindEvent("new_comment"));
    ASSERT_NE(broadcast_, EventMetrics::kNoType);
    ASSERT_NE(comment_, EventMetrics::kNoType);
  }

  std::string Render() const {
    std::string out;
    metrics_->Render(out);
    return out;
  }

  Registry registry_;
  std::unique_ptr<EventMetrics> metrics_;
  size_t broadcast_ = 0;
  size_t comment_ = 0;
};

TEST_F(EventMetricsTest, ReceivedIsCountedBySourceAndSummedOverLoops) {
  metrics_->Received(0, broadcast_, EventSource::kService);
  metrics_->Received(1, broadcast_, EventSource::kService);
  metrics_->Received(1, broadcast_, EventSource::kHttp);
  metrics_->Received(0, broadcast_, EventSource::kGrpc);
  metrics_->Received(0, broadcast_, EventSource::kGrpc);
  metrics_->Received(1, broadcast_, EventSource::kGrpc);
  metrics_->Received(0, broadcast_, EventSource::kAdmin);
  metrics_->Received(1, broadcast_, EventSource::kCli);
  metrics_->Received(0, broadcast_, EventSource::kUnknown);
  metrics_->Received(0, comment_, EventSource::kCli);
  // Of no registered type: not counted, and nothing to crash on.
  metrics_->Received(0, EventMetrics::kNoType, EventSource::kHttp);

  const std::string out = Render();
  const std::string b =
      R"(pubsub_events_received_total{type="new_broadcast",channel="broadcasts",)";
  EXPECT_THAT(out, HasSubstr(b + "source=\"service\"} 2\n"));
  EXPECT_THAT(out, HasSubstr(b + "source=\"http\"} 1\n"));
  EXPECT_THAT(out, HasSubstr(b + "source=\"grpc\"} 3\n"));
  EXPECT_THAT(out, HasSubstr(b + "source=\"admin\"} 1\n"));
  EXPECT_THAT(out, HasSubstr(b + "source=\"cli\"} 1\n"));
  EXPECT_THAT(out, HasSubstr(b + "source=\"unknown\"} 1\n"));
  const std::string c =
      R"(pubsub_events_received_total{type="new_comment",channel="track_comments",)";
  EXPECT_THAT(out, HasSubstr(c + "source=\"cli\"} 1\n"));
  EXPECT_THAT(out, HasSubstr(c + "source=\"service\"} 0\n"));
  // The old, source-less series is gone: every sample has a source.
  EXPECT_THAT(out, Not(HasSubstr(R"(received_total{type="new_broadcast",channel="broadcasts"})")));
  EXPECT_THAT(out, HasSubstr("# TYPE pubsub_events_received_total counter\n"));
}

TEST_F(EventMetricsTest, EverySourceOfEveryTypeIsServedFromTheStart) {
  const std::string out = Render();
  size_t samples = 0;
  for (size_t at = out.find("\npubsub_events_received_total{"); at != std::string::npos;
       at = out.find("\npubsub_events_received_total{", at + 1)) {
    ++samples;
  }
  EXPECT_EQ(samples, registry_.events().size() * kEventSources);
  for (std::string_view source : {"service", "http", "grpc", "admin", "cli", "unknown"}) {
    EXPECT_THAT(out, HasSubstr(std::string(R"(channel="broadcasts",source=")") +
                               std::string(source) + "\"} 0\n"));
  }
}

TEST_F(EventMetricsTest, PublishedKeepsTheGatewaysOwnSources) {
  metrics_->Published(PublishSource::kHttp, broadcast_);
  metrics_->Published(PublishSource::kAdmin, broadcast_);
  metrics_->Published(PublishSource::kAdmin, broadcast_);
  const std::string out = Render();
  const std::string b =
      R"(pubsub_events_published_total{type="new_broadcast",channel="broadcasts",)";
  EXPECT_THAT(out, HasSubstr(b + "source=\"http\"} 1\n"));
  EXPECT_THAT(out, HasSubstr(b + "source=\"grpc\"} 0\n"));
  EXPECT_THAT(out, HasSubstr(b + "source=\"admin\"} 2\n"));
  // The gateway never publishes as a service or the CLI.
  EXPECT_THAT(out, Not(HasSubstr(b + "source=\"cli\"")));
  EXPECT_THAT(out, Not(HasSubstr(b + "source=\"service\"")));
}

TEST_F(EventMetricsTest, TheAdminJsonHasTheTotalAndTheSources) {
  metrics_->Received(0, broadcast_, EventSource::kService);
  metrics_->Received(1, broadcast_, EventSource::kCli);
  metrics_->Received(1, broadcast_, EventSource::kCli);
  std::string out;
  metrics_->RenderJson(out);
  const boost::json::array types = boost::json::parse(out).as_array();
  ASSERT_EQ(types.size(), registry_.events().size());
  const boost::json::object& b = types[broadcast_].as_object();
  EXPECT_EQ(b.at("type").as_string(), "new_broadcast");
  EXPECT_EQ(b.at("received").as_int64(), 3);
  const boost::json::object& by_source = b.at("received_by_source").as_object();
  EXPECT_EQ(by_source.size(), kEventSources);
  EXPECT_EQ(by_source.at("service").as_int64(), 1);
  EXPECT_EQ(by_source.at("cli").as_int64(), 2);
  EXPECT_EQ(by_source.at("unknown").as_int64(), 0);
  EXPECT_EQ(types[comment_].as_object().at("received").as_int64(), 0);
}

TEST(EventSourceTest, NamesAndWireValuesAreBounded) {
  EXPECT_EQ(EventSourceName(EventSource::kService), "service");
  EXPECT_EQ(EventSourceName(EventSource::kCli), "cli");
  EXPECT_EQ(EventSourceName(EventSource::kUnknown), "unknown");
  EXPECT_EQ(EventSourceName(static_cast<EventSource>(200)), "unknown");
  EXPECT_EQ(EventSourceFromWire(0), EventSource::kUnknown);
  EXPECT_EQ(EventSourceFromWire(3), EventSource::kGrpc);
  EXPECT_EQ(EventSourceFromWire(6), EventSource::kUnknown);
  EXPECT_EQ(EventSourceFromWire(-1), EventSource::kUnknown);
  EXPECT_EQ(ToEventSource(PublishSource::kHttp), EventSource::kHttp);
  EXPECT_EQ(ToEventSource(PublishSource::kGrpc), EventSource::kGrpc);
  EXPECT_EQ(ToEventSource(PublishSource::kAdmin), EventSource::kAdmin);
}

}  // namespace
}  // namespace pubsub::gateway
