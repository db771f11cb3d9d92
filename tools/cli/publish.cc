// pubsub publish: validate an event against the linked schema, then publish
// it through a gateway's HTTP endpoint, its gRPC port, or straight to Redis.
#include <future>
#include <iostream>
#include <iterator>
#include <memory>
#include <vector>

#include <grpcpp/grpcpp.h>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "pubsub/publisher.grpc.pb.h"
#include "pubsub/publisher.h"
#include "pubsub/redis_target.h"
#include "pubsub/registry.h"
#include "server/auth/jwt.h"
#include "tools/cli/args.h"
#include "tools/cli/cli.h"
#include "tools/cli/commands.h"
#include "tools/cli/http_client.h"

namespace pubsub::cli {
namespace {

constexpr char kCommand[] = "publish";

constexpr std::string_view kHelp =
    R"help(pubsub publish: validate an event against the schema and publish it.

Usage:
  pubsub publish TYPE JSON [--to USER ...] --gateway http://HOST:PORT [--key-file FILE]
  pubsub publish TYPE JSON [--to USER ...] --grpc HOST:PORT [--key-file FILE]
  pubsub publish TYPE JSON [--to USER ...] --redis redis://HOST:PORT[/DB] [--prefix P]

TYPE is the event's type string (e.g. new_comment). JSON is the event as browsers
receive it, with or without its "type" (if present it must equal TYPE); "-" reads
it from standard input. The event is checked against the schema first (exit 3 if
it does not match), then sent to exactly one destination; on success its event id
is printed on standard output.

Example:
  pubsub publish new_comment '{"track_id":"42","data":{"id":7,"content":"hi",
      "author":"ann","timestamp":12.5,"created_at":"2026-11-25T10:00:00Z"}}' \
      --gateway http://127.0.0.1:8080 --key-file publisher-key

Destinations (exactly one):
  --gateway URL     A gateway's HTTP endpoint (POST URL/api/publish).
  --grpc HOST:PORT  A gateway's gRPC port (pubsub.v1.Publisher/Publish).
  --redis URL       Redis directly, as a C++ service would (the gateways must use
                    the same Redis and prefix): redis://[:PASSWORD@]HOST[:PORT][/DB],
                    or a Redis Cluster: redis-cluster://HOST:PORT[,HOST:PORT...].

Flags:
  --to USER         Deliver only to this user (repeatable). Required on a personal
                    channel (e.g. notifications); elsewhere it restricts delivery to
                    these users among the subscribers.
  --key-file FILE   The gateway's publisher key (sent as "Authorization: Bearer KEY").
  --prefix P        Redis channel prefix. Default: pubsub:
  --timeout SECONDS Give up after this long. Default: 10

)help";

constexpr FlagSpec kFlags[] = {
    {"--to", true, true}, {"--gateway", true}, {"--grpc", true},    {"--redis", true},
    {"--key-file", true}, {"--prefix", true},  {"--timeout", true},
};

// What to send, once validated.
struct Event {
  const EventInfo* info = nullptr;
  std::unique_ptr<google::protobuf::Message> message;
  std::string json;  // the browser JSON, "type" included
  std::vector<std::string> targets;
};

// The publisher's rules that the registry alone does not check.
absl::Status CheckTargets(const EventInfo& info, const std::vector<std::string>& targets) {
  for (const std::string& user : targets) {
    if (user.empty()) return absl::InvalidArgumentError("--to: a user id must not be empty");
  }
  if (info.channel->access == Access::kPersonal && targets.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("event type \"", absl::string_view(info.type.data(), info.type.size()),
                     "\" is on personal channel \"",
                     absl::string_view(info.channel->name.data(), info.channel->name.size()),
                     "\": give at least one --to USER"));
  }
  return absl::OkStatus();
}

