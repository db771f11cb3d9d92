#include "server/gateway/http_session.h"

#include <chrono>

#include <openssl/crypto.h>
#include <boost/asio/post.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include "google/protobuf/message.h"
#include "pubsub/internal/json_writer.h"
#include "pubsub/topic.h"
#include "server/auth/token_source.h"
#include "server/gateway/text.h"
#include "server/gateway/ws_session.h"
#include "server/websocket/handshake.h"
#include "spdlog/spdlog.h"

namespace pubsub::gateway {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

constexpr size_t kMaxHeaderBytes = 8 * 1024;

std::string JsonError(std::string_view message) {
  std::string out = "{\"error\":";
  internal::JsonWriter writer(out);
  writer.String(message);
  out.push_back('}');
  return out;
}

bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

int64_t NowUnixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

HttpSession::HttpSession(GatewayContext& context, size_t loop, asio::ip::tcp::socket socket)
    : context_(context), loop_(loop), stream_(std::move(socket)) {}

void HttpSession::Start() { ReadRequest(); }

void HttpSession::ReadRequest() {
  request_keep_alive_ = false;
  parser_.emplace();
  parser_->header_limit(kMaxHeaderBytes);
  parser_->body_limit(context_.config.max_body_bytes);
  stream_.expires_after(std::chrono::seconds(context_.config.handshake_timeout_seconds));
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code error, size_t bytes) {
                     self->OnRead(error, bytes);
                   });
}

void HttpSession::OnRead(beast::error_code error, size_t) {
  if (error == http::error::end_of_stream || error == asio::error::eof ||
      error == beast::error::timeout || error == asio::error::connection_reset ||
      error == asio::error::operation_aborted) {
    beast::error_code ignored;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
    return;
  }
  if (error == http::error::header_limit) {
    SendError(http::status::request_header_fields_too_large, "request headers too large", true);
    return;
  }
  if (error == http::error::body_limit) {
    SendError(http::status::payload_too_large,
              fmt::format("request body larger than {} bytes", context_.config.max_body_bytes),
              true);
    return;
  }
  if (error) {
    SendError(http::status::bad_request, "malformed HTTP request: " + error.message(), true);
    return;
  }
  context_.metrics.shard(loop_).http_requests.fetch_add(1, std::memory_order_relaxed);
  request_keep_alive_ = parser_->get().keep_alive();
  Request request = parser_->release();
  Handle(request);
}

void HttpSession::Handle(Request& request) {
  auto target = routing::ParseTarget(request.target());
  if (!target.ok()) {
    SendError(http::status::bad_request, View(target.status().message()));
    return;
  }
  const std::string_view path = target->path;

  if (path.starts_with("/ws/") || ws::IsWebSocketUpgrade(request)) {
    HandleUpgrade(request, *target);
    return;
  }
  if (path == "/api/publish") {
    if (request.method() != http::verb::post) {
      SendError(http::status::method_not_allowed, "use POST");
      return;
    }
    HandlePublish(request, *target);
    return;
  }
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    SendError(http::status::method_not_allowed, "use GET");
    return;
  }
  Response response{http::status::ok, request.version()};
  response.keep_alive(request.keep_alive());
  if (path == "/healthz") {
    response.set(http::field::content_type, "text/plain");
    response.body() = "ok\n";
  } else if (path == "/readyz") {
    const bool ready = context_.bus.IsReady() && !context_.shutting_down.load();
    response.result(ready ? http::status::ok : http::status::service_unavailable);
    response.set(http::field::content_type, "text/plain");
    response.body() =
        ready ? "ready\n" : (context_.shutting_down.load() ? "shutting down\n" : "bus not ready\n");
  } else if (path == "/metrics") {
    response.set(http::field::content_type, "text/plain; version=0.0.4");
    response.body() = context_.metrics.RenderPrometheus(context_.bus.IsReady());
  } else if (path == "/api/stats") {
    HandleStats(request, *target);
    return;
  } else {
    SendError(http::status::not_found, fmt::format("no such path: {}", path));
    return;
  }
  Send(std::move(response));
}

