// pubsub history: a topic's recent events (GET /api/history/...), one JSON
// line each, with their positions.
#include <boost/json.hpp>

#include "server/auth/jwt.h"
#include "tools/cli/args.h"
#include "tools/cli/cli.h"
#include "tools/cli/commands.h"
#include "tools/cli/http_client.h"

namespace pubsub::cli {
namespace {

namespace json = boost::json;

constexpr char kCommand[] = "history";

constexpr std::string_view kHelp =
    R"help(pubsub history: print a topic's recent events, with their positions.

Usage:
  pubsub history http://HOST:PORT/ws/PATH [--since EPOCH:SEQ] [--limit N] [--all]
                 [--user U] [--key-file FILE]

Reads the history that the gateway keeps for the topic of a WebSocket path (channels
with `history` in the schema) and prints each event as one JSON line, oldest first:
  {"position":"EPOCH:SEQ","event":{...the event as browsers receive it...}}
Without --since: the newest --limit events. With --since: the events after that
position. When the history does not continue from --since (it was lost, so the epoch
changed, or the events after it were trimmed), a warning on standard error says so and
the events start at the oldest one kept.

Examples:
  pubsub history http://127.0.0.1:8080/ws/comments/42 --key-file key --limit 10
  pubsub history http://127.0.0.1:8080/ws/notifications --user ann --since k3x9:17 --all

Flags:
  --since EPOCH:SEQ  Print the events after this position (one a client received).
  --limit N          Events per request, 1 to 1000. Default: 100
  --all              Keep reading until the newest event (with --since: from there;
                     without: from the oldest event kept).
  --user U           The user, for a personal channel (e.g. /ws/notifications).
  --key-file FILE    The gateway's publisher key (history is read with it).
  --timeout SECONDS  Give up on a request after this long. Default: 10

)help";

constexpr FlagSpec kFlags[] = {{"--since", true}, {"--limit", true},    {"--all", false},
                               {"--user", true},  {"--key-file", true}, {"--timeout", true}};

}  // namespace

int RunHistory(std::span<const std::string> raw, Io io) {
  auto args = ParseArgs(raw, kFlags);
  if (!args.ok()) return UsageError(io, kCommand, args.status().message());
  if (args->help) {
    io.out << kHelp << kExitCodesHelp;
    return kExitOk;
  }
  if (args->positional.size() != 1) {
    return UsageError(io, kCommand,
                      "expected the URL of a WebSocket path on the gateway's HTTP port, e.g. "
                      "http://127.0.0.1:8080/ws/comments/42");
  }
  auto url = ParseUrl(args->positional[0], {"http"});
  if (!url.ok()) return UsageError(io, kCommand, url.status().message());
  if (url->target == "/" || url->target.find('?') != std::string::npos) {
    return UsageError(io, kCommand,
                      "the URL must name a WebSocket path without a query, e.g. "
                      "http://127.0.0.1:8080/ws/comments/42");
  }
  auto timeout = ParseTimeout(args->Get("--timeout", "10"));
  if (!timeout.ok()) return UsageError(io, kCommand, timeout.status().message());
  std::vector<std::pair<std::string, std::string>> headers;
  if (args->Has("--key-file")) {
    auto key = auth::ReadSecretFile(args->Get("--key-file"));
    if (!key.ok()) return Fail(io, kCommand, key.status().message(), kExitFailure);
    headers.emplace_back("Authorization", "Bearer " + *key);
  }
  const bool all = args->Has("--all");
  std::string since = args->Get("--since", "");
  // --all without --since starts before the oldest event kept: "since" the
  // epoch's start is learned from the first page.
  bool first_page = true;
  // The restart of --all from the epoch's beginning skips what was trimmed
  // on purpose: no warning for that page.
  bool restarted = false;
  for (;;) {
    std::string target = "/api/history" + url->target;
    char separator = '?';
    auto add = [&](std::string_view name, const std::string& value) {
      target += separator;
      target += name;
      target += '=';
      target += QueryEscape(value);
      separator = '&';
    };
    if (!since.empty()) add("since", since);
    if (args->Has("--limit")) add("limit", args->Get("--limit"));
    if (args->Has("--user")) add("user", args->Get("--user"));
    auto response = Fetch("GET", *url, target, "", headers, *timeout);
    if (!response.ok()) return Fail(io, kCommand, response.status().message(), kExitFailure);
    if (response->status != 200) {
      return Fail(
          io, kCommand,
          "the gateway answered " + std::to_string(response->status) + ": " + response->body,
          response->status == 400 ? kExitUsage : kExitFailure);
    }
    boost::system::error_code error;
    json::value page = json::parse(response->body, error);
    const json::object* object = error ? nullptr : page.if_object();
    const json::array* events = nullptr;
    if (object != nullptr) {
      if (const json::value* v = object->if_contains("events")) events = v->if_array();
    }
    if (events == nullptr) {
      return Fail(io, kCommand, "the gateway's answer is not a history page", kExitFailure);
    }
    if (const json::value* complete = object->if_contains("complete");
        !since.empty() && !restarted && complete != nullptr && complete->is_bool() &&
        !complete->as_bool()) {
      io.err << "pubsub history: the history does not continue from " << since
             << " (it was lost or trimmed since): printing from the oldest event kept\n";
    }
    if (all && first_page && since.empty() && !events->empty()) {
      // The first page was the newest events; restart from the epoch's
      // beginning so that --all prints everything kept, oldest first.
      const json::value* position = (*events)[0].as_object().if_contains("position");
      if (position != nullptr && position->is_string()) {
        const std::string_view text = position->as_string();
        since = std::string(text.substr(0, text.rfind(':'))) + ":0";
        first_page = false;
        restarted = true;
        continue;
      }
    }
    first_page = false;
    restarted = false;
    for (const json::value& event : *events) io.out << json::serialize(event) << "\n";
    if (!all || events->empty()) break;
    const json::value* last = events->back().as_object().if_contains("position");
    if (last == nullptr || !last->is_string()) break;
    since = std::string(last->as_string());
  }
  io.out.flush();
  return kExitOk;
}

}  // namespace pubsub::cli