int ViaGateway(Io io, const std::string& gateway, const std::string& key, const Event& event,
               std::chrono::milliseconds timeout) {
  auto url = ParseUrl(gateway, {"http"});
  if (!url.ok())
    return UsageError(io, kCommand, absl::StrCat("--gateway: ", url.status().message()));
  // A gateway behind a path prefix: http://proxy/pubsub -> /pubsub/api/publish.
  std::string target = url->target.substr(0, url->target.find('?'));
  while (!target.empty() && target.back() == '/') target.pop_back();
  target += "/api/publish";
  for (size_t i = 0; i < event.targets.size(); ++i) {
    target += (i == 0 ? "?to=" : "&to=") + QueryEscape(event.targets[i]);
  }
  std::vector<std::pair<std::string, std::string>> headers = {{"Content-Type", "application/json"}};
  if (!key.empty()) headers.emplace_back("Authorization", "Bearer " + key);
  auto response = Fetch("POST", *url, target, event.json, headers, timeout);
  if (!response.ok()) return Fail(io, kCommand, response.status().message(), kExitFailure);

  // The gateway's errors are {"error":"..."}; show the reason itself.
  boost::system::error_code error;
  const boost::json::value body = boost::json::parse(response->body, error);
  auto field = [&](std::string_view name) -> std::string {
    if (error || !body.is_object()) return "";
    const auto* value = body.get_object().if_contains(name);
    return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
  };
  if (response->status == 202 && !field("id").empty()) {
    io.out << field("id") << "\n";
    return kExitOk;
  }
  const std::string reason = field("error").empty() ? response->body : field("error");
  const std::string message =
      absl::StrCat("the gateway refused the event (HTTP ", response->status, "): ", reason);
  // 400 and 413: the event itself; anything else: key, readiness, bus.
  const bool bad_event = response->status == 400 || response->status == 413;
  return Fail(io, kCommand, message, bad_event ? kExitInvalidEvent : kExitFailure);
}

int ViaGrpc(Io io, const std::string& address, const std::string& key, const Event& event,
            std::chrono::milliseconds timeout) {
  if (address.find("://") != std::string::npos || address.find(':') == std::string::npos) {
    return UsageError(io, kCommand, "--grpc: expected HOST:PORT, got '" + address + "'");
  }
  auto channel = ::grpc::CreateChannel(address, ::grpc::InsecureChannelCredentials());
  auto stub = pubsub::v1::Publisher::NewStub(channel);
  ::grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + timeout);
  if (!key.empty()) context.AddMetadata("authorization", "Bearer " + key);
  pubsub::v1::PublishRequest request;
  request.mutable_json()->set_type(std::string(event.info->type));
  request.mutable_json()->set_json(event.json);
  for (const std::string& user : event.targets) request.add_target_user_ids(user);
  pubsub::v1::PublishReply reply;
  const ::grpc::Status status = stub->Publish(&context, request, &reply);
  if (status.ok()) {
    io.out << reply.event_id() << "\n";
    return kExitOk;
  }
  // INVALID_ARGUMENT: the schema refused it; RESOURCE_EXHAUSTED: larger than
  // the gateway takes. Both are about the event itself.
  const bool bad_event = status.error_code() == ::grpc::StatusCode::INVALID_ARGUMENT ||
                         status.error_code() == ::grpc::StatusCode::RESOURCE_EXHAUSTED;
  return Fail(
      io, kCommand,
      absl::StrCat("the gRPC call failed (",
                   absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())),
                   "): ", status.error_message()),
      bad_event ? kExitInvalidEvent : kExitFailure);
}