void HttpSession::HandleStats(const Request& request, const routing::RequestTarget& target) {
  std::string body =
      fmt::format(R"({{"connections":{},"users":{})", context_.presence.ConnectionCount(),
                  context_.presence.UserCount());
  if (target.query.user.has_value()) {
    const std::string& user = *target.query.user;
    const uint64_t count = context_.presence.ConnectionsOf(user);
    internal::JsonWriter writer(body);
    writer.Raw(",\"user\":");
    writer.String(user);
    body += fmt::format(R"(,"connected":{},"user_connections":{})", count > 0, count);
  }
  body.push_back('}');
  Response response{http::status::ok, request.version()};
  response.keep_alive(request.keep_alive());
  response.set(http::field::content_type, "application/json");
  response.body() = std::move(body);
  Send(std::move(response));
}

void HttpSession::HandleUpgrade(Request& request, const routing::RequestTarget& target) {
  auto reject = [this](http::status status, std::string_view reason) {
    context_.metrics.shard(loop_).handshake_rejects.fetch_add(1, std::memory_order_relaxed);
    SendError(status, reason, /*close=*/true);
  };
  auto route = context_.router.Match(target.path);
  if (!route.ok()) {
    reject(route.status().code() == absl::StatusCode::kNotFound ? http::status::not_found
                                                                : http::status::bad_request,
           View(route.status().message()));
    return;
  }
  if (!context_.config.allowed_origins.empty()) {
    auto origin = request.find(http::field::origin);
    if (origin != request.end()) {
      bool allowed = false;
      for (const auto& o : context_.config.allowed_origins) allowed |= (o == origin->value());
      if (!allowed) {
        reject(http::status::forbidden,
               fmt::format("origin not allowed: {}", std::string_view(origin->value())));
        return;
      }
    }
  }
  ws::UpgradeCheck handshake = ws::CheckUpgradeRequest(request);
  if (!handshake.ok()) {
    context_.metrics.shard(loop_).handshake_rejects.fetch_add(1, std::memory_order_relaxed);
    Response response = ws::MakeUpgradeRejection(handshake, request.version());
    response.keep_alive(false);
    Send(std::move(response));
    return;
  }

  // Who is this?
  auth::Identity identity;
  std::string subprotocol;
  if (context_.verifier == nullptr) {
    if (!target.query.user_id.has_value() || target.query.user_id->empty()) {
      reject(http::status::unauthorized, "missing user_id (the gateway runs with --dev-auth)");
      return;
    }
    identity.user_id = *target.query.user_id;
    identity.roles = target.query.roles;
    if (auth::OffersBearerSubprotocol(request)) subprotocol = auth::kBearerSubprotocol;
  } else {
    auto token = auth::FindToken(request, target.query);
    if (!token.ok()) {
      reject(http::status::unauthorized, View(token.status().message()));
      return;
    }
    auto verified = context_.verifier->Verify(token->token, NowUnixSeconds());
    if (!verified.ok()) {
      reject(http::status::unauthorized, View(verified.status().message()));
      return;
    }
    identity = std::move(*verified);
    subprotocol = token->subprotocol;
  }
  const ChannelInfo& channel = *route->channel;
  if (channel.access == Access::kRole) {
    bool has_role = false;
    for (const auto& role : identity.roles) has_role |= (role == channel.role);
    if (!has_role) {
      reject(http::status::forbidden,
             fmt::format("the {} channel requires role '{}'", channel.name, channel.role));
      return;
    }
  }
  if (context_.shutting_down.load()) {
    reject(http::status::service_unavailable, "server shutting down");
    return;
  }
  // Connected is enough: another topic's subscription still being confirmed
  // must not turn this client away. Our own topic's subscription is awaited
  // before the 101 (and a failure there is a 503 too).
  if (!context_.bus.IsConnected()) {
    reject(http::status::service_unavailable, "bus unavailable");
    return;
  }

  std::string topic = channel.access == Access::kPersonal
                          ? UserTopic(channel, identity.user_id)
                          : ChannelTopic(channel, route->scope_value);
  std::string response_101 = ws::BuildUpgradeResponse(handshake.key, subprotocol);
  // Bytes after the request (the client's first frames) go to the session.
  auto data = buffer_.data();
  std::string leftover(static_cast<const char*>(data.data()), data.size());
  stream_.expires_never();
  auto session = std::make_shared<WsSession>(context_, loop_, stream_.release_socket(),
                                             std::move(identity), channel, std::move(topic),
                                             std::move(response_101), std::move(leftover));
  session->Start();
}

