#include "server/gateway/front_door.h"

#include <chrono>
#include <optional>

#include "google/protobuf/message.h"
#include "pubsub/catalogue.h"
#include "pubsub/internal/json_writer.h"
#include "server/gateway/admin.h"
#include "server/gateway/text.h"
#include "server/web/assets.h"
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

// Whether If-None-Match lists `etag` (or is "*"); weak comparison, as RFC
// 9110 section 13.1.2 asks for GET.
bool NoneMatch(const http::Request& request, std::string_view etag) {
  auto it = request.find(field::if_none_match);
  if (it == request.end()) return false;
  std::string_view list(it->value().data(), it->value().size());
  while (!list.empty()) {
    const size_t comma = list.find(',');
    std::string_view item = list.substr(0, comma);
    list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (item.starts_with("W/")) item.remove_prefix(2);
    if (item == "*" || item == etag) return true;
  }
  return false;
}

// GET/HEAD of an embedded file (server/web/assets.h): 200 with its bytes,
// 304 when the client has them, 301 from a directory to its '/'; nullopt
// when no file has this path.
std::optional<http::Response> StaticFile(const http::Request& request, std::string_view path) {
  web::AssetLookup found = web::FindAsset(web::EmbeddedAssets(), path);
  if (!found.redirect.empty()) {
    // The query goes along: /admin?user_id=ann&role=admin keeps its dev-auth.
    const std::string_view raw(request.target().data(), request.target().size());
    if (const size_t query = raw.find('?'); query != std::string_view::npos) {
      found.redirect += raw.substr(query);
    }
    http::Response response =
        http::MakeResponse(http::Status::moved_permanently, "text/plain; charset=utf-8", "");
    response.set(field::location, found.redirect);
    return response;
  }
  if (found.asset == nullptr) return std::nullopt;
  const web::Asset& asset = *found.asset;
  http::Response response =
      NoneMatch(request, asset.etag)
          ? http::MakeResponse(http::Status::not_modified, asset.content_type, "")
          : http::MakeResponse(http::Status::ok, asset.content_type, std::string(asset.bytes));
  response.set(field::etag, asset.etag);
  // Revalidated on every use (the ETag makes that a 304): a new gateway
  // build's page is never mixed with an old cached script.
  response.set(field::cache_control, "no-cache");
  response.set("X-Content-Type-Options", "nosniff");
  if (asset.path.starts_with("/admin/")) {
    // The admin page runs with an admin's token: only its own files, no
    // inline script, never in a frame.
    response.set("Content-Security-Policy",
                 "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; "
                 "base-uri 'none'; form-action 'none'");
    response.set("Referrer-Policy", "no-referrer");
  }
  return response;
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
  if (path.starts_with("/api/admin/")) return Admin(request, *target);
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
  // Last, so that no file can shadow an API path.
  if (auto file = StaticFile(request, path)) return Respond(*std::move(file));
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

Decision FrontDoor::Admin(const http::Request& request,
                          const routing::RequestTarget& target) const {
  const std::string_view path = target.path;
  const bool publish = path == kAdminPublishPath;
  if (!publish && path != kAdminOverviewPath) {
    return Respond(http::JsonError(http::Status::not_found, fmt::format("no such path: {}", path)));
  }
  const bool method_ok = publish ? request.method() == verb::post
                                 : request.method() == verb::get || request.method() == verb::head;
  if (!method_ok) {
    http::Response response =
        http::JsonError(http::Status::method_not_allowed, publish ? "use POST" : "use GET");
    response.set(field::allow, publish ? "POST" : "GET, HEAD");
    return Respond(std::move(response));
  }
  auto admin = Admission(context_).AdminIdentity(request, target, NowUnixSeconds());
  if (!admin.ok()) {
    http::Response refusal =
        http::JsonError(HttpStatusOf(admin.status()), View(admin.status().message()));
    if (!publish) return Respond(std::move(refusal));
    // Like a publish without the key: refused before its body is read.
    context_.metrics.publish_rejected.fetch_add(1, std::memory_order_relaxed);
    context_.metrics.events.Refused(PublishSource::kAdmin, RefusalReason::kUnauthorized);
    return Refuse(std::move(refusal));
  }
  Decision decision;
  decision.kind = Kind::kReadBody;
  decision.target = target;
  if (publish) {
    decision.body_limit = context_.config.max_body_bytes;
    decision.source = PublishSource::kAdmin;
    decision.admin = std::move(admin->user_id);
  } else {
    decision.body_limit = 0;
    decision.admin_overview = true;
  }
  return decision;
}

void FrontDoor::AdminOverview(Done done) const {
  context_.bus.QueryPresence("", [replica = StartAdminOverview(context_), done = std::move(done)](
                                     absl::StatusOr<PresenceTotals> totals) mutable {
    done(http::MakeResponse(http::Status::ok, "application/json",
                            FinishAdminOverview(std::move(replica), totals)));
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
  if (decision.admin_overview) return AdminOverview(std::move(done));
  if (!decision.history) {
    if (decision.source == PublishSource::kAdmin) {
      // An admin acting as a publisher: worth a line in the log, always.
      spdlog::info("admin: {} ({}) publishes from the console ({} bytes, {} targets)",
                   decision.admin, peer, request.body().size(), decision.target.query.to.size());
    }
    return Publish(request, decision.target, decision.source, peer, std::move(done));
  }
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
                        PublishSource source, std::string_view peer, Done done) const {
  Metrics& metrics = context_.metrics;
  auto parsed = context_.registry.ParseJson(request.body());
  if (!parsed.ok()) {
    metrics.publish_rejected.fetch_add(1, std::memory_order_relaxed);
    metrics.events.Refused(source, RefusalReason::kInvalid);
    return done(http::JsonError(http::Status::bad_request, View(parsed.status().message())));
  }
  spdlog::debug("http: {} publishes {} ({} targets)", peer, parsed->info->type,
                target.query.to.size());
  context_.publisher.Publish(
      *parsed->info, *parsed->message, target.query.to, ToEventSource(source),
      [&metrics, source, type = metrics.events.TypeIndex(parsed->info),
       done = std::move(done)](absl::StatusOr<std::string> id) {
        if (!id.ok()) {
          metrics.publish_rejected.fetch_add(1, std::memory_order_relaxed);
          const absl::Status& status = id.status();
          metrics.events.Refused(source, absl::IsInvalidArgument(status)
                                             ? RefusalReason::kInvalid
                                             : RefusalReason::kUnavailable);
          // A refusal by the bus other than bad input means it is down.
          return done(http::JsonError(status.code() == absl::StatusCode::kInvalidArgument
                                          ? http::Status::bad_request
                                          : http::Status::service_unavailable,
                                      View(status.message())));
        }
        metrics.events.Published(source, type);
        std::string body = "{\"id\":";
        internal::JsonWriter writer(body);
        writer.String(*id);
        body.push_back('}');
        done(http::MakeResponse(http::Status::accepted, "application/json", std::move(body)));
      });
}

}  // namespace pubsub::gateway
