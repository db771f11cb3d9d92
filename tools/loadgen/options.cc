#include "tools/loadgen/options.h"

#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <sstream>
#include <string_view>

#include "pubsub/internal/str_cat.h"

namespace pubsub::loadgen {
namespace {

using internal::Cat;  // pubsub/internal/str_cat.h

bool ParseUnsigned(std::string_view text, uint64_t& value) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

absl::StatusOr<GatewayTarget> ParseHostPort(std::string_view text, std::string_view flag) {
  const size_t colon = text.rfind(':');
  GatewayTarget target;
  uint64_t port = 0;
  if (colon == std::string_view::npos || !ParseUnsigned(text.substr(colon + 1), port) ||
      port == 0 || port > 65535) {
    return absl::InvalidArgumentError(
        Cat(flag, ": expected HOST:PORT with an IPv4 address, got '", text, "'"));
  }
  target.host = std::string(text.substr(0, colon));
  target.port = static_cast<uint16_t>(port);
  return target;
}

absl::StatusOr<GatewayTarget> ParseUrl(std::string_view url, std::string_view scheme,
                                       std::string_view flag) {
  if (!url.starts_with(scheme)) {
    return absl::InvalidArgumentError(
        Cat(flag, ": expected ", scheme, "HOST:PORT, got '", url, "'"));
  }
  url.remove_prefix(scheme.size());
  if (!url.empty() && url.back() == '/') url.remove_suffix(1);
  return ParseHostPort(url, flag);
}

template <typename T>
absl::Status ParseNumber(std::string_view text, std::string_view flag, T& out) {
  if constexpr (std::is_floating_point_v<T>) {
    const std::string copy(text);
    char* end = nullptr;
    const double value = std::strtod(copy.c_str(), &end);
    if (copy.empty() || end != copy.c_str() + copy.size() || !std::isfinite(value) || value < 0) {
      return absl::InvalidArgumentError(
          Cat(flag, ": expected a non-negative number, got '", text, "'"));
    }
    out = static_cast<T>(value);
  } else {
    uint64_t value = 0;
    if (!ParseUnsigned(text, value) ||
        value > static_cast<uint64_t>(std::numeric_limits<T>::max())) {
      return absl::InvalidArgumentError(
          Cat(flag, ": expected a non-negative integer, got '", text, "'"));
    }
    out = static_cast<T>(value);
  }
  return absl::OkStatus();
}

}  // namespace

std::string Usage() {
  return R"(pubsub-loadgen: opens many WebSocket clients to pubsub-gateway replicas, publishes
events at a given rate, and reports deliveries/s, loss, publish->receive latency, and the
gateways' memory and CPU (read from /proc).

Usage:
  pubsub-loadgen --url ws://127.0.0.1:8080 [--url ws://127.0.0.1:8081 ...]
                 --clients N --path /ws/broadcasts --publish-via redis|http|grpc|none
                 --rate R|max --duration S [--gateway-pid PID ...] [--json]
  pubsub-loadgen --ceiling --clients N --duration S     (the generator's own ceiling)

Clients:
  --url ws://HOST:PORT        A gateway (repeatable: clients go round robin over them).
  --clients N                 WebSocket clients to open. Default: 100. One process may hold
                              at most its open-file limit minus a reserve: run several
                              processes (with --client-offset) for more.
  --path PATH                 /ws/broadcasts | /ws/comments/{scope} | /ws/forum/{scope} |
                              /ws/notifications (personal: client i is user u<offset+i>).
                              Default: /ws/broadcasts
  --scopes K                  Scope values 0..K-1 for {scope}; client i subscribes to i % K,
                              each event goes to a random scope. Default: 1
  --client-offset O           First user index (for several loadgen processes). Default: 0
  --source-addresses N        Bind clients to 127.0.0.1 .. 127.0.0.N round robin, so that N
                              can exceed one address's port range. Default: 4
  --threads T                 Client event loops. Default: 1
  --connect-concurrency C     Handshakes in flight per thread. Default: 256
  --connect-timeout S         A client not upgraded by then has failed. Default: 15
  --max-attempts A            An upgrade refused with 503 is retried, 250 ms later, as a
                              browser reconnects, up to A attempts in all; the report counts
                              the retries. Default: 20
  --allow-refused             Go on (and report) when some clients cannot connect.
  --hold S                    Hold the idle connections S seconds before publishing (idle
                              memory is read at the end of the hold). Default: 0
  --since now                 Clients speak the recovery protocol (?since=now): they receive
                              {"position":...,"event":...} frames after a recovery control;
                              the report counts controls, duplicates and gaps by position.

Publishing (each event carries its send time and sequence number in its text field):
  --publish-via V             redis: typed C++ publisher -> RedisBus (pipelined);
                              http: keep-alive pipelined POST /api/publish;
                              grpc: pubsub.v1.Publisher/PublishStream with packed messages;
                              none: connect (and hold) only. Default: none
  --rate R|max                Events per second, or "max": as fast as the clients receive
                              them, with --window events in flight end to end. Default: 0
  --window W                  Events in flight with --rate max. Default: 32
  --duration S                Publishing time. Default: 5
  --warmup S                  Events of the first S seconds are not in the latency figures.
  --drain S                   After publishing, wait at most S s for deliveries. Default: 5
  --payload-bytes B           Length of the event's text field (content/text). Default: 64
  --redis URL                 For --publish-via redis. Default: redis://127.0.0.1:6379
  --publish-url http://H:P    For --publish-via http. Default: the first --url
  --grpc HOST:PORT            For --publish-via grpc.
  --publisher-key-file FILE   The gateway's publisher key (HTTP and gRPC).
  --publish-connections N     HTTP connections or gRPC streams. Default: 4

Reconnect storm (--recover-storm; one history topic, /ws/comments/{scope} with --scopes 1):
  --recover-storm             Clients in the recovery protocol connect (round robin over every
                              --url, or all to the victim with --storm-on-victim), receive
                              --storm-warmup-events, then lose their connection: the victim
                              replica is killed (--storm-kill-pid) and every other storm client
                              closes its socket. --storm-events are published (and acknowledged,
                              i.e. stored) meanwhile, then every storm client reconnects to a
                              surviving replica with since = the last position it received.
                              Reported: time until every client received all it missed (checked:
                              in order, no duplicate, no gap), and the Redis commands issued
                              meanwhile (INFO commandstats of --redis before and after).
  --storm-victim K            The --url (0-based) that dies. Default: 0
  --storm-kill-pid PID        SIGKILL this process (the victim gateway) at the storm.
  --storm-on-victim           Every storm client starts on the victim.
  --bystanders M              M more clients per surviving replica, connected throughout.
  --storm-events N            Default: 100
  --storm-warmup-events N     Default: 10
  --storm-live-events N       Published after the storm; every client must get them. Default: 10
  --storm-concurrency C       Reconnect handshakes in flight per thread. Default: 1024
  --storm-timeout S           Default: 60

Measurement and output:
  --gateway-pid PID           Read this gateway's RSS and CPU from /proc (repeatable).
  --redis-pid PID             Read Redis's CPU from /proc (repeatable).
  --ceiling                   Measure the generator itself: a built-in trivial server
                              accepts the clients and sends pre-built frames as fast as it
                              can for --duration seconds; with --rate R, one frame to every
                              client R times a second (the generator's latency floor;
                              the report gives the sending thread's CPU per frame: the
                              cost of one write per frame).
  --label TEXT                Copied into the report.
  --json                      The report as JSON on stdout (the table goes to stderr).
  --quiet                     No progress lines on stderr.
)";
}

absl::StatusOr<Options> ParseOptions(int argc, char** argv) {
  Options o;
  bool path_given = false;
  using Setter = std::function<absl::Status(std::string_view)>;
  std::map<std::string, Setter, std::less<>> with_value = {
      {"--url",
       [&](std::string_view v) -> absl::Status {
         auto target = ParseUrl(v, "ws://", "--url");
         if (!target.ok()) return target.status();
         o.gateways.push_back(*target);
         return absl::OkStatus();
       }},
      {"--clients", [&](std::string_view v) { return ParseNumber(v, "--clients", o.clients); }},
      {"--path",
       [&](std::string_view v) {
         o.path = std::string(v);
         path_given = true;
         return absl::OkStatus();
       }},
      {"--scopes", [&](std::string_view v) { return ParseNumber(v, "--scopes", o.scopes); }},
      {"--client-offset",
       [&](std::string_view v) { return ParseNumber(v, "--client-offset", o.client_offset); }},
      {"--source-addresses",
       [&](std::string_view v) {
         return ParseNumber(v, "--source-addresses", o.source_addresses);
       }},
      {"--threads", [&](std::string_view v) { return ParseNumber(v, "--threads", o.threads); }},
      {"--connect-concurrency",
       [&](std::string_view v) {
         return ParseNumber(v, "--connect-concurrency", o.connect_concurrency);
       }},
      {"--connect-timeout",
       [&](std::string_view v) {
         return ParseNumber(v, "--connect-timeout", o.connect_timeout_seconds);
       }},
      {"--max-attempts",
       [&](std::string_view v) { return ParseNumber(v, "--max-attempts", o.max_attempts); }},
      {"--hold", [&](std::string_view v) { return ParseNumber(v, "--hold", o.hold_seconds); }},
      {"--publish-via",
       [&](std::string_view v) -> absl::Status {
         if (v == "redis") {
           o.via = PublishVia::kRedis;
         } else if (v == "http") {
           o.via = PublishVia::kHttp;
         } else if (v == "grpc") {
           o.via = PublishVia::kGrpc;
         } else if (v == "none") {
           o.via = PublishVia::kNone;
         } else {
           return absl::InvalidArgumentError(
               Cat("--publish-via: expected redis, http, grpc or none, got '", v, "'"));
         }
         return absl::OkStatus();
       }},
      {"--rate",
       [&](std::string_view v) -> absl::Status {
         if (v == "max") {
           o.rate_max = true;
           return absl::OkStatus();
         }
         return ParseNumber(v, "--rate", o.rate);
       }},
      {"--window", [&](std::string_view v) { return ParseNumber(v, "--window", o.window); }},
      {"--duration",
       [&](std::string_view v) { return ParseNumber(v, "--duration", o.duration_seconds); }},
      {"--warmup",
       [&](std::string_view v) { return ParseNumber(v, "--warmup", o.warmup_seconds); }},
      {"--drain", [&](std::string_view v) { return ParseNumber(v, "--drain", o.drain_seconds); }},
      {"--payload-bytes",
       [&](std::string_view v) { return ParseNumber(v, "--payload-bytes", o.payload_bytes); }},
      {"--redis",
       [&](std::string_view v) {
         o.redis_url = std::string(v);
         return absl::OkStatus();
       }},
      {"--publish-url",
       [&](std::string_view v) -> absl::Status {
         auto target = ParseUrl(v, "http://", "--publish-url");
         if (!target.ok()) return target.status();
         o.publish_url = std::string(v);
         return absl::OkStatus();
       }},
      {"--grpc",
       [&](std::string_view v) -> absl::Status {
         auto target = ParseHostPort(v, "--grpc");
         if (!target.ok()) return target.status();
         o.grpc_target = std::string(v);
         return absl::OkStatus();
       }},
      {"--publisher-key-file",
       [&](std::string_view v) -> absl::Status {
         std::ifstream file{std::string(v)};
         if (!file) return absl::InvalidArgumentError(Cat("cannot read ", v));
         std::stringstream content;
         content << file.rdbuf();
         o.publisher_key = content.str();
         if (!o.publisher_key.empty() && o.publisher_key.back() == '\n') {
           o.publisher_key.pop_back();
         }
         return absl::OkStatus();
       }},
      {"--publish-connections",
       [&](std::string_view v) {
         return ParseNumber(v, "--publish-connections", o.publish_connections);
       }},
      {"--gateway-pid",
       [&](std::string_view v) {
         int pid = 0;
         auto status = ParseNumber(v, "--gateway-pid", pid);
         if (status.ok()) o.gateway_pids.push_back(pid);
         return status;
       }},
      {"--redis-pid",
       [&](std::string_view v) {
         int pid = 0;
         auto status = ParseNumber(v, "--redis-pid", pid);
         if (status.ok()) o.redis_pids.push_back(pid);
         return status;
       }},
      {"--label",
       [&](std::string_view v) {
         o.label = std::string(v);
         return absl::OkStatus();
       }},
      {"--since",
       [&](std::string_view v) -> absl::Status {
         if (v != "now") {
           return absl::InvalidArgumentError(
               Cat("--since: only 'now' is supported here, got '", v, "'"));
         }
         o.since_now = true;
         return absl::OkStatus();
       }},
      {"--storm-victim",
       [&](std::string_view v) { return ParseNumber(v, "--storm-victim", o.storm_victim); }},
      {"--storm-kill-pid",
       [&](std::string_view v) { return ParseNumber(v, "--storm-kill-pid", o.storm_kill_pid); }},
      {"--bystanders",
       [&](std::string_view v) { return ParseNumber(v, "--bystanders", o.bystanders); }},
      {"--storm-events",
       [&](std::string_view v) { return ParseNumber(v, "--storm-events", o.storm_events); }},
      {"--storm-warmup-events",
       [&](std::string_view v) {
         return ParseNumber(v, "--storm-warmup-events", o.storm_warmup_events);
       }},
      {"--storm-live-events",
       [&](std::string_view v) {
         return ParseNumber(v, "--storm-live-events", o.storm_live_events);
       }},
      {"--storm-concurrency",
       [&](std::string_view v) {
         return ParseNumber(v, "--storm-concurrency", o.storm_concurrency);
       }},
      {"--storm-timeout",
       [&](std::string_view v) {
         return ParseNumber(v, "--storm-timeout", o.storm_timeout_seconds);
       }},
  };
  std::map<std::string, bool*, std::less<>> switches = {
      {"--allow-refused", &o.allow_refused},
      {"--json", &o.json},
      {"--quiet", &o.quiet},
      {"--ceiling", &o.ceiling},
      {"--recover-storm", &o.recover_storm},
      {"--storm-on-victim", &o.storm_on_victim},
  };

  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    std::string_view value;
    bool has_value = false;
    if (const size_t eq = arg.find('='); arg.starts_with("--") && eq != std::string_view::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
      has_value = true;
    }
    if (auto s = switches.find(arg); s != switches.end()) {
      if (has_value) return absl::InvalidArgumentError(Cat(arg, " takes no value"));
      *s->second = true;
      continue;
    }
    auto setter = with_value.find(arg);
    if (setter == with_value.end()) {
      return absl::InvalidArgumentError(Cat("unknown flag '", arg, "' (see --help)"));
    }
    if (!has_value) {
      if (i + 1 >= argc) return absl::InvalidArgumentError(Cat(arg, " needs a value"));
      value = argv[++i];
    }
    if (auto status = setter->second(value); !status.ok()) return status;
  }

