#include "server/auth/token_source.h"

#include <gtest/gtest.h>

#include <boost/beast/http/empty_body.hpp>

namespace pubsub::auth {
namespace {

namespace http = boost::beast::http;
using Source = FoundToken::Source;

http::request<http::empty_body> Request() {
  return http::request<http::empty_body>(http::verb::get, "/ws/broadcasts", 11);
}

std::string Message(const absl::Status& status) { return std::string(status.message()); }

TEST(TokenSourceTest, AuthorizationBearer) {
  auto req = Request();
  req.set(http::field::authorization, "Bearer abc.def.ghi");
  auto found = FindToken(req, std::nullopt);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->token, "abc.def.ghi");
  EXPECT_EQ(found->source, Source::kAuthorizationHeader);
  EXPECT_EQ(found->subprotocol, "");
  req.set(http::field::authorization, "  bearer   tok  ");  // scheme is case-insensitive
  EXPECT_EQ(FindToken(req, std::nullopt)->token, "tok");
  req.set(http::field::authorization, "BEARER\ttok");
  EXPECT_EQ(FindToken(req, std::nullopt)->token, "tok");
}

TEST(TokenSourceTest, EmptyBearerIsAnError) {
  auto req = Request();
  req.set(http::field::authorization, "Bearer ");
  auto found = FindToken(req, std::string_view("query-token"));
  EXPECT_TRUE(absl::IsUnauthenticated(found.status()));
  EXPECT_EQ(Message(found.status()), "empty bearer token");
  req.set(http::field::authorization, "Bearer");
  EXPECT_EQ(Message(FindToken(req, std::nullopt).status()), "empty bearer token");
}

TEST(TokenSourceTest, OtherSchemesAreSkipped) {
  auto req = Request();
  req.set(http::field::authorization, "Basic YWxhZGRpbjpvcGVuc2VzYW1l");
  auto found = FindToken(req, std::string_view("from-query"));
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->token, "from-query");
  EXPECT_EQ(found->source, Source::kQueryParameter);
  req.set(http::field::authorization, "Bearerish x");
  EXPECT_EQ(Message(FindToken(req, std::nullopt).status()), "missing token");
}

TEST(TokenSourceTest, QueryParameterFromParsedTarget) {
  auto req = Request();
  routing::QueryParams query;
  query.token = "q.t.k";
  auto found = FindToken(req, query);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->token, "q.t.k");
  EXPECT_EQ(found->source, Source::kQueryParameter);
}

TEST(TokenSourceTest, Subprotocol) {
  auto req = Request();
  req.set(http::field::sec_websocket_protocol, "bearer, eyJ.eyJ.sig");
  auto found = FindToken(req, std::nullopt);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_EQ(found->token, "eyJ.eyJ.sig");
  EXPECT_EQ(found->source, Source::kSubprotocol);
  EXPECT_EQ(found->subprotocol, "bearer");
  // Split over two header fields, with other protocols around.
  req.set(http::field::sec_websocket_protocol, "chat, bearer");
  req.insert(http::field::sec_websocket_protocol, "tok2 ,x");
  found = FindToken(req, std::nullopt);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->token, "tok2");
  EXPECT_EQ(found->subprotocol, "bearer");
}

TEST(TokenSourceTest, BearerSubprotocolWithoutToken) {
  auto req = Request();
  req.set(http::field::sec_websocket_protocol, "bearer");
  EXPECT_EQ(Message(FindToken(req, std::nullopt).status()), "bearer subprotocol without a token");
  // ... but a token elsewhere is fine, and "bearer" is still echoed.
  auto found = FindToken(req, std::string_view("q"));
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->token, "q");
  EXPECT_EQ(found->subprotocol, "bearer");
}

TEST(TokenSourceTest, PrecedenceHeaderThenQueryThenSubprotocol) {
  auto req = Request();
  req.set(http::field::sec_websocket_protocol, "bearer, from-subprotocol");
  auto found = FindToken(req, std::string_view("from-query"));
  EXPECT_EQ(found->token, "from-query");
  EXPECT_EQ(found->subprotocol, "bearer");  // offered: must be echoed
  req.set(http::field::authorization, "Bearer from-header");
  found = FindToken(req, std::string_view("from-query"));
  EXPECT_EQ(found->token, "from-header");
  EXPECT_EQ(found->source, Source::kAuthorizationHeader);
  EXPECT_EQ(found->subprotocol, "bearer");
}

TEST(TokenSourceTest, OffersBearerSubprotocol) {
  auto req = Request();
  EXPECT_FALSE(OffersBearerSubprotocol(req));
  req.set(http::field::sec_websocket_protocol, "chat");
  EXPECT_FALSE(OffersBearerSubprotocol(req));
  req.insert(http::field::sec_websocket_protocol, "x, bearer");
  EXPECT_TRUE(OffersBearerSubprotocol(req));
}

TEST(TokenSourceTest, NoTokenAnywhere) {
  auto req = Request();
  req.set(http::field::sec_websocket_protocol, "chat, superchat");
  auto found = FindToken(req, std::nullopt);
  EXPECT_TRUE(absl::IsUnauthenticated(found.status()));
  EXPECT_EQ(Message(found.status()), "missing token");
  EXPECT_EQ(Message(FindToken(Request(), routing::QueryParams()).status()), "missing token");
  // "Bearer" as a subprotocol name is case-sensitive.
  req.set(http::field::sec_websocket_protocol, "Bearer, tok");
  EXPECT_EQ(Message(FindToken(req, std::nullopt).status()), "missing token");
}

}  // namespace
}  // namespace pubsub::auth
