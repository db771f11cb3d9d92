// Listener: accepts TCP connections on every loop (one SO_REUSEPORT acceptor
// per loop, so the kernel spreads connections and no loop hands sockets to
// another) and starts an HttpSession for each.
//
// An address that another process listens on is refused ("--listen
// 127.0.0.1:8080: address already in use ...") unless --reuse-port asks to
// share it: SO_REUSEPORT alone would let a second gateway silently take half
// of the first one's connections.
//
// Out of file descriptors (EMFILE/ENFILE): the listener keeps one spare
// descriptor; it frees it, accepts and at once closes the waiting connection
// (the client sees a clean close, not a hang), reopens the spare, logs once a
// minute at most, counts it in /metrics, and pauses accepting briefly — so
// there is no busy loop and the connections already open keep being served.
#ifndef PUBSUB_SERVER_GATEWAY_LISTENER_H_
#define PUBSUB_SERVER_GATEWAY_LISTENER_H_

#include <memory>
#include <vector>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include "absl/status/status.h"
#include "server/gateway/gateway_context.h"

namespace pubsub::gateway {

class Listener {
 public:
  explicit Listener(GatewayContext& context);
  ~Listener();

  // Binds `endpoint` on every loop. The bound port (useful with port 0) is
  // then available from port(). Unavailable with a message naming --listen
  // when the address is taken (see above) or cannot be bound.
  absl::Status Bind(const boost::asio::ip::tcp::endpoint& endpoint);
  unsigned short port() const { return port_; }

  void Start();
  // Stops accepting (thread-safe; returns at once).
  void Stop();

 private:
  struct Acceptor;
  void Accept(Acceptor& acceptor);

  GatewayContext& context_;
  std::vector<std::unique_ptr<Acceptor>> acceptors_;
  unsigned short port_ = 0;
};

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_GATEWAY_LISTENER_H_
