// HttpSession: one accepted TCP connection while it speaks HTTP/1.1: the I/O
// around the sans-IO front door.
//
// It reads into an http::RequestReader (every byte a peer can make it hold is
// bounded: see HttpLimits), asks the FrontDoor what to do with each request,
// and writes the answer. Requests on one keep-alive connection are handled
// strictly one after another (the next is not even parsed before the answer
// to the previous one is written), so one connection's publishes keep their
// order and at most one publish per connection is in flight.
//
// An admitted WebSocket upgrade hands the socket to a WsSession, which sends
// the 101 once its topic is subscribed; if the subscription fails, the
// session hands the socket back and this one answers 503.
//
// Limits: the whole request (header and body) must arrive within
// --handshake-timeout-seconds; after a refusal that closes the connection,
// what the client still sends is read and dropped for at most kLingerTime
// or kLingerBytes, so that it sees the refusal rather than a reset.
// Handlers run under the last-resort guard (fault_guard.h).
#ifndef PUBSUB_SERVER_GATEWAY_HTTP_SESSION_H_
#define PUBSUB_SERVER_GATEWAY_HTTP_SESSION_H_

#include <chrono>
#include <memory>
#include <string>

#include <boost/beast/core/tcp_stream.hpp>

#include "absl/status/status.h"
#include "server/gateway/front_door.h"
#include "server/gateway/gateway_context.h"
#include "server/http/request_reader.h"

namespace pubsub::gateway {

class HttpSession : public std::enable_shared_from_this<HttpSession> {
 public:
  static constexpr auto kLingerTime = std::chrono::seconds(2);
  static constexpr size_t kLingerBytes = 256 * 1024;

  HttpSession(GatewayContext& context, size_t loop, boost::asio::ip::tcp::socket socket);
  void Start();

 private:
  // What happens once a response is written.
  enum class After { kNextRequest, kReadBody, kClose };

  void Read();
  void OnRead(boost::beast::error_code error, size_t bytes);
  // Drives the reader until it needs input or an answer is on its way.
  void Process();
  void OnRequest();
  void Respond(http::Response response, After after);
  void Write(std::string bytes, After after);
  void OnWritten(After after, boost::beast::error_code error);
  void StartUpgrade();
  void RefuseUpgrade(boost::asio::ip::tcp::socket socket, const absl::Status& status);
  void Linger();
  void CloseNow();
  template <class F>
  void Guarded(F&& handler);

  GatewayContext& context_;
  const size_t loop_;
  boost::beast::tcp_stream stream_;
  const std::string peer_;  // for logs
  http::RequestReader reader_;
  FrontDoor::Decision decision_;  // for the current request
  std::string out_;               // the bytes being written
  size_t lingered_ = 0;
};

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_GATEWAY_HTTP_SESSION_H_