int ViaRedis(Io io, const std::string& url, const ParsedArgs& args, const Event& event,
             std::chrono::milliseconds timeout) {
  auto target = ParseRedisTarget(url);
  if (!target.ok()) {
    return UsageError(io, kCommand, absl::StrCat("--redis: ", target.status().message()));
  }
  if (args.Has("--prefix")) target->node.channel_prefix = args.Get("--prefix");
  target->node.connect_timeout = timeout;

  // Declared before the bus: the bus's destructor completes what is still
  // pending, and that callback writes here.
  std::promise<absl::StatusOr<std::string>> outcome;
  auto result = outcome.get_future();
  std::unique_ptr<Bus> bus = MakeRedisBus(*std::move(target));
  if (!WaitUntilReady(*bus, timeout)) {
    return Fail(io, kCommand, "cannot connect to " + bus->Describe(), kExitFailure);
  }
  // Its envelopes say kCli (the gateway's metrics count them as "cli").
  Publisher publisher(*bus, EventSource::kCli);
  publisher.Publish(
      *event.info, *event.message, event.targets,
      [&outcome](absl::StatusOr<std::string> id) { outcome.set_value(std::move(id)); });
  if (result.wait_for(timeout) != std::future_status::ready) {
    return Fail(io, kCommand, "Redis did not confirm the publish in time", kExitFailure);
  }
  absl::StatusOr<std::string> id = result.get();
  if (!id.ok()) {
    const bool bad_event = id.status().code() == absl::StatusCode::kInvalidArgument;
    return Fail(io, kCommand, id.status().message(), bad_event ? kExitInvalidEvent : kExitFailure);
  }
  io.out << *id << "\n";
  return kExitOk;
}

}  // namespace

int RunPublish(std::span<const std::string> raw, Io io) {
  auto args = ParseArgs(raw, kFlags);
  if (!args.ok()) return UsageError(io, kCommand, args.status().message());
  if (args->help) {
    io.out << kHelp << kExitCodesHelp;
    return kExitOk;
  }
  if (args->positional.size() != 2) {
    return UsageError(io, kCommand,
                      "expected TYPE and JSON, e.g. new_broadcast '{\"data\":{...}}'");
  }
  const int destinations = args->Has("--gateway") + args->Has("--grpc") + args->Has("--redis");
  if (destinations != 1) {
    return UsageError(io, kCommand, "give exactly one of --gateway, --grpc or --redis");
  }
  if (args->Has("--key-file") && args->Has("--redis")) {
    return UsageError(io, kCommand, "--key-file goes with --gateway or --grpc, not --redis");
  }
  if (args->Has("--prefix") && !args->Has("--redis")) {
    return UsageError(io, kCommand, "--prefix goes with --redis");
  }
  auto timeout = ParseTimeout(args->Get("--timeout", "10"));
  if (!timeout.ok()) return UsageError(io, kCommand, timeout.status().message());

  const Registry* registry = &io.registry;
  std::string json = args->positional[1];
  if (json == "-") {
    json.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  auto parsed = registry->ParseJson(json, args->positional[0]);
  if (!parsed.ok()) {
    return Fail(io, kCommand, absl::StrCat("invalid event: ", parsed.status().message()),
                kExitInvalidEvent);
  }
  Event event{.info = parsed->info,
              .message = std::move(parsed->message),
              .json = "",
              .targets = args->All("--to")};
  if (absl::Status ok = CheckTargets(*event.info, event.targets); !ok.ok()) {
    return Fail(io, kCommand, absl::StrCat("invalid event: ", ok.message()), kExitInvalidEvent);
  }
  // What browsers will receive, rendered by the schema: exactly what was validated.
  event.json = Registry::RenderJson(*event.info, *event.message);

  std::string key;
  if (args->Has("--key-file")) {
    auto read = auth::ReadSecretFile(args->Get("--key-file"));
    if (!read.ok()) return Fail(io, kCommand, read.status().message(), kExitFailure);
    key = *std::move(read);
  }
  if (args->Has("--gateway")) return ViaGateway(io, args->Get("--gateway"), key, event, *timeout);
  if (args->Has("--grpc")) return ViaGrpc(io, args->Get("--grpc"), key, event, *timeout);
  return ViaRedis(io, args->Get("--redis"), *args, event, *timeout);
}

}  // namespace pubsub::cli
