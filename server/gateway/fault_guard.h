// The last-resort guard around the gateway's I/O handlers. Nothing we call
// is meant to throw (bad input is a Status, not an exception), but a bug or
// an exhausted allocator must cost one connection, not the process: an
// exception escaping a handler would unwind through Asio's run() and end the
// loop thread (std::terminate in practice).
//
//   void HttpSession::OnRead(error_code error, size_t bytes) {
//     GuardHandler(context_.metrics, Component::kHttp, stream_.socket(),
//                  [&] { ProcessInput(error, bytes); },
//                  [&] { CloseNow(); });   // that connection only
//   }
//
// The exception is logged once per occurrence with the peer's address and
// counted on /metrics (pubsub_handler_exceptions_total{component=...}).
#ifndef PUBSUB_SERVER_GATEWAY_FAULT_GUARD_H_
#define PUBSUB_SERVER_GATEWAY_FAULT_GUARD_H_

#include <exception>
#include <string>

#include <boost/asio/ip/tcp.hpp>

#include "server/gateway/metrics.h"
#include "spdlog/spdlog.h"

namespace pubsub::gateway {

// "127.0.0.1:5555", or "unknown peer" once the socket is closed.
inline std::string PeerOf(const boost::asio::ip::tcp::socket& socket) {
  boost::system::error_code error;
  const auto endpoint = socket.remote_endpoint(error);
  if (error) return "unknown peer";
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

// Runs `handler`; if it throws, logs and counts the exception and runs
// `on_fault`, which should close the one connection concerned (and must not
// throw itself: it is called from a catch block).
template <class Handler, class OnFault>
void GuardHandler(Metrics& metrics, Component component, const boost::asio::ip::tcp::socket& socket,
                  Handler&& handler, OnFault&& on_fault) noexcept {
  try {
    handler();
    return;
  } catch (const std::exception& e) {
    spdlog::error("{}: internal error serving {}, closing that connection: {}",
                  ComponentName(component), PeerOf(socket), e.what());
  } catch (...) {
    spdlog::error("{}: internal error serving {}, closing that connection",
                  ComponentName(component), PeerOf(socket));
  }
  metrics.CountException(component);
  try {
    on_fault();
  } catch (...) {
    // Nothing is left to do for that connection; the loop goes on.
  }
}

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_GATEWAY_FAULT_GUARD_H_