void HttpSession::HandlePublish(Request& request, const routing::RequestTarget& target) {
  auto reject = [this](http::status status, std::string_view reason) {
    context_.metrics.publish_rejected.fetch_add(1, std::memory_order_relaxed);
    SendError(status, reason);
  };
  if (!context_.publisher_key.empty()) {
    auto authorization = request.find(http::field::authorization);
    std::string_view given;
    if (authorization != request.end()) given = authorization->value();
    if (!given.starts_with("Bearer ") ||
        !ConstantTimeEquals(given.substr(7), context_.publisher_key)) {
      reject(http::status::unauthorized, "missing or wrong publisher key");
      return;
    }
  } else if (context_.verifier != nullptr) {
    reject(http::status::forbidden,
           "publishing over HTTP is disabled: start the gateway with --publisher-key-file");
    return;
  }
  auto parsed = context_.registry.ParseJson(request.body());
  if (!parsed.ok()) {
    reject(http::status::bad_request, View(parsed.status().message()));
    return;
  }
  const unsigned version = request.version();
  const bool keep_alive = request.keep_alive();
  auto self = shared_from_this();
  context_.publisher.Publish(
      *parsed->info, *parsed->message, target.query.to,
      [self, version, keep_alive](absl::StatusOr<std::string> id) {
        asio::post(self->stream_.get_executor(), [self, version, keep_alive, id = std::move(id)] {
          if (!id.ok()) {
            self->context_.metrics.publish_rejected.fetch_add(1, std::memory_order_relaxed);
            const auto status = id.status().code() == absl::StatusCode::kInvalidArgument
                                    ? http::status::bad_request
                                    : http::status::service_unavailable;
            self->SendError(status, View(id.status().message()));
            return;
          }
          self->context_.metrics.events_published.fetch_add(1, std::memory_order_relaxed);
          Response response{http::status::accepted, version};
          response.keep_alive(keep_alive);
          response.set(http::field::content_type, "application/json");
          std::string body = "{\"id\":";
          internal::JsonWriter writer(body);
          writer.String(*id);
          body.push_back('}');
          response.body() = std::move(body);
          self->Send(std::move(response));
        });
      });
}

void HttpSession::SendError(http::status status, std::string_view message, bool close) {
  Response response{status, 11};
  response.set(http::field::content_type, "application/json");
  response.body() = JsonError(message);
  response.keep_alive(!close && request_keep_alive_);
  Send(std::move(response));
}

void HttpSession::Send(Response response) {
  response.set(http::field::server, "pubsub-gateway");
  response.prepare_payload();
  response_ = std::make_shared<Response>(std::move(response));
  const bool keep_alive = response_->keep_alive();
  stream_.expires_after(std::chrono::seconds(context_.config.handshake_timeout_seconds));
  http::async_write(stream_, *response_,
                    [self = shared_from_this(), keep_alive](beast::error_code error, size_t bytes) {
                      self->OnWrite(keep_alive, error, bytes);
                    });
}

void HttpSession::OnWrite(bool keep_alive, beast::error_code error, size_t) {
  response_.reset();
  if (error) return;
  if (!keep_alive || context_.shutting_down.load()) {
    beast::error_code ignored;
    stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    return;
  }
  ReadRequest();
}

}  // namespace pubsub::gateway
