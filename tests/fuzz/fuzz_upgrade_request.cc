// Fuzz target: an HTTP upgrade request as the gateway sees it — Beast parses
// the bytes, then the WebSocket handshake check (server/websocket/handshake.h),
// the token sources (server/auth/token_source.h) and the target parser run
// on whatever header Beast accepted.
//
// Checks: no crash; a request that passes the check has a 24-character key;
// the 101 response is one header block (no CR/LF injected through the
// subprotocol).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include <boost/beast/core/buffers_prefix.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

#include "server/auth/token_source.h"
#include "server/routing/target.h"
#include "server/websocket/handshake.h"

namespace {

namespace http = boost::beast::http;

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  http::request_parser<http::empty_body> parser;
  parser.header_limit(8 * 1024);
  parser.eager(true);
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (!parser.is_header_done()) return 0;
  const auto& request = parser.get();

  (void)pubsub::ws::IsWebSocketUpgrade(request);
  pubsub::ws::UpgradeCheck check = pubsub::ws::CheckUpgradeRequest(request);
  auto target = pubsub::routing::ParseTarget(
      std::string_view(request.target().data(), request.target().size()));
  absl::StatusOr<pubsub::auth::FoundToken> token =
      target.ok() ? pubsub::auth::FindToken(request, target->query)
                  : pubsub::auth::FindToken(request, std::nullopt);
  if (token.ok()) Check(!token->token.empty());
  if (check.ok()) {
    Check(check.key.size() == 24);
    std::string response = pubsub::ws::BuildUpgradeResponse(
        check.key, token.ok() ? std::string_view(token->subprotocol) : std::string_view());
    Check(response.find("\r\n\r\n") == response.size() - 4);
  } else {
    auto rejection = pubsub::ws::MakeUpgradeRejection(check, request.version());
    Check(!rejection.body().empty());
  }
  // Whatever the client offered as subprotocol, echoing it is safe.
  for (const auto& field : request) {
    std::string response = pubsub::ws::BuildUpgradeResponse(
        "dGhlIHNhbXBsZSBub25jZQ==", std::string_view(field.value().data(), field.value().size()));
    Check(response.find("\r\n\r\n") == response.size() - 4);
  }
  return 0;
}
