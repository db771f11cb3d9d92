#include "server/gateway/front_door.h"

#include <chrono>
#include <optional>

#include "google/protobuf/message.h"
#include "pubsub/catalogue.h"
#include "pubsub/internal/json_writer.h"
#include "server/gateway/text.h"
#include "server/websocket/handshake.h"
#include "spdlog/spdlog.h"

namespace pubsub::gateway {
namespace {

namespace beast = boost::beast;
using beast::http::field;
using beast::http::verb;
using Decision = FrontDoor::Decision;
using Kind = Decision::Kind;

int64_t NowUnixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// /api/stats?user=ID: whether that user is connected, and with how many sockets.
void AppendUser(std::string& body, const std::optional<std::string>& user, uint64_t connections) {
  if (!user.has_value()) return;
  internal::JsonWriter writer(body);
  writer.Raw(",\"user\":");
  writer.String(*user);
  body += fmt::format(R"(,"connected":{},"user_connections":{})", connections > 0, connections);
}

Decision Respond(http::Response response) {
  Decision decision;
  decision.kind = Kind::kRespond;
  decision.response = std::move(response);
  return decision;
}

Decision Refuse(http::Response response) {
  Decision decision;
  decision.kind = Kind::kRefuse;
  response.keep_alive(false);
  decision.response = std::move(response);
  return decision;
}

std::optional<std::string_view> Authorization(const http::Request& request) {
  auto it = request.find(field::authorization);
  if (it == request.end()) return std::nullopt;
  return std::string_view(it->value().data(), it->value().size());
}

// GET /api/history/ws/comments/42: the history of the topic that the
// WebSocket path after the prefix names.
constexpr std::string_view kHistoryPrefix = "/api/history";

}  // namespace

http::Status HttpStatusOf(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
      return http::Status::bad_request;
    case absl::StatusCode::kUnauthenticated:
      return http::Status::unauthorized;
    case absl::StatusCode::kPermissionDenied:
      return http::Status::forbidden;
    case absl::StatusCode::kNotFound:
      return http::Status::not_found;
    case absl::StatusCode::kResourceExhausted:
      return http::Status::payload_too_large;
    case absl::StatusCode::kInternal:
    case absl::StatusCode::kUnknown:
      return http::Status::internal_server_error;
    default:
      return http::Status::service_unavailable;
  }
}

Decision FrontDoor::OnHeader(const http::Request& request, std::string_view peer) const {
  auto target = routing::ParseTarget({request.target().data(), request.target().size()});
  if (!target.ok()) {
    return Respond(http::JsonError(http::Status::bad_request, View(target.status().message())));
  }
  const std::string_view path = target->path;
  if (path.starts_with("/ws/") || ws::IsWebSocketUpgrade(request)) {
    return Upgrade(request, *target);
  }
  if (path == "/api/publish") {
    if (request.method() != verb::post) {
      http::Response response = http::JsonError(http::Status::method_not_allowed, "use POST");
      response.set(field::allow, "POST");
      return Respond(std::move(response));
    }
    if (absl::Status allowed = context_.publisher_key.Check(Authorization(request));
        !allowed.ok()) {
      context_.metrics.publish_rejected.fetch_add(1, std::memory_order_relaxed);
      context_.metrics.events.Refused(PublishSource::kHttp, RefusalReason::kUnauthorized);
      return Refuse(http::JsonError(HttpStatusOf(allowed), View(allowed.message())));
    }
    Decision decision;
    decision.kind = Kind::kReadBody;
    decision.body_limit = context_.config.max_body_bytes;
    decision.target = *std::move(target);
    return decision;
  }
  if (request.method() != verb::get && request.method() != verb::head) {
    http::Response response = http::JsonError(http::Status::method_not_allowed, "use GET");
    response.set(field::allow, "GET, HEAD");
    return Respond(std::move(response));
  }
  if (path == "/healthz")
    return Respond(http::MakeResponse(http::Status::ok, "text/plain", "ok\n"));
  if (path == "/readyz") {
    const bool shutting_down = context_.shutting_down.load();
    const bool ready = !shutting_down && context_.bus.IsReady();
    return Respond(http::MakeResponse(
        ready ? http::Status::ok : http::Status::service_unavailable, "text/plain",
        ready ? "ready\n" : (shutting_down ? "shutting down\n" : "bus not ready\n")));
  }
  if (path == "/metrics") {
    return Respond(http::MakeResponse(http::Status::ok, "text/plain; version=0.0.4",
                                      context_.metrics.RenderPrometheus(context_.bus.IsReady())));
  }
  if (path == "/api/stats") return Stats(request, *target);
  if (path.starts_with(kHistoryPrefix)) return History(request, *target);
  if (path == "/api/schema") {
    // The catalogue of the registered schemas, for the CLI and tools: the
    // public contract, like the browser JSON, so no key is needed.
    static constexpr CatalogueInfo kCatalogue{
        .title = "pubsub-gateway",
        .version = "0.0.0",
        .description = "The channels and events of the schemas this gateway serves."};
    return Respond(http::MakeResponse(http::Status::ok, "application/json",
                                      WriteAsyncApi(context_.registry, kCatalogue)));
  }
  return Respond(http::JsonError(http::Status::not_found, fmt::format("no such path: {}", path)));
}

