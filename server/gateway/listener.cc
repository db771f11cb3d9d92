#include "server/gateway/listener.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <string_view>

#include <boost/asio/post.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "pubsub/log.h"
#include "server/gateway/fault_guard.h"
#include "server/gateway/http_session.h"
#include "spdlog/spdlog.h"

namespace pubsub::gateway {
namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct Listener::Acceptor {
  Acceptor(asio::io_context& io, size_t index) : loop(index), acceptor(io), pause(io) {}
  size_t loop;
  tcp::acceptor acceptor;
  asio::steady_timer pause;
  int spare_fd = -1;
};

namespace {

// "127.0.0.1:8080" or "[::1]:8080": the address as --listen takes it.
std::string ListenFlagValue(const tcp::endpoint& endpoint) {
  const std::string host = endpoint.address().to_string();
  return endpoint.address().is_v6() ? absl::StrCat("[", host, "]:", endpoint.port())
                                    : absl::StrCat(host, ":", endpoint.port());
}

absl::Status ListenError(const tcp::endpoint& endpoint, const boost::system::error_code& error,
                         const std::string& in_use_hint) {
  if (error == asio::error::address_in_use) {
    return absl::UnavailableError(absl::StrCat("--listen ", ListenFlagValue(endpoint),
                                               ": address already in use (", in_use_hint, ")"));
  }
  return absl::UnavailableError(
      absl::StrCat("--listen ", ListenFlagValue(endpoint), ": cannot listen: ", error.message()));
}

// Refuses an address that another socket listens on, and resolves port 0.
//
// The acceptors set SO_REUSEPORT (one per loop, the kernel spreading
// connections among them), so binding them would silently join any other
// process that set it too — a second gateway started by mistake would take
// half the connections. A probe socket with SO_REUSEADDR (so that connections
// of a previous run in TIME_WAIT do not count) but without SO_REUSEPORT
// cannot bind where anyone listens: EADDRINUSE then means "taken". The probe
// is closed before the acceptors bind; a process that grabs the port in
// between (microseconds) makes the acceptors fail or, if it set SO_REUSEPORT
// itself, share the port.
absl::StatusOr<tcp::endpoint> ProbeUnused(asio::io_context& io, const tcp::endpoint& requested) {
  tcp::acceptor probe(io);
  boost::system::error_code error;
  probe.open(requested.protocol(), error);
  if (!error) probe.set_option(tcp::acceptor::reuse_address(true), error);
  if (!error) probe.bind(requested, error);
  if (error) {
    return ListenError(requested, error,
                       "another process listens there; pass --reuse-port to share the port "
                       "deliberately");
  }
  tcp::endpoint bound = probe.local_endpoint(error);
  if (error) return ListenError(requested, error, "");
  return bound;
}

// Logs "out of file descriptors" at most once a minute, process-wide, with
// the number of occurrences in between.
void WarnOutOfDescriptors(const boost::system::error_code& error) {
  static LogLimiter limiter(1, std::chrono::minutes(1));
  if (auto permit = limiter.Allow()) {
    spdlog::warn(
        "listener: cannot accept ({}): refusing new connections until descriptors "
        "free up; open connections are unaffected{}",
        error.message(), SuppressedNote(permit.suppressed));
  }
}

}  // namespace

Listener::Listener(GatewayContext& context) : context_(context) {}

Listener::~Listener() {
  for (auto& acceptor : acceptors_) {
    if (acceptor->spare_fd >= 0) ::close(acceptor->spare_fd);
  }
}

absl::Status Listener::Bind(const tcp::endpoint& requested) {
  tcp::endpoint endpoint = requested;
  if (!context_.config.reuse_port && context_.loops.size() > 0) {
    auto unused = ProbeUnused(context_.loops.loop(0), requested);
    if (!unused.ok()) return unused.status();
    endpoint = *unused;
  }
  for (size_t i = 0; i < context_.loops.size(); ++i) {
    auto acceptor = std::make_unique<Acceptor>(context_.loops.loop(i), i);
    boost::system::error_code error;
    acceptor->acceptor.open(endpoint.protocol(), error);
    if (!error) acceptor->acceptor.set_option(tcp::acceptor::reuse_address(true), error);
    if (!error) {
      int one = 1;
      if (::setsockopt(acceptor->acceptor.native_handle(), SOL_SOCKET, SO_REUSEPORT, &one,
                       sizeof(one)) != 0) {
        error.assign(errno, boost::system::system_category());
      }
    }
    if (!error) acceptor->acceptor.bind(endpoint, error);
    if (!error) acceptor->acceptor.listen(asio::socket_base::max_listen_connections, error);
    if (error) {
      return ListenError(endpoint, error,
                         context_.config.reuse_port
                             ? "another process listens there without SO_REUSEPORT, so the port "
                               "cannot be shared"
                             : "another process took the port while the gateway was starting");
    }
    // With port 0 (and --reuse-port) the first bind picks the port; the
    // others share it.
    endpoint = acceptor->acceptor.local_endpoint();
    port_ = endpoint.port();
    acceptor->spare_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    acceptors_.push_back(std::move(acceptor));
  }
  return absl::OkStatus();
}

void Listener::Start() {
  for (auto& acceptor : acceptors_) {
    Acceptor* a = acceptor.get();
    asio::post(a->acceptor.get_executor(), [this, a] { Accept(*a); });
  }
}

void Listener::Stop() {
  for (auto& acceptor : acceptors_) {
    Acceptor* a = acceptor.get();
    asio::post(a->acceptor.get_executor(), [a] {
      boost::system::error_code ignored;
      a->acceptor.close(ignored);
      a->pause.cancel();
    });
  }
}

void Listener::Accept(Acceptor& a) {
  a.acceptor.async_accept([this, &a](boost::system::error_code error, tcp::socket socket) {
    if (error == asio::error::operation_aborted || !a.acceptor.is_open()) return;
    if (error == asio::error::no_descriptors || error.value() == ENFILE ||
        error == asio::error::no_buffer_space || error == asio::error::no_memory) {
      context_.metrics.accept_errors.fetch_add(1, std::memory_order_relaxed);
      WarnOutOfDescriptors(error);
      // Use the spare descriptor to take waiting connections off the backlog
      // and close them, so that clients are refused, not left hanging. The
      // other loops compete for freed descriptors: a spare lost to them is
      // taken back as soon as one is free again.
      if (a.spare_fd < 0) a.spare_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
      boost::system::error_code ignored;
      a.acceptor.non_blocking(true, ignored);  // never block the loop here
      for (int i = 0; i < 64 && a.spare_fd >= 0; ++i) {
        ::close(a.spare_fd);
        boost::system::error_code refuse_error;
        tcp::socket refused(a.acceptor.get_executor());
        a.acceptor.accept(refused, refuse_error);
        refused.close(ignored);
        a.spare_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (refuse_error) break;  // backlog empty, or the descriptor went to another loop
        context_.metrics.accept_errors.fetch_add(1, std::memory_order_relaxed);
      }
      a.pause.expires_after(std::chrono::milliseconds(100));
      a.pause.async_wait([this, &a](boost::system::error_code e) {
        if (!e) Accept(a);
      });
      return;
    }
    if (!error) {
      boost::system::error_code ignored;
      socket.set_option(tcp::no_delay(true), ignored);
      socket.non_blocking(true, ignored);
      // Whatever happens to this connection, the listener goes on accepting.
      GuardHandler(
          context_.metrics, Component::kHttp, socket,
          [&] { std::make_shared<HttpSession>(context_, a.loop, std::move(socket))->Start(); },
          [&] { socket.close(ignored); });
    } else {
      context_.metrics.accept_errors.fetch_add(1, std::memory_order_relaxed);
      spdlog::warn("listener: accept failed: {}", error.message());
    }
    Accept(a);
  });
}

}  // namespace pubsub::gateway
