// pubsub stats: a gateway's connection statistics (GET /api/stats).
#include <chrono>

#include "server/auth/jwt.h"
#include "tools/cli/args.h"
#include "tools/cli/cli.h"
#include "tools/cli/commands.h"
#include "tools/cli/http_client.h"

namespace pubsub::cli {
namespace {

constexpr std::string_view kHelp = R"help(pubsub stats: print a gateway's connection statistics.

Usage:
  pubsub stats http://HOST:PORT [--user U] [--scope cluster|replica] [--key-file FILE]

Prints the gateway's GET /api/stats answer, one JSON object on one line:
  {"scope":"cluster","replicas":N,"connections":N,"users":N,"users_exact":true}
  and with --user:  ..."user":"U","connected":true,"user_connections":N}
With --scope cluster (the default) the numbers are every live replica's, as
the replicas last shared them through the bus (each shares every second; a
replica that died drops out within 5 s). With --scope replica they are the
asked replica's own, at this moment: {"scope":"replica","connections":N,"users":N}.

Flags:
  --user U          Also report whether user U is connected, and on how many sockets.
  --scope S         cluster (every replica; default) or replica (this one).
  --key-file FILE   The gateway's publisher key: a gateway with one configured shows its
                    statistics only to callers that send it.
  --timeout SECONDS Give up after this long. Default: 10

)help";

constexpr FlagSpec kFlags[] = {
    {"--user", true}, {"--scope", true}, {"--key-file", true}, {"--timeout", true}};
}  // namespace

int RunStats(std::span<const std::string> raw, Io io) {
  auto args = ParseArgs(raw, kFlags);
  if (!args.ok()) return UsageError(io, "stats", args.status().message());
  if (args->help) {
    io.out << kHelp << kExitCodesHelp;
    return kExitOk;
  }
  if (args->positional.size() != 1) {
    return UsageError(io, "stats", "expected one gateway URL, e.g. http://127.0.0.1:8080");
  }
  auto url = ParseUrl(args->positional[0], {"http"});
  if (!url.ok()) return UsageError(io, "stats", url.status().message());
  auto timeout = ParseTimeout(args->Get("--timeout", "10"));
  if (!timeout.ok()) return UsageError(io, "stats", timeout.status().message());

  const std::string scope = args->Get("--scope", "cluster");
  if (scope != "cluster" && scope != "replica") {
    return UsageError(io, "stats", "--scope: expected cluster or replica, got '" + scope + "'");
  }
  std::string target = "/api/stats?scope=" + scope;
  if (args->Has("--user")) target += "&user=" + QueryEscape(args->Get("--user"));
  std::vector<std::pair<std::string, std::string>> headers;
  if (args->Has("--key-file")) {
    auto key = auth::ReadSecretFile(args->Get("--key-file"));
    if (!key.ok()) return Fail(io, "stats", key.status().message(), kExitFailure);
    headers.emplace_back("Authorization", "Bearer " + *key);
  }
  auto response = Fetch("GET", *url, target, "", headers, *timeout);
  if (!response.ok()) return Fail(io, "stats", response.status().message(), kExitFailure);
  if (response->status != 200) {
    return Fail(io, "stats",
                "the gateway answered " + std::to_string(response->status) + ": " + response->body,
                kExitFailure);
  }
  io.out << response->body;
  if (response->body.empty() || response->body.back() != '\n') io.out << "\n";
  return kExitOk;
}

}  // namespace pubsub::cli