Decision FrontDoor::Stats(const http::Request& request,
                          const routing::RequestTarget& target) const {
  // Who is connected is as private as what is published: with a publisher
  // key configured, the statistics need it too.
  if (!context_.publisher_key.key.empty()) {
    if (absl::Status allowed = context_.publisher_key.Check(Authorization(request));
        !allowed.ok()) {
      return Respond(http::JsonError(HttpStatusOf(allowed), View(allowed.message())));
    }
  }
  if (target.query.scope.value_or("cluster") == "cluster") {
    // Every replica's share, from the bus: answered once it replies.
    Decision decision;
    decision.kind = Kind::kReadBody;
    decision.body_limit = 0;
    decision.target = target;
    decision.cluster_stats = true;
    return decision;
  }
  const Presence& presence = context_.presence;
  std::string body = fmt::format(R"({{"scope":"replica","connections":{},"users":{})",
                                 presence.ConnectionCount(), presence.UserCount());
  AppendUser(body, target.query.user, presence.ConnectionsOf(target.query.user.value_or("")));
  body.push_back('}');
  return Respond(http::MakeResponse(http::Status::ok, "application/json", std::move(body)));
}

void FrontDoor::ClusterStats(const routing::RequestTarget& target, Done done) const {
  const std::optional<std::string> user = target.query.user;
  context_.bus.QueryPresence(
      user.value_or(""), [user, done = std::move(done)](absl::StatusOr<PresenceTotals> totals) {
        if (!totals.ok()) {
          const absl::Status& status = totals.status();
          return done(http::JsonError(
              absl::IsInvalidArgument(status) ? http::Status::internal_server_error
                                              : http::Status::service_unavailable,
              fmt::format("cluster statistics unavailable ({}); ?scope=replica reports this "
                          "replica alone",
                          View(status.message()))));
        }
        std::string body = fmt::format(
            R"({{"scope":"cluster","replicas":{},"connections":{},"users":{},"users_exact":{})",
            totals->replicas, totals->connections, totals->users, totals->users_exact);
        AppendUser(body, user, totals->user_connections);
        body.push_back('}');
        done(http::MakeResponse(http::Status::ok, "application/json", std::move(body)));
      });
}

Decision FrontDoor::Upgrade(const http::Request& request,
                            const routing::RequestTarget& target) const {
  auto admitted = Admission(context_).Admit(request, target, NowUnixSeconds());
  if (auto* refusal = std::get_if<http::Response>(&admitted)) {
    context_.metrics.shard(loop_).handshake_rejects.fetch_add(1, std::memory_order_relaxed);

    return Refuse(std::move(*refusal));
  }
  Decision decision;
  decision.kind = Kind::kUpgrade;
  decision.admitted = std::get<Admitted>(std::move(admitted));
  return decision;
}

