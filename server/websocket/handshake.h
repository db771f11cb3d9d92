// The server side of the WebSocket opening handshake (RFC 6455 section 4.2):
// validate an HTTP upgrade request that Beast parsed, compute
// Sec-WebSocket-Accept, and build the 101 response bytes that the gateway
// writes itself before switching the socket to its own framing.
//
//   http::request<http::empty_body> req = ...;  // from Beast's parser
//   ws::UpgradeCheck check = ws::CheckUpgradeRequest(req);
//   if (!check.ok()) return Write(ws::MakeUpgradeRejection(check, req.version()));
//   ... authenticate, route ...
//   std::string response = ws::BuildUpgradeResponse(check.key, /*subprotocol=*/"bearer");
//   async_write(socket, asio::buffer(response), ...);
#ifndef PUBSUB_SERVER_WEBSOCKET_HANDSHAKE_H_
#define PUBSUB_SERVER_WEBSOCKET_HANDSHAKE_H_

#include <string>
#include <string_view>

#include <boost/beast/http/fields.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>

namespace pubsub::ws {

// The outcome of CheckUpgradeRequest.
struct UpgradeCheck {
  // ok when the request is a valid WebSocket upgrade; otherwise the status to
  // answer with: 400 (bad request), 405 (not GET), 426 (no WebSocket upgrade,
  // or a Sec-WebSocket-Version other than 13).
  boost::beast::http::status status = boost::beast::http::status::ok;
  // Why the request was refused ("missing Sec-WebSocket-Key"); empty when ok.
  std::string reason;
  // The client's Sec-WebSocket-Key, when ok.
  std::string key;

  bool ok() const { return status == boost::beast::http::status::ok; }
};

// Whether the request asks for a WebSocket upgrade at all (an Upgrade header
// listing "websocket"): lets the gateway tell a WebSocket attempt from plain
// HTTP on the same path.
bool IsWebSocketUpgrade(const boost::beast::http::request_header<>& request);

// Validates a WebSocket upgrade request: method GET, HTTP/1.1 or later,
// Upgrade listing "websocket", Connection listing "upgrade" (both token lists,
// case-insensitive), exactly one Sec-WebSocket-Version, equal to 13, and
// exactly one Sec-WebSocket-Key that is base64 of 16 bytes. Accepts both
// request<empty_body> and request<string_body> (they derive from the header).
UpgradeCheck CheckUpgradeRequest(const boost::beast::http::request_header<>& request);

// Sec-WebSocket-Accept for `key`: base64(SHA-1(key + RFC 6455's GUID)).
std::string ComputeAcceptKey(std::string_view key);

// Whether `value` is an HTTP token (RFC 7230 tchar+), the syntax of a
// subprotocol name: what BuildUpgradeResponse is willing to echo.
bool IsHttpToken(std::string_view value);

// The complete "HTTP/1.1 101 Switching Protocols" response for `key`, with
// Sec-WebSocket-Protocol: `subprotocol` when it is non-empty. A subprotocol
// that is not an HTTP token is left out rather than written (it could carry
// CR/LF into the response).
std::string BuildUpgradeResponse(std::string_view key, std::string_view subprotocol = {});

// The error response for a failed check: check.status, a text/plain body with
// the reason, Sec-WebSocket-Version: 13 and Upgrade: websocket on 426,
// Allow: GET on 405. `http_version` is the request's (10 or 11).
boost::beast::http::response<boost::beast::http::string_body> MakeUpgradeRejection(
    const UpgradeCheck& check, unsigned http_version);

}  // namespace pubsub::ws

#endif  // PUBSUB_SERVER_WEBSOCKET_HANDSHAKE_H_
