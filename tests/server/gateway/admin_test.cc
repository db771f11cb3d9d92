// The admin API (admin.h) and the admin's privileges at admission
// (admission.h), through the sans-IO front door: who is an admin, what the
// overview says, the console's publish, and ?tail=true.
#include "server/gateway/admin.h"

#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <boost/json.hpp>

#include "pubsub/embedded_bus.h"
#include "sample_schema.schema.h"
#include "server/auth/jwt.h"
#include "server/gateway/gateway.h"
#include "tests/server/gateway/gateway_fixture.h"

namespace pubsub::gateway {
namespace {

using ::testing::HasSubstr;
using testing::Serve;
using ::testing::StartsWith;
using testing::Token;
using testing::Upgrade;

std::string Request(std::string_view method, std::string_view target, std::string_view token,
                    std::string_view body = "") {
  std::string request =
      std::string(method) + " " + std::string(target) + " HTTP/1.1\r\nHost: x\r\n";
  if (!token.empty()) request += "Authorization: Bearer " + std::string(token) + "\r\n";
  if (!body.empty()) request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  return request + "\r\n" + std::string(body);
}

std::string BodyOf(const std::string& answer) { return answer.substr(answer.find("\r\n\r\n") + 4); }

constexpr std::string_view kBroadcast =
    R"({"type":"new_broadcast","data":{"id":1,"title":"Hi","content":"","author":"a"}})";

using AdminTest = testing::GatewayFixture;

TEST_F(AdminTest, TheAdminApiNeedsTheAdminRole) {
  const std::string none = Answer(Request("GET", "/api/admin/overview", ""));
  EXPECT_THAT(none, StartsWith("HTTP/1.1 401 "));
  EXPECT_THAT(none, HasSubstr("missing token"));
  EXPECT_THAT(Answer(Request("GET", "/api/admin/overview", "garbage")),
              StartsWith("HTTP/1.1 401 "));
  const std::string ann = Answer(Request("GET", "/api/admin/overview", Token("ann", {"creator"})));
  EXPECT_THAT(ann, StartsWith("HTTP/1.1 403 "));
  EXPECT_EQ(BodyOf(ann), R"({"error":"user 'ann' lacks the admin role 'admin'"})");
  EXPECT_THAT(Answer(Request("GET", "/api/admin/overview", Token("root", {"admin"}))),
              StartsWith("HTTP/1.1 200 OK\r\n"));
  // The token may also come as ?token= (what a browser's WebSocket does).
  EXPECT_THAT(Answer(Request("GET", "/api/admin/overview?token=" + Token("root", {"admin"}), "")),
              StartsWith("HTTP/1.1 200 OK\r\n"));
  // Methods and paths are checked first.
  const std::string post = Answer(Request("POST", "/api/admin/overview", ""));
  EXPECT_THAT(post, StartsWith("HTTP/1.1 405 "));
  EXPECT_THAT(post, HasSubstr("Allow: GET, HEAD\r\n"));
  EXPECT_THAT(Answer(Request("GET", "/api/admin/publish", "")), StartsWith("HTTP/1.1 405 "));
  EXPECT_THAT(Answer(Request("GET", "/api/admin/nope", "")), StartsWith("HTTP/1.1 404 "));
}

TEST_F(AdminTest, TheAdminRoleIsConfigurable) {
  config_.admin_role = "ops";
  EXPECT_THAT(Answer(Request("GET", "/api/admin/overview", Token("root", {"admin"}))),
              StartsWith("HTTP/1.1 403 "));
  EXPECT_THAT(Answer(Request("GET", "/api/admin/overview", Token("root", {"ops"}))),
              StartsWith("HTTP/1.1 200 "));
}

TEST_F(AdminTest, DevelopmentAuthNamesTheAdminInTheQuery) {
  config_.dev_auth = true;
  config_.jwt_secret_file.clear();
  EXPECT_THAT(Answer(Request("GET", "/api/admin/overview", "")), StartsWith("HTTP/1.1 401 "));
  EXPECT_THAT(Answer(Request("GET", "/api/admin/overview?user_id=ann", "")),
              StartsWith("HTTP/1.1 403 "));
  EXPECT_THAT(Answer(Request("GET", "/api/admin/overview?user_id=root&role=admin", "")),
              StartsWith("HTTP/1.1 200 "));
}

TEST_F(AdminTest, TheOverviewReportsTheReplicaTheClusterTheBusAndEveryEventType) {
  Context().presence.Add("ann");
  Context().presence.Add("ann");
  Context().presence.Add("bob");
  Context().metrics.shard(0).slow_consumer_closes.fetch_add(2);
  const std::string answer =
      Answer(Request("GET", "/api/admin/overview", Token("root", {"admin"})));
  ASSERT_THAT(answer, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(answer, HasSubstr("Content-Type: application/json\r\n"));
  boost::json::error_code error;
  boost::json::value parsed = boost::json::parse(BodyOf(answer), error);
  ASSERT_FALSE(error) << BodyOf(answer);
  const boost::json::object& o = parsed.as_object();
  EXPECT_GE(o.at("uptime_seconds").to_number<double>(), 0.0);
  const auto& replica = o.at("replica").as_object();
  EXPECT_EQ(replica.at("connections").as_int64(), 3);
  EXPECT_EQ(replica.at("users").as_int64(), 2);
  EXPECT_EQ(replica.at("topics").as_int64(), 0);
  EXPECT_EQ(replica.at("slow_consumer_closes").as_int64(), 2);
  // The embedded bus answers presence queries with this replica's share
  // (none is reported without a running presence reporter).
  EXPECT_TRUE(o.at("cluster").is_object()) << BodyOf(answer);
  const auto& bus = o.at("bus").as_object();
  EXPECT_EQ(bus.at("kind").as_string(), "memory");
  EXPECT_TRUE(bus.at("ready").as_bool());
  EXPECT_TRUE(bus.at("stats").is_null());
  EXPECT_EQ(o.at("admin_role").as_string(), "admin");
  const auto& events = o.at("events").as_array();
  ASSERT_EQ(events.size(), registry_.events().size());
  EXPECT_EQ(events[0].at("published").as_object().size(), 3u);  // http, grpc, admin
  EXPECT_EQ(events[0].at("dropped").as_object().size(), 4u);
  EXPECT_EQ(o.at("refused").at("admin").at("invalid").as_int64(), 0);
}

TEST_F(AdminTest, TheOverviewSaysWhyTheClusterIsUnknown) {
  const std::string text = RenderAdminOverview(Context(), absl::UnavailableError("bus down"));
  boost::json::error_code error;
  boost::json::value parsed = boost::json::parse(text, error);
  ASSERT_FALSE(error) << text;
  EXPECT_TRUE(parsed.at("cluster").is_null());
  EXPECT_EQ(parsed.at("cluster_error").as_string(), "bus down");
}

TEST_F(AdminTest, TheConsolePublishesWithTheAdminRoleAndCountsAsAdmin) {
  const std::string admin = Token("root", {"admin"});
  const std::string accepted = Answer(Request("POST", "/api/admin/publish", admin, kBroadcast));
  EXPECT_THAT(accepted, StartsWith("HTTP/1.1 202 "));
  EXPECT_THAT(BodyOf(accepted), StartsWith(R"({"id":")"));
  EXPECT_EQ(published_, 1);
  // The same validation errors as /api/publish, word for word.
  const std::string bad = Answer(Request("POST", "/api/admin/publish", admin,
                                         R"({"type":"new_broadcast","data":{"id":"abc"}})"));
  EXPECT_THAT(bad, StartsWith("HTTP/1.1 400 "));
  EXPECT_EQ(BodyOf(bad), R"({"error":"data.id: expected an integer, got \"abc\""})");
  // A personal event needs to=.
  EXPECT_THAT(Answer(Request("POST", "/api/admin/publish", admin,
                             R"({"type":"private_message","text":"hi"})")),
              HasSubstr("give at least one target user id"));
  EXPECT_THAT(Answer(Request("POST", "/api/admin/publish?to=ann", admin,
                             R"({"type":"private_message","text":"hi"})")),
              StartsWith("HTTP/1.1 202 "));

  const std::string metrics = Context().metrics.RenderPrometheus(true);
  EXPECT_THAT(metrics, HasSubstr("pubsub_events_published_total{type=\"new_broadcast\","
                                 "channel=\"broadcasts\",source=\"admin\"} 1\n"));
  EXPECT_THAT(metrics, HasSubstr("pubsub_events_published_total{type=\"new_broadcast\","
                                 "channel=\"broadcasts\",source=\"http\"} 0\n"));
  EXPECT_THAT(metrics,
              HasSubstr("pubsub_publish_refused_total{source=\"admin\",reason=\"invalid\"} 2\n"));
}

TEST_F(AdminTest, ANonAdminPublishIsRefusedBeforeItsBodyIsRead) {
  // The body would be a valid event; the refusal comes from the header, and
  // the connection closes (the body is never read, whatever its size).
  const std::string refused =
      Answer(Request("POST", "/api/admin/publish", Token("ann"), kBroadcast) +
             Request("GET", "/healthz", ""));
  EXPECT_THAT(refused, StartsWith("HTTP/1.1 403 "));
  EXPECT_THAT(refused, HasSubstr("Connection: close\r\n"));
  EXPECT_THAT(refused, ::testing::Not(HasSubstr("200 OK")));
  EXPECT_EQ(published_, 0);
  EXPECT_THAT(
      Context().metrics.RenderPrometheus(true),
      HasSubstr("pubsub_publish_refused_total{source=\"admin\",reason=\"unauthorized\"} 1\n"));
}

TEST_F(AdminTest, AnAdminTailLiftsTheAccessRuleAndPicksThePersonalTopic) {
  const std::string admin = Token("root", {"admin"});
  // Another user's personal topic.
  auto served = Serve(Context(), Upgrade("/ws/notifications?tail=true&user=bob&token=" + admin));
  ASSERT_EQ(served.upgrades.size(), 1u) << served.bytes;
  EXPECT_EQ(served.upgrades[0].topic, "notifications@bob");
  EXPECT_TRUE(served.upgrades[0].tail);
  EXPECT_EQ(served.upgrades[0].identity.user_id, "root");
  // Without ?user=, the admin's own.
  served = Serve(Context(), Upgrade("/ws/notifications?tail=true&token=" + admin));
  ASSERT_EQ(served.upgrades.size(), 1u);
  EXPECT_EQ(served.upgrades[0].topic, "notifications@root");
  // A role channel the admin lacks the role of.
  EXPECT_THAT(Answer(Upgrade("/ws/book-requests/admin?token=" + admin)),
              StartsWith("HTTP/1.1 403 "));
  served = Serve(Context(), Upgrade("/ws/book-requests/admin?tail=true&token=" + admin));
  ASSERT_EQ(served.upgrades.size(), 1u);
  EXPECT_TRUE(served.upgrades[0].tail);

  // Not an admin: no tail, and ?user= alone changes nothing.
  const std::string refused =
      Answer(Upgrade("/ws/notifications?tail=true&user=bob&token=" + Token("ann", {"creator"})));
  EXPECT_THAT(refused, StartsWith("HTTP/1.1 403 "));
  EXPECT_THAT(refused, HasSubstr("tail=true requires the admin role 'admin'"));
  served = Serve(Context(), Upgrade("/ws/notifications?user=bob&token=" + Token("ann")));
  ASSERT_EQ(served.upgrades.size(), 1u);
  EXPECT_EQ(served.upgrades[0].topic, "notifications@ann");
  EXPECT_FALSE(served.upgrades[0].tail);
  EXPECT_THAT(Answer(Upgrade("/ws/notifications?tail=1&token=" + admin)),
              StartsWith("HTTP/1.1 400 "));
}

}  // namespace
}  // namespace pubsub::gateway
