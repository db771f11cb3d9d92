#include "server/websocket/handshake.h"

#include <gtest/gtest.h>

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/string_body.hpp>

namespace pubsub::ws {
namespace {

namespace http = boost::beast::http;

http::request<http::empty_body> ValidRequest() {
  http::request<http::empty_body> req(http::verb::get, "/ws/comments/42", 11);
  req.set(http::field::host, "server.example.com");
  req.set(http::field::upgrade, "websocket");
  req.set(http::field::connection, "Upgrade");
  req.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  req.set(http::field::sec_websocket_version, "13");
  return req;
}

TEST(HandshakeTest, Rfc6455AcceptKey) {
  // RFC 6455 section 1.3.
  EXPECT_EQ(ComputeAcceptKey("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

TEST(HandshakeTest, ValidRequestPasses) {
  UpgradeCheck check = CheckUpgradeRequest(ValidRequest());
  EXPECT_TRUE(check.ok()) << check.reason;
  EXPECT_EQ(check.key, "dGhlIHNhbXBsZSBub25jZQ==");
  EXPECT_TRUE(check.reason.empty());
}

TEST(HandshakeTest, StringBodyRequestAccepted) {
  http::request<http::string_body> req(http::verb::get, "/ws/broadcasts", 11);
  req.set(http::field::upgrade, "websocket");
  req.set(http::field::connection, "upgrade");
  req.set(http::field::sec_websocket_key, "AQIDBAUGBwgJCgsMDQ4PEA==");
  req.set(http::field::sec_websocket_version, "13");
  EXPECT_TRUE(CheckUpgradeRequest(req).ok());
}

TEST(HandshakeTest, TokenListsAreCaseInsensitive) {
  auto req = ValidRequest();
  req.set(http::field::upgrade, "WebSocket");
  req.set(http::field::connection, "keep-alive, Upgrade");  // Firefox
  EXPECT_TRUE(CheckUpgradeRequest(req).ok());
  req.set(http::field::connection, "keep-alive");
  req.insert(http::field::connection, " UPGRADE ");  // a second Connection field
  EXPECT_TRUE(CheckUpgradeRequest(req).ok());
  req.set(http::field::upgrade, "h2c, websocket");
  EXPECT_TRUE(CheckUpgradeRequest(req).ok());
}

void ExpectRefused(const http::request<http::empty_body>& req, http::status status,
                   std::string_view reason_part) {
  UpgradeCheck check = CheckUpgradeRequest(req);
  EXPECT_FALSE(check.ok());
  EXPECT_EQ(check.status, status) << check.reason;
  EXPECT_NE(check.reason.find(reason_part), std::string::npos) << check.reason;
  EXPECT_TRUE(check.key.empty());
}

TEST(HandshakeTest, MethodMustBeGet) {
  auto req = ValidRequest();
  req.method(http::verb::post);
  ExpectRefused(req, http::status::method_not_allowed, "GET");
}

TEST(HandshakeTest, HttpVersionMustBe11) {
  auto req = ValidRequest();
  req.version(10);
  ExpectRefused(req, http::status::bad_request, "HTTP/1.1");
}

TEST(HandshakeTest, UpgradeHeaderRequired) {
  auto req = ValidRequest();
  req.erase(http::field::upgrade);
  ExpectRefused(req, http::status::upgrade_required, "Upgrade");
  EXPECT_FALSE(IsWebSocketUpgrade(req));
  req.set(http::field::upgrade, "websockets");
  ExpectRefused(req, http::status::upgrade_required, "Upgrade");
  req.set(http::field::upgrade, "h2c");
  ExpectRefused(req, http::status::upgrade_required, "Upgrade");
}

TEST(HandshakeTest, ConnectionMustListUpgrade) {
  auto req = ValidRequest();
  req.erase(http::field::connection);
  ExpectRefused(req, http::status::bad_request, "Connection");
  req.set(http::field::connection, "keep-alive, upgraded");
  ExpectRefused(req, http::status::bad_request, "Connection");
}

TEST(HandshakeTest, VersionMustBe13) {
  auto req = ValidRequest();
  req.erase(http::field::sec_websocket_version);
  ExpectRefused(req, http::status::bad_request, "missing Sec-WebSocket-Version");
  req.set(http::field::sec_websocket_version, "8");
  ExpectRefused(req, http::status::upgrade_required, "13");
  req.set(http::field::sec_websocket_version, "13, 8");
  ExpectRefused(req, http::status::upgrade_required, "13");
  req.set(http::field::sec_websocket_version, "13");
  req.insert(http::field::sec_websocket_version, "13");
  ExpectRefused(req, http::status::bad_request, "more than one");
}

TEST(HandshakeTest, KeyMustBeBase64Of16Bytes) {
  auto req = ValidRequest();
  req.erase(http::field::sec_websocket_key);
  ExpectRefused(req, http::status::bad_request, "missing Sec-WebSocket-Key");
  for (const char* bad :
       {"", "short", "dGhlIHNhbXBsZSBub25jZQ=",  // 23 chars
        "dGhlIHNhbXBsZSBub25jZQ==AAAA",          // 20 bytes
        "dGhlIHNhbXBsZSBub25jZ!==", "dGhlIHNhbXBsZSBub25jZQ=A", "dGhlIHNhbXBsZSBub25jZQAA"}) {
    req.set(http::field::sec_websocket_key, bad);
    SCOPED_TRACE(bad);
    ExpectRefused(req, http::status::bad_request, "Sec-WebSocket-Key");
  }
  req.set(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  req.insert(http::field::sec_websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  ExpectRefused(req, http::status::bad_request, "more than one");
}

TEST(HandshakeTest, UpgradeResponseBytes) {
  EXPECT_EQ(BuildUpgradeResponse("dGhlIHNhbXBsZSBub25jZQ=="),
            "HTTP/1.1 101 Switching Protocols\r\n"
            "Upgrade: websocket\r\n"
            "Connection: Upgrade\r\n"
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
            "\r\n");
  EXPECT_EQ(BuildUpgradeResponse("dGhlIHNhbXBsZSBub25jZQ==", "bearer"),
            "HTTP/1.1 101 Switching Protocols\r\n"
            "Upgrade: websocket\r\n"
            "Connection: Upgrade\r\n"
            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
            "Sec-WebSocket-Protocol: bearer\r\n"
            "\r\n");
}

TEST(HandshakeTest, SubprotocolThatIsNotATokenIsNotEchoed) {
  std::string response =
      BuildUpgradeResponse("dGhlIHNhbXBsZSBub25jZQ==", "bearer\r\nSet-Cookie: x=1");
  EXPECT_EQ(response.find("Set-Cookie"), std::string::npos);
  EXPECT_EQ(response.find("Sec-WebSocket-Protocol"), std::string::npos);
  EXPECT_TRUE(IsHttpToken("chat.v2"));
  EXPECT_FALSE(IsHttpToken("a b"));
  EXPECT_FALSE(IsHttpToken(""));
}

TEST(HandshakeTest, RejectionResponses) {
  auto req = ValidRequest();
  req.set(http::field::sec_websocket_version, "8");
  auto response = MakeUpgradeRejection(CheckUpgradeRequest(req), 11);
  EXPECT_EQ(response.result(), http::status::upgrade_required);
  EXPECT_EQ(response[http::field::sec_websocket_version], "13");
  EXPECT_EQ(response[http::field::upgrade], "websocket");
  EXPECT_NE(response.body().find("13"), std::string::npos);

  req = ValidRequest();
  req.method(http::verb::put);
  response = MakeUpgradeRejection(CheckUpgradeRequest(req), 11);
  EXPECT_EQ(response.result(), http::status::method_not_allowed);
  EXPECT_EQ(response[http::field::allow], "GET");

  req = ValidRequest();
  req.erase(http::field::sec_websocket_key);
  response = MakeUpgradeRejection(CheckUpgradeRequest(req), 11);
  EXPECT_EQ(response.result(), http::status::bad_request);
  EXPECT_EQ(response.body(), "missing Sec-WebSocket-Key\n");
  EXPECT_EQ(response[http::field::content_length], "26");
}

}  // namespace
}  // namespace pubsub::ws