  // Cross-checks.
  if (o.path == "/ws/broadcasts") {
    o.kind = ChannelKind::kBroadcasts;
  } else if (o.path == "/ws/comments/{scope}") {
    o.kind = ChannelKind::kComments;
  } else if (o.path == "/ws/forum/{scope}") {
    o.kind = ChannelKind::kForum;
  } else if (o.path == "/ws/notifications") {
    o.kind = ChannelKind::kPersonal;
  } else {
    return absl::InvalidArgumentError(
        Cat("--path: expected /ws/broadcasts, /ws/comments/{scope}, /ws/forum/{scope} or "
            "/ws/notifications, got '",
            o.path, "'"));
  }
  (void)path_given;
  if (o.scopes == 0) return absl::InvalidArgumentError("--scopes must be at least 1");
  if (o.threads == 0 || o.threads > 64) {
    return absl::InvalidArgumentError("--threads must be 1..64");
  }
  if (o.source_addresses == 0 || o.source_addresses > 254) {
    return absl::InvalidArgumentError("--source-addresses must be 1..254");
  }
  if (o.connect_concurrency == 0) o.connect_concurrency = 1;
  if (o.window == 0) o.window = 1;
  if (o.ceiling) {
    if (!o.gateways.empty() || o.via != PublishVia::kNone) {
      return absl::InvalidArgumentError(
          "--ceiling runs against the built-in sender: no --url and no --publish-via");
    }
    o.kind = ChannelKind::kBroadcasts;
    o.path = "/ws/broadcasts";
    o.scopes = 1;
  } else if (o.gateways.empty()) {
    return absl::InvalidArgumentError("at least one --url ws://HOST:PORT is required");
  }
  if (o.via != PublishVia::kNone && !o.rate_max && o.rate <= 0) {
    return absl::InvalidArgumentError("--publish-via needs --rate R (events/s) or --rate max");
  }
  if (o.via == PublishVia::kGrpc && o.grpc_target.empty()) {
    return absl::InvalidArgumentError("--publish-via grpc needs --grpc HOST:PORT");
  }
  if (o.via == PublishVia::kHttp && o.publish_url.empty() && !o.gateways.empty()) {
    o.publish_url = Cat("http://", o.gateways[0].host, ":", std::to_string(o.gateways[0].port));
  }
  if (o.publish_connections == 0) o.publish_connections = 1;
  // The streams share one gRPC connection, on which the gateway serves at
  // most 100 calls at once (GrpcServerOptions::max_concurrent_streams).
  if (o.via == PublishVia::kGrpc && o.publish_connections > 100) {
    return absl::InvalidArgumentError(
        "--publish-connections: at most 100 gRPC streams (the gateway serves 100 calls at once "
        "per connection)");
  }
  if (o.recover_storm) {
    if (o.kind != ChannelKind::kComments && o.kind != ChannelKind::kForum) {
      return absl::InvalidArgumentError(
          "--recover-storm needs a channel with history: --path /ws/comments/{scope}");
    }
    if (o.scopes != 1)
      return absl::InvalidArgumentError("--recover-storm uses one topic: --scopes 1");
    if (o.gateways.size() < 2 || o.storm_victim >= o.gateways.size()) {
      return absl::InvalidArgumentError(
          "--recover-storm needs at least 2 --url and --storm-victim below their number");
    }
    if (o.storm_events == 0 || o.storm_warmup_events == 0) {
      return absl::InvalidArgumentError("--storm-events and --storm-warmup-events must be >= 1");
    }
    o.via = PublishVia::kRedis;
    o.since_now = true;
  }
  if (o.payload_bytes > 1 << 20) {
    return absl::InvalidArgumentError("--payload-bytes must be at most 1048576");
  }
  return o;
}

}  // namespace pubsub::loadgen
