// FrontDoor: what the gateway answers to an HTTP request, without I/O.
//
// The HTTP session reads a request's header and asks OnHeader what to do:
//   kRespond   the request has no body (an empty one is read to be sure) and
//              gets `response`: /healthz, /readyz, /metrics, /api/stats,
//              /api/schema, then the embedded static files (server/web/:
//              web/ at /, client/dist/ at /client/), and 404/405 for the rest;
//   kRefuse    answer `response` at once and close, without reading a body:
//              a publish without the publisher key (or the admin role), a
//              refused upgrade;
//   kReadBody  read a body of at most `body_limit` bytes, then OnBody, which
//              answers later: POST /api/publish (once its key was checked: a
//              peer without the key never makes the gateway hold a body),
//              POST /api/admin/publish (once the admin role was checked; see
//              admin.h), GET /api/history/..., /api/stats over the cluster
//              and /api/admin/overview (no body; the answer awaits the bus);
//   kUpgrade   a WebSocket upgrade that Admission let through.
// OnBody publishes the event or reads the history, and answers through `done`.
//
// Why sans-IO: the whole front door (request bytes in, response bytes out)
// is unit tested and fuzzed without sockets (tests/fuzz/fuzz_front_door.cc).
//
// Thread-safety: a FrontDoor is a view of the gateway's shared state; use it
// on the loop it was made for.
#ifndef PUBSUB_SERVER_GATEWAY_FRONT_DOOR_H_
#define PUBSUB_SERVER_GATEWAY_FRONT_DOOR_H_

#include <cstddef>
#include <functional>
#include <optional>
#include <string_view>

#include "server/gateway/admission.h"
#include "server/gateway/gateway_context.h"
#include "server/history/history_query.h"
#include "server/http/request_reader.h"
#include "server/http/response.h"
#include "server/routing/target.h"

namespace pubsub::gateway {

class FrontDoor {
 public:
  struct Decision {
    enum class Kind { kRespond, kRefuse, kReadBody, kUpgrade };
    Kind kind = Kind::kRespond;
    http::Response response;        // kRespond, kRefuse
    size_t body_limit = 0;          // kReadBody
    routing::RequestTarget target;  // kReadBody: handed back to OnBody
    // kReadBody for GET /api/history/...: the validated query.
    std::optional<history_api::HistoryQuery> history;
    // kReadBody for GET /api/stats over the whole cluster (asks the bus).
    bool cluster_stats = false;
    // kReadBody for GET /api/admin/overview (asks the bus for the cluster's share).
    bool admin_overview = false;
    // kReadBody for a publish: who counts it (POST /api/admin/publish: kAdmin).
    PublishSource source = PublishSource::kHttp;
    Admitted admitted;  // kUpgrade
  };
  using Done = std::function<void(http::Response)>;

  FrontDoor(GatewayContext& context, size_t loop) : context_(context), loop_(loop) {}

  // Decides from the request line and header. `peer` is for logs.
  Decision OnHeader(const http::Request& request, std::string_view peer) const;

  // Answers a request OnHeader let through with kReadBody (`decision` is
  // what it returned): publishes the body's event (202 {"id":...}), reads
  // the history page or the cluster's presence (200). `done` runs exactly once, with that or the
  // refusal, on any thread (the bus's, or this one before OnBody returns).
  void OnBody(const http::Request& request, const Decision& decision, std::string_view peer,
              Done done) const;

 private:
  Decision Stats(const http::Request& request, const routing::RequestTarget& target) const;
  Decision History(const http::Request& request, const routing::RequestTarget& target) const;
  void ClusterStats(const routing::RequestTarget& target, Done done) const;
  Decision Admin(const http::Request& request, const routing::RequestTarget& target) const;
  void AdminOverview(Done done) const;
  void Publish(const http::Request& request, const routing::RequestTarget& target,
               PublishSource source, std::string_view peer, Done done) const;
  Decision Upgrade(const http::Request& request, const routing::RequestTarget& target) const;

  GatewayContext& context_;
  const size_t loop_;
};

// The HTTP status for a refusal with this canonical code.
http::Status HttpStatusOf(const absl::Status& status);

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_GATEWAY_FRONT_DOOR_H_
