// HttpSession: one accepted TCP connection while it speaks HTTP/1.1.
//
// Serves the operations endpoints (/healthz, /readyz, /metrics, /api/stats),
// the publish endpoint (POST /api/publish), and WebSocket upgrades on the
// schema's paths. An upgrade is checked entirely before anything is sent back
// (path 404, Origin 403, handshake 400/426, token 401, role 403), then the
// socket is handed to a WsSession, which answers 101 once its topic is
// subscribed. Requests on one keep-alive connection are handled strictly one
// after another, so one connection's publishes keep their order.
//
// Limits: the handshake timeout bounds the time to read a request; headers
// are capped at 8 KiB (431) and bodies at --max-body-bytes (413).
#ifndef PUBSUB_SERVER_GATEWAY_HTTP_SESSION_H_
#define PUBSUB_SERVER_GATEWAY_HTTP_SESSION_H_

#include <memory>
#include <optional>

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "server/gateway/gateway_context.h"
#include "server/routing/target.h"

namespace pubsub::gateway {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  using Response = boost::beast::http::response<boost::beast::http::string_body>;

  HttpSession(GatewayContext& context, size_t loop, boost::asio::ip::tcp::socket socket);
  void Start();

 private:
  void ReadRequest();
  void OnRead(boost::beast::error_code error, size_t bytes);
  void Handle(Request& request);
  void HandleUpgrade(Request& request, const routing::RequestTarget& target);
  void HandlePublish(Request& request, const routing::RequestTarget& target);
  void HandleStats(const Request& request, const routing::RequestTarget& target);
  void Send(Response response);
  void SendError(boost::beast::http::status status, std::string_view message, bool close = false);
  void OnWrite(bool keep_alive, boost::beast::error_code error, size_t bytes);

  GatewayContext& context_;
  const size_t loop_;
  boost::beast::tcp_stream stream_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  bool request_keep_alive_ = false;
  std::shared_ptr<Response> response_;  // kept alive while it is written
};

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_GATEWAY_HTTP_SESSION_H_
