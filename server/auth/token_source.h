// Where a WebSocket client's token comes from, in order of precedence:
//   1. "Authorization: Bearer <token>" (non-browser clients);
//   2. the "token" query parameter (?token=<token>);
//   3. the Sec-WebSocket-Protocol header, by the convention that a browser
//      offers two subprotocols, "bearer" and the token itself:
//        new WebSocket(url, ["bearer", token])
//      -> Sec-WebSocket-Protocol: bearer, <token>
//
// Whenever the client offered the "bearer" subprotocol (wherever the token
// was found), `subprotocol` is "bearer": the gateway must echo it in the 101
// response, because a browser fails a connection whose server selects none
// of the subprotocols it offered.
//
//   auto target = routing::ParseTarget(request.target());
//   auto found = auth::FindToken(request, target->query);
//   if (!found.ok()) return Reply(401, found.status().message());  // "missing token"
//   auto identity = verifier.Verify(found->token, now);
//   ... ws::BuildUpgradeResponse(check.key, found->subprotocol);
#ifndef PUBSUB_SERVER_AUTH_TOKEN_SOURCE_H_
#define PUBSUB_SERVER_AUTH_TOKEN_SOURCE_H_

#include <optional>
#include <string>
#include <string_view>

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>

#include "absl/status/statusor.h"
#include "server/routing/target.h"

namespace pubsub::auth {

// The subprotocol name of the token convention.
inline constexpr std::string_view kBearerSubprotocol = "bearer";

struct FoundToken {
  enum class Source { kAuthorizationHeader, kQueryParameter, kSubprotocol };

  std::string token;
  Source source = Source::kAuthorizationHeader;
  // "bearer" when the client offered that subprotocol (echo it), else empty.
  std::string subprotocol;
};

// Finds the token of `request`; `query` is the request target's parsed query
// (routing::ParseTarget), whose `token` is the query parameter. Unauthenticated
// with a short reason: "missing token" when there is none anywhere, "empty
// bearer token" for "Authorization: Bearer" with nothing after it,
// "bearer subprotocol without a token" when "bearer" is the last subprotocol
// offered and no other source has a token. Authorization headers with another
// scheme ("Basic ...") are not ours and are skipped.
absl::StatusOr<FoundToken> FindToken(const boost::beast::http::request_header<>& request,
                                     const routing::QueryParams& query);

// Whether the client offered the "bearer" subprotocol: then the 101 response
// must select it, also when the token came from elsewhere or when no token is
// needed (--dev-auth), or a browser fails the connection.
bool OffersBearerSubprotocol(const boost::beast::http::request_header<>& request);

// The same with the query parameter's value given directly.
absl::StatusOr<FoundToken> FindToken(const boost::beast::http::request_header<>& request,
                                     std::optional<std::string_view> query_token);

}  // namespace pubsub::auth

#endif  // PUBSUB_SERVER_AUTH_TOKEN_SOURCE_H_