Decision FrontDoor::History(const http::Request& request,
                            const routing::RequestTarget& target) const {
  // What was published is read with the key that publishes it.
  if (absl::Status allowed = context_.publisher_key.Check(Authorization(request)); !allowed.ok()) {
    return Respond(http::JsonError(HttpStatusOf(allowed), View(allowed.message())));
  }
  auto route = context_.router.Match(std::string_view(target.path).substr(kHistoryPrefix.size()));
  if (!route.ok()) {
    return Respond(http::JsonError(HttpStatusOf(route.status()), View(route.status().message())));
  }
  const routing::QueryParams& query = target.query;
  auto history =
      history_api::MakeHistoryQuery(*route->channel, route->scope_value, query.user.value_or(""),
                                    query.since.value_or(""), query.limit.value_or(""));
  if (!history.ok()) {
    return Respond(
        http::JsonError(HttpStatusOf(history.status()), View(history.status().message())));
  }
  Decision decision;
  decision.kind = Kind::kReadBody;
  decision.body_limit = 0;
  decision.history = *std::move(history);
  return decision;
}

void FrontDoor::OnBody(const http::Request& request, const Decision& decision,
                       std::string_view peer, Done done) const {
  if (decision.cluster_stats) return ClusterStats(decision.target, std::move(done));
  if (!decision.history) return Publish(request, decision.target, peer, std::move(done));
  history_api::ReadHistoryPage(
      context_.bus, context_.registry, *decision.history,
      [done = std::move(done)](absl::StatusOr<history_api::HistoryPage> page) {
        if (!page.ok()) {
          return done(http::JsonError(HttpStatusOf(page.status()), View(page.status().message())));
        }
        done(http::MakeResponse(http::Status::ok, "application/json",
                                history_api::RenderPageJson(*page)));
      });
}

void FrontDoor::Publish(const http::Request& request, const routing::RequestTarget& target,
                        std::string_view peer, Done done) const {
  Metrics& metrics = context_.metrics;
  auto parsed = context_.registry.ParseJson(request.body());
  if (!parsed.ok()) {
    metrics.publish_rejected.fetch_add(1, std::memory_order_relaxed);
    metrics.events.Refused(PublishSource::kHttp, RefusalReason::kInvalid);
    return done(http::JsonError(http::Status::bad_request, View(parsed.status().message())));
  }
  spdlog::debug("http: {} publishes {} ({} targets)", peer, parsed->info->type,
                target.query.to.size());
  context_.publisher.Publish(
      *parsed->info, *parsed->message, target.query.to,
      [&metrics, type = metrics.events.TypeIndex(parsed->info),
       done = std::move(done)](absl::StatusOr<std::string> id) {
        if (!id.ok()) {
          metrics.publish_rejected.fetch_add(1, std::memory_order_relaxed);
          const absl::Status& status = id.status();
          metrics.events.Refused(PublishSource::kHttp, absl::IsInvalidArgument(status)
                                                           ? RefusalReason::kInvalid
                                                           : RefusalReason::kUnavailable);
          // A refusal by the bus other than bad input means it is down.
          return done(http::JsonError(status.code() == absl::StatusCode::kInvalidArgument
                                          ? http::Status::bad_request
                                          : http::Status::service_unavailable,
                                      View(status.message())));
        }
        metrics.events.Published(PublishSource::kHttp, type);
        std::string body = "{\"id\":";
        internal::JsonWriter writer(body);
        writer.String(*id);
        body.push_back('}');
        done(http::MakeResponse(http::Status::accepted, "application/json", std::move(body)));
      });
}

}  // namespace pubsub::gateway
