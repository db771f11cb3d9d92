#include "server/gateway/front_door.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "pubsub/catalogue.h"
#include "pubsub/embedded_bus.h"
#include "sample_schema.schema.h"
#include "server/auth/jwt.h"
#include "server/gateway/gateway.h"
#include "server/web/assets.h"
#include "tests/server/gateway/gateway_fixture.h"

namespace pubsub::gateway {
namespace {

using ::testing::EndsWith;
using ::testing::HasSubstr;
using testing::Serve;
using ::testing::StartsWith;
using testing::Token;
using testing::Upgrade;

constexpr std::string_view kKey = "front-door-test-publisher-key";

std::string Publish(std::string_view body, std::string_view authorization) {
  std::string request = "POST /api/publish HTTP/1.1\r\nHost: x\r\n";
  if (!authorization.empty()) request += "Authorization: " + std::string(authorization) + "\r\n";
  return request + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" +
         std::string(body);
}

constexpr std::string_view kBroadcast =
    R"({"type":"new_broadcast","data":{"id":1,"title":"Hi","content":"","author":"a","created_at":"2026-12-04T10:00:00Z"}})";

class FrontDoorTest : public testing::GatewayFixture {
 protected:
  void SetUp() override {
    GatewayFixture::SetUp();
    config_.publisher_key_file = WriteFile("key", kKey);
  }
};

TEST_F(FrontDoorTest, OperationsEndpointsAnswer) {
  EXPECT_THAT(Answer("GET /healthz HTTP/1.1\r\n\r\n"), StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(Answer("GET /readyz HTTP/1.1\r\n\r\n"), StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(Answer("GET /metrics HTTP/1.1\r\n\r\n"), HasSubstr("pubsub_connections 0"));
  EXPECT_THAT(Answer("GET /nope HTTP/1.1\r\n\r\n"), StartsWith("HTTP/1.1 404 "));
  const std::string wrong_method = Answer("DELETE /healthz HTTP/1.1\r\n\r\n");
  EXPECT_THAT(wrong_method, StartsWith("HTTP/1.1 405 "));
  EXPECT_THAT(wrong_method, HasSubstr("Allow: GET, HEAD\r\n"));
  Context().shutting_down = true;
  EXPECT_THAT(Answer("GET /readyz HTTP/1.1\r\n\r\n"), StartsWith("HTTP/1.1 503 "));
}

TEST_F(FrontDoorTest, PipelinedRequestsAreAnsweredInOrder) {
  const std::string answer = Answer("GET /healthz HTTP/1.1\r\n\r\nGET /nope HTTP/1.1\r\n\r\n");
  const size_t second = answer.find("HTTP/1.1 404");
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 200"));
  EXPECT_NE(second, std::string::npos);
}

TEST_F(FrontDoorTest, AnswersDoNotDependOnHowTheBytesArrive) {
  const std::string input =
      "GET /healthz HTTP/1.1\r\n\r\n" + Publish(kBroadcast, "Bearer " + std::string(kKey));
  const std::string whole = Serve(Context(), input).bytes;
  const std::string bytewise = Serve(Context(), input, 1).bytes;
  // Event ids differ; everything before them matches.
  EXPECT_EQ(whole.substr(0, whole.find("{\"id\"")), bytewise.substr(0, bytewise.find("{\"id\"")));
  EXPECT_EQ(published_, 2);
}

TEST_F(FrontDoorTest, PublishNeedsTheKeyBeforeItsBodyIsRead) {
  const std::string answer = Answer(Publish(kBroadcast, ""));
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 401 "));
  EXPECT_THAT(answer, HasSubstr("Connection: close\r\n"));
  EXPECT_THAT(Answer(Publish(kBroadcast, "Bearer wrong")), StartsWith("HTTP/1.1 401 "));
  EXPECT_EQ(published_, 0);
}

TEST_F(FrontDoorTest, PublishWithTheKeyReachesTheBus) {
  const std::string answer = Answer(Publish(kBroadcast, "Bearer " + std::string(kKey)));
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 202 Accepted\r\n"));
  EXPECT_THAT(answer, HasSubstr("{\"id\":\""));
  // The scheme is case-insensitive here as on gRPC: one key policy.
  EXPECT_THAT(Answer(Publish(kBroadcast, "bearer " + std::string(kKey))),
              StartsWith("HTTP/1.1 202"));
  EXPECT_EQ(published_, 2);
  EXPECT_THAT(Answer(Publish("{\"type\":\"nope\"}", "Bearer " + std::string(kKey))),
              StartsWith("HTTP/1.1 400 "));
}

TEST_F(FrontDoorTest, AGatewayWithoutKeyAcceptsPublishesOnlyInDevelopmentMode) {
  config_.publisher_key_file.clear();
  EXPECT_THAT(Answer(Publish(kBroadcast, "")), StartsWith("HTTP/1.1 403 "));
  EXPECT_THAT(Answer("GET /api/stats HTTP/1.1\r\n\r\n"), StartsWith("HTTP/1.1 200 "));
}

TEST_F(FrontDoorTest, StatsNeedTheKeyWhenOneIsSet) {
  EXPECT_THAT(Answer("GET /api/stats HTTP/1.1\r\n\r\n"), StartsWith("HTTP/1.1 401 "));
  const std::string answer = Answer("GET /api/stats?user=ann HTTP/1.1\r\nAuthorization: Bearer " +
                                    std::string(kKey) + "\r\n\r\n");
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 200 "));
  EXPECT_THAT(answer, HasSubstr(R"({"scope":"cluster","replicas":0,"connections":0,"users":0,)"
                                R"("users_exact":true,"user":"ann","connected":false)"));
  // This replica alone, without asking the bus.
  const std::string local =
      Answer("GET /api/stats?scope=replica HTTP/1.1\r\nAuthorization: Bearer " + std::string(kKey) +
             "\r\n\r\n");
  EXPECT_THAT(local, HasSubstr(R"({"scope":"replica","connections":0,"users":0})"));
  EXPECT_THAT(Answer("GET /api/stats?scope=world HTTP/1.1\r\nAuthorization: Bearer " +
                     std::string(kKey) + "\r\n\r\n"),
              StartsWith("HTTP/1.1 400 "));
}

TEST_F(FrontDoorTest, TheSchemaIsServedToAnyoneAsAsyncApi) {
  // The gateway has a publisher key and JWT auth; the catalogue needs neither.
  const std::string answer = Answer("GET /api/schema HTTP/1.1\r\n\r\n");
  EXPECT_THAT(answer, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(answer, HasSubstr("Content-Type: application/json\r\n"));
  const std::string body = answer.substr(answer.find("\r\n\r\n") + 4);
  // The one assembler, over the registry the gateway serves.
  EXPECT_EQ(body, WriteAsyncApi(registry_, {.title = "pubsub-gateway",
                                            .version = "0.0.0",
                                            .description = "The channels and events of the "
                                                           "schemas this gateway serves."}));
  EXPECT_THAT(body, HasSubstr("\"asyncapi\": \"3.0.0\""));
  EXPECT_THAT(body, HasSubstr("\"address\": \"/ws/comments/{track_id}\""));
  EXPECT_THAT(body, HasSubstr("\"new_comment\": {"));
  EXPECT_THAT(Answer("HEAD /api/schema HTTP/1.1\r\n\r\n"), StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(Answer("POST /api/schema HTTP/1.1\r\n\r\n"), StartsWith("HTTP/1.1 405 "));
}

TEST_F(FrontDoorTest, EmbeddedFilesAreServedAfterTheApi) {
  const std::string page = Answer("GET /admin/ HTTP/1.1\r\n\r\n");
  EXPECT_THAT(page, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(page, HasSubstr("Content-Type: text/html; charset=utf-8\r\n"));
  EXPECT_THAT(page, HasSubstr("X-Content-Type-Options: nosniff\r\n"));
  EXPECT_THAT(page, HasSubstr("Cache-Control: no-cache\r\n"));
  EXPECT_THAT(page, HasSubstr("<html"));
  EXPECT_THAT(page, HasSubstr("Content-Security-Policy: default-src 'self';"));
  EXPECT_THAT(Answer("GET /demo/ HTTP/1.1\r\n\r\n"),
              ::testing::Not(HasSubstr("Content-Security-Policy")));
  const web::Asset* index = web::FindAsset(web::EmbeddedAssets(), "/admin/index.html").asset;
  ASSERT_NE(index, nullptr);
  EXPECT_THAT(page, HasSubstr("ETag: " + std::string(index->etag) + "\r\n"));
  EXPECT_EQ(page.substr(page.find("\r\n\r\n") + 4), index->bytes);
  EXPECT_EQ(Answer("GET /admin/index.html HTTP/1.1\r\n\r\n"), page);

  // Revalidation: the same ETag is a 304 without a body.
  const std::string again = Answer("GET /admin/ HTTP/1.1\r\nIf-None-Match: W/\"x\", " +
                                   std::string(index->etag) + "\r\n\r\n");
  EXPECT_THAT(again, StartsWith("HTTP/1.1 304 "));
  EXPECT_THAT(again, EndsWith("\r\n\r\n"));
  EXPECT_THAT(Answer("GET /admin/ HTTP/1.1\r\nIf-None-Match: \"other\"\r\n\r\n"),
              StartsWith("HTTP/1.1 200 "));

  // A directory without its slash: redirected, query kept (dev-auth pages).
  const std::string redirect = Answer("GET /demo?user_id=ann&role=admin HTTP/1.1\r\n\r\n");
  EXPECT_THAT(redirect, StartsWith("HTTP/1.1 301 "));
  EXPECT_THAT(redirect, HasSubstr("Location: /demo/?user_id=ann&role=admin\r\n"));

  EXPECT_THAT(Answer("HEAD /demo/ HTTP/1.1\r\n\r\n"), StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(Answer("POST /demo/ HTTP/1.1\r\n\r\n"), StartsWith("HTTP/1.1 405 "));
  EXPECT_THAT(Answer("GET /demo/missing.js HTTP/1.1\r\n\r\n"), StartsWith("HTTP/1.1 404 "));
  EXPECT_THAT(Answer("GET /demo/index.html/ HTTP/1.1\r\n\r\n"), StartsWith("HTTP/1.1 404 "));
}

TEST_F(FrontDoorTest, ABodyWhereNoneBelongsIsRefused) {
  EXPECT_THAT(Answer("GET /healthz HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"),
              StartsWith("HTTP/1.1 413 "));
}

TEST_F(FrontDoorTest, AnAdmittedUpgradeIsAnsweredWith101ForItsTopic) {
  auto served = Serve(Context(), Upgrade("/ws/comments/42?token=" + Token("ann")));
  EXPECT_THAT(served.bytes, StartsWith("HTTP/1.1 101 Switching Protocols\r\n"));
  ASSERT_EQ(served.upgrades.size(), 1u);
  EXPECT_EQ(served.upgrades[0].identity.user_id, "ann");
  EXPECT_EQ(served.upgrades[0].topic, "track_comments:42");
  served = Serve(Context(), Upgrade("/ws/notifications?token=" + Token("bob")));
  ASSERT_EQ(served.upgrades.size(), 1u);
  EXPECT_EQ(served.upgrades[0].topic, "notifications@bob");
}

TEST_F(FrontDoorTest, UpgradesAreRefusedInTheDocumentedOrder) {
  EXPECT_THAT(Answer(Upgrade("/ws/nope?token=" + Token("ann"))), StartsWith("HTTP/1.1 404 "));
  EXPECT_THAT(Answer(Upgrade("/ws/comments/%zz")), StartsWith("HTTP/1.1 400 "));
  EXPECT_THAT(Answer(Upgrade("/ws/broadcasts")), StartsWith("HTTP/1.1 401 "));
  EXPECT_THAT(Answer(Upgrade("/ws/broadcasts?token=garbage")), StartsWith("HTTP/1.1 401 "));
  EXPECT_THAT(Answer(Upgrade("/ws/book-requests/admin?token=" + Token("ann"))),
              StartsWith("HTTP/1.1 403 "));
  EXPECT_THAT(Answer(Upgrade("/ws/book-requests/admin?token=" + Token("ann", {"creator"}))),
              StartsWith("HTTP/1.1 101 "));
  EXPECT_THAT(Answer("GET /ws/broadcasts HTTP/1.1\r\n\r\n"), StartsWith("HTTP/1.1 426 "));
  Context().shutting_down = true;
  EXPECT_THAT(Answer(Upgrade("/ws/broadcasts?token=" + Token("ann"))), StartsWith("HTTP/1.1 503 "));
}

TEST_F(FrontDoorTest, TheOriginAllowListIsCheckedBeforeTheToken) {
  config_.allowed_origins = {"https://app.example.com"};
  EXPECT_THAT(Answer(Upgrade("/ws/broadcasts", "Origin: https://evil.example.com\r\n")),
              StartsWith("HTTP/1.1 403 "));
  EXPECT_THAT(Answer(Upgrade("/ws/broadcasts?token=" + Token("ann"),
                             "Origin: https://app.example.com\r\n")),
              StartsWith("HTTP/1.1 101 "));
}

std::string Comment(int id, std::string_view track = "42") {
  return R"({"type":"new_comment","track_id":")" + std::string(track) + R"(","data":{"id":)" +
         std::to_string(id) +
         R"(,"content":"c","author":"ann","timestamp":1.5,"created_at":"2026-12-04T10:00:00Z"}})";
}

std::string Get(std::string_view target, std::string_view key) {
  std::string request = "GET " + std::string(target) + " HTTP/1.1\r\nHost: x\r\n";
  if (!key.empty()) request += "Authorization: Bearer " + std::string(key) + "\r\n";
  return request + "\r\n";
}

std::string Body(const std::string& answer) { return answer.substr(answer.find("\r\n\r\n") + 4); }

TEST_F(FrontDoorTest, HistoryIsReadWithThePublisherKeyByTheWebSocketPath) {
  const std::string bearer = "Bearer " + std::string(kKey);
  for (int id = 1; id <= 3; ++id) {
    ASSERT_THAT(Answer(Publish(Comment(id), bearer)), StartsWith("HTTP/1.1 202"));
  }
  ASSERT_THAT(Answer(Publish(Comment(9, "7"), bearer)), StartsWith("HTTP/1.1 202"));

  const std::string newest = Answer(Get("/api/history/ws/comments/42?limit=2", kKey));
  ASSERT_THAT(newest, StartsWith("HTTP/1.1 200 OK\r\n"));
  const std::string body = Body(newest);
  const std::string epoch = body.substr(13, body.find(':', 13) - 13);  // {"position":"E:3"
  EXPECT_EQ(body, R"({"position":")" + epoch + R"(:3","complete":true,"events":[{"position":")" +
                      epoch + R"(:2","event":)" + Comment(2) + R"(},{"position":")" + epoch +
                      R"(:3","event":)" + Comment(3) + "}]}");

  // After a position: what follows it; at the newest: nothing.
  EXPECT_THAT(Body(Answer(Get("/api/history/ws/comments/42?since=" + epoch + ":1", kKey))),
              HasSubstr(R"("complete":true,"events":[{"position":")" + epoch + ":2\""));
  EXPECT_EQ(Body(Answer(Get("/api/history/ws/comments/42?since=" + epoch + ":3", kKey))),
            R"({"position":")" + epoch + R"(:3","complete":true,"events":[]})");
  // A position of another epoch cannot be continued from: said, and the
  // page starts at the oldest event kept.
  const std::string other = Body(Answer(Get("/api/history/ws/comments/42?since=old:2", kKey)));
  EXPECT_THAT(other, HasSubstr(R"("complete":false,"events":[{"position":")" + epoch + ":1\""));
  // Topics are apart.
  EXPECT_THAT(Body(Answer(Get("/api/history/ws/comments/7", kKey))), HasSubstr(R"("id":9)"));
}

TEST_F(FrontDoorTest, HistoryRequestsAreCheckedBeforeTheBusIsAsked) {
  EXPECT_THAT(Answer(Get("/api/history/ws/comments/42", "")), StartsWith("HTTP/1.1 401 "));
  EXPECT_THAT(Answer(Get("/api/history/ws/comments/42", "wrong")), StartsWith("HTTP/1.1 401 "));
  EXPECT_THAT(Answer(Get("/api/history/ws/nope", kKey)), StartsWith("HTTP/1.1 404 "));
  const std::string no_history = Answer(Get("/api/history/ws/broadcasts", kKey));
  EXPECT_THAT(no_history, StartsWith("HTTP/1.1 404 "));
  EXPECT_THAT(no_history, HasSubstr("keeps no history"));
  EXPECT_THAT(Answer(Get("/api/history/ws/notifications", kKey)), StartsWith("HTTP/1.1 400 "));
  EXPECT_THAT(Answer(Get("/api/history/ws/notifications?user=ann", kKey)),
              StartsWith("HTTP/1.1 200 "));
  EXPECT_THAT(Answer(Get("/api/history/ws/comments/42?user=ann", kKey)),
              StartsWith("HTTP/1.1 400 "));
  for (std::string_view bad : {"?since=x", "?since=now", "?limit=0", "?limit=1001", "?limit=-1"}) {
    EXPECT_THAT(Answer(Get("/api/history/ws/comments/42" + std::string(bad), kKey)),
                StartsWith("HTTP/1.1 400 "))
        << bad;
  }
  EXPECT_THAT(Answer("POST /api/history/ws/comments/42 HTTP/1.1\r\nContent-Length: 0\r\n\r\n"),
              StartsWith("HTTP/1.1 405 "));
}

}  // namespace
}  // namespace pubsub::gateway
