#include "server/gateway/http_session.h"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include "server/gateway/connection_log.h"
#include "server/gateway/fault_guard.h"
#include "server/gateway/text.h"
#include "server/gateway/ws_session.h"
#include "server/http/response.h"
#include "spdlog/spdlog.h"

namespace pubsub::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
using Event = http::RequestReader::Event;
using Kind = FrontDoor::Decision::Kind;

// What a lingering close reads and drops.
thread_local char discard_buffer[16 * 1024];

bool ExpectsContinue(const http::Request& request) {
  auto it = request.find(beast::http::field::expect);
  return it != request.end() && beast::iequals(it->value(), "100-continue");
}

}  // namespace

HttpSession::HttpSession(GatewayContext& context, size_t loop, asio::ip::tcp::socket socket)
    : context_(context),
      loop_(loop),
      stream_(std::move(socket)),
      peer_(PeerOf(stream_.socket())),
      reader_(context.http_limits) {}

template <class F>
void HttpSession::Guarded(F&& handler) {
  GuardHandler(context_.metrics, Component::kHttp, stream_.socket(), std::forward<F>(handler),
               [this] { CloseNow(); });
}

void HttpSession::Start() {
  stream_.expires_after(std::chrono::seconds(context_.config.handshake_timeout_seconds));
  Guarded([this] { Process(); });
}

void HttpSession::Read() {
  std::span<char> space = reader_.ReadSpace();
  stream_.async_read_some(asio::buffer(space.data(), space.size()),
                          [self = shared_from_this()](beast::error_code error, size_t bytes) {
                            self->Guarded([&] { self->OnRead(error, bytes); });
                          });
}

void HttpSession::OnRead(beast::error_code error, size_t bytes) {
  if (error == asio::error::eof) {
    reader_.CommitEof();
  } else if (error) {
    // Timeout, reset, or the loop stopping: nobody is left to answer.
    if (error == beast::error::timeout) spdlog::debug("http: {} timed out", peer_);
    return CloseNow();
  } else {
    reader_.Commit(bytes);
  }
  Process();
}

void HttpSession::Process() {
  for (;;) {
    switch (reader_.Next()) {
      case Event::kNeedMore:
        return Read();
      case Event::kClosed:
        return CloseNow();
      case Event::kError:
        return Respond(http::JsonError(reader_.error().status, reader_.error().reason),
                       After::kClose);
      case Event::kHeader: {
        context_.metrics.shard(loop_).http_requests.fetch_add(1, std::memory_order_relaxed);
        decision_ = FrontDoor(context_, loop_).OnHeader(reader_.request(), peer_);
        if (decision_.kind == Kind::kRefuse) {
          return Respond(std::move(decision_.response), After::kClose);
        }
        if (decision_.kind != Kind::kReadBody) {
          reader_.ReadBody(0);
          break;
        }
        reader_.ReadBody(decision_.body_limit);
        if (ExpectsContinue(reader_.request()) && !reader_.complete()) {
          return Write(std::string(http::kContinue), After::kReadBody);
        }
        break;
      }
      case Event::kRequest:
        return OnRequest();
    }
  }
}

void HttpSession::OnRequest() {
  switch (decision_.kind) {
    case Kind::kRespond:
    case Kind::kRefuse: {
      const bool keep_alive = reader_.request().keep_alive();
      return Respond(std::move(decision_.response),
                     keep_alive ? After::kNextRequest : After::kClose);
    }
    case Kind::kUpgrade:
      return StartUpgrade();
    case Kind::kReadBody:
      break;
  }
  FrontDoor(context_, loop_)
      .OnBody(reader_.request(), decision_, peer_,
              [self = shared_from_this()](http::Response response) {
                // From the bus's thread (or from within OnBody): back to our loop.
                asio::post(self->stream_.get_executor(),
                           [self, response = std::move(response)]() mutable {
                             self->Guarded([&] {
                               const bool keep_alive = self->reader_.request().keep_alive();
                               self->Respond(std::move(response),
                                             keep_alive ? After::kNextRequest : After::kClose);
                             });
                           });
              });
}

void HttpSession::Respond(http::Response response, After after) {
  const unsigned status = response.result_int();
  if (status >= 400) {
    context_.metrics.CountHttpError(loop_, status);
    if (auto permit = ConnectionLog()) {
      const http::Request& request = reader_.request();
      spdlog::info("http: refused {} {} {}: {} {}{}", peer_,
                   std::string_view(request.method_string()),
                   LoggablePath(std::string_view(request.target())), status,
                   std::string_view(response.body()), SuppressedNote(permit));
    }
  }
  if (after == After::kNextRequest && context_.shutting_down.load()) after = After::kClose;
  if (after == After::kClose) response.keep_alive(false);
  const bool head = reader_.request().method() == beast::http::verb::head;
  const size_t body_size = response.body().size();
  std::string bytes = http::Serialize(std::move(response));
  if (head) bytes.resize(bytes.size() - body_size);
  Write(std::move(bytes), after);
}

void HttpSession::Write(std::string bytes, After after) {
  out_ = std::move(bytes);
  stream_.expires_after(std::chrono::seconds(context_.config.handshake_timeout_seconds));
  asio::async_write(stream_, asio::buffer(out_),
                    [self = shared_from_this(), after](beast::error_code error, size_t) {
                      self->Guarded([&] { self->OnWritten(after, error); });
                    });
}

void HttpSession::OnWritten(After after, beast::error_code error) {
  out_.clear();
  out_.shrink_to_fit();
  if (error) return CloseNow();
  switch (after) {
    case After::kReadBody:
      return Process();
    case After::kNextRequest:
      reader_.NextRequest();
      stream_.expires_after(std::chrono::seconds(context_.config.handshake_timeout_seconds));
      return Process();
    case After::kClose:
      return Linger();
  }
}

void HttpSession::StartUpgrade() {
  std::string leftover(reader_.Buffered());
  stream_.expires_never();
  auto session = std::make_shared<WsSession>(context_, loop_, stream_.release_socket(),
                                             std::move(decision_.admitted), std::move(leftover));
  session->Start([self = shared_from_this()](asio::ip::tcp::socket socket, absl::Status status) {
    self->Guarded([&] { self->RefuseUpgrade(std::move(socket), status); });
  });
}

void HttpSession::RefuseUpgrade(asio::ip::tcp::socket socket, const absl::Status& status) {
  stream_.socket() = std::move(socket);
  context_.metrics.shard(loop_).handshake_rejects.fetch_add(1, std::memory_order_relaxed);
  Respond(http::JsonError(http::Status::service_unavailable,
                          fmt::format("bus unavailable: {}", View(status.message()))),
          After::kClose);
}

// Stop sending, then read and drop what the client still sends, so that it
// reads our answer instead of a reset; bounded in time and bytes.
void HttpSession::Linger() {
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  if (lingered_ == 0) stream_.expires_after(kLingerTime);
  stream_.async_read_some(asio::buffer(discard_buffer),
                          [self = shared_from_this()](beast::error_code error, size_t bytes) {
                            self->lingered_ += bytes + 1;
                            if (error || self->lingered_ > kLingerBytes) return self->CloseNow();
                            self->Guarded([&] { self->Linger(); });
                          });
}

void HttpSession::CloseNow() {
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.socket().close(ignored);
}

}  // namespace pubsub::gateway
