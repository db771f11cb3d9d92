#include "server/config/gateway_config.h"

#include <arpa/inet.h>

#include <charconv>
#include <functional>
#include <initializer_list>
#include <limits>
#include <string_view>
#include <thread>

#include "absl/status/statusor.h"
#include "pubsub/internal/str_cat.h"
#include "pubsub/redis_bus.h"

namespace pubsub::gateway {
namespace {

constexpr int kMaxLeewaySeconds = 60;

using internal::Cat;

absl::Status FlagError(std::string_view flag, std::string_view message) {
  return absl::InvalidArgumentError(Cat({flag, ": ", message}));
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

// Parses a whole decimal number in [min, max].
template <typename T>
absl::Status ParseNumber(std::string_view flag, std::string_view value, T min, T max, T& out) {
  auto range_error = [&] {
    return FlagError(flag, Cat({"expected a number from ", std::to_string(min), " to ",
                                std::to_string(max), ", got '", value, "'"}));
  };
  // from_chars accepts a leading '-' for signed types only; digits only here.
  if (value.empty() || value.find_first_not_of("0123456789") != std::string_view::npos) {
    return range_error();
  }
  unsigned long long parsed = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), parsed);
  if (ec != std::errc() || end != value.data() + value.size()) return range_error();
  if (parsed < static_cast<unsigned long long>(min) ||
      parsed > static_cast<unsigned long long>(max)) {
    return range_error();
  }
  out = static_cast<T>(parsed);
  return absl::OkStatus();
}

bool IsIpAddress(const std::string& host) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

bool IsHostName(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  for (char c : host) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.';
    if (!ok) return false;
  }
  return host.front() != '-' && host.front() != '.';
}

// Splits "HOST:PORT" or "[IPV6]:PORT" (brackets removed); the port is
// optional when `default_port` is given.
absl::Status SplitHostPort(std::string_view flag, std::string_view value,
                           std::optional<uint16_t> default_port, std::string& host,
                           uint16_t& port) {
  std::string_view port_text;
  bool has_port = false;
  if (!value.empty() && value.front() == '[') {
    size_t close = value.find(']');
    if (close == std::string_view::npos) return FlagError(flag, "missing ']' after an IPv6 host");
    host = std::string(value.substr(1, close - 1));
    std::string_view rest = value.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return FlagError(flag, "expected ':PORT' after ']'");
      port_text = rest.substr(1);
      has_port = true;
    }
    if (!IsIpAddress(host) || host.find(':') == std::string::npos) {
      return FlagError(flag, Cat({"'", host, "' is not an IPv6 address"}));
    }
  } else {
    size_t colon = value.rfind(':');
    if (colon != std::string_view::npos) {
      if (value.find(':') != colon) {
        return FlagError(flag, "put an IPv6 address in brackets: [::1]:8080");
      }
      host = std::string(value.substr(0, colon));
      port_text = value.substr(colon + 1);
      has_port = true;
    } else {
      host = std::string(value);
    }
    if (host.empty()) return FlagError(flag, Cat({"missing host in '", value, "'"}));
  }
  if (!has_port) {
    if (!default_port.has_value()) {
      return FlagError(flag, Cat({"expected HOST:PORT, got '", value, "'"}));
    }
    port = *default_port;
    return absl::OkStatus();
  }
  return ParseNumber<uint16_t>(flag, port_text, 0, 65535, port);
}

// --listen/--grpc-listen: an IP address (the gateway binds it as given).
absl::Status ParseListen(std::string_view flag, std::string_view value, std::string& host,
                         uint16_t& port) {
  if (auto status = SplitHostPort(flag, value, std::nullopt, host, port); !status.ok()) {
    return status;
  }
  if (!IsIpAddress(host)) {
    return FlagError(flag, Cat({"'", host, "' is not an IP address (e.g. 127.0.0.1:8080, ",
                                "0.0.0.0:8080 for every interface, [::1]:8080)"}));
  }
  return absl::OkStatus();
}

// --bus memory | redis://... | redis-cluster://...: the URL is parsed by the
// runtime's ParseRedisTarget, the one parser of Redis URLs (the CLI's --redis
// uses it too).
// Messages never quote a URL, which may hold a password.
absl::Status ParseBus(std::string_view value, GatewayConfig& config) {
  constexpr std::string_view kFlag = "--bus";
  if (value == "memory") {
    config.redis.reset();
    return absl::OkStatus();
  }
  const std::string scheme = ToLower(value.substr(0, value.find("://")));
  if (value.find("://") == std::string_view::npos ||
      (scheme != "redis" && scheme != "rediss" && scheme != "redis-cluster")) {
    // Quote the value unless it might carry a password.
    const std::string got =
        value.find('@') == std::string_view::npos ? Cat({", got '", value, "'"}) : "";
    return FlagError(kFlag, Cat({"expected memory, redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] or "
                                 "redis-cluster://[[USER]:PASSWORD@]HOST:PORT[,HOST:PORT...]",
                                 got}));
  }
  absl::StatusOr<RedisTarget> redis = ParseRedisTarget(value);
  if (!redis.ok()) return FlagError(kFlag, std::string(redis.status().message()));
  config.redis = *std::move(redis);
  return absl::OkStatus();
}

// An origin as browsers send it: scheme "://" host [":" port], no path.
absl::Status ParseOrigin(std::string_view value, std::string& out) {
  constexpr std::string_view kFlag = "--allowed-origin";
  size_t sep = value.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    return FlagError(kFlag,
                     Cat({"expected an origin like https://app.example.com, got '", value, "'"}));
  }
  std::string scheme = ToLower(value.substr(0, sep));
  for (char c : scheme) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
    if (!ok) return FlagError(kFlag, Cat({"bad scheme in '", value, "'"}));
  }
  std::string_view authority = value.substr(sep + 3);
  if (authority.find_first_of("/?#") != std::string_view::npos) {
    return FlagError(kFlag, Cat({"an origin has no path, query or fragment: '", value,
                                 "' (browsers send e.g. https://app.example.com)"}));
  }
  if (authority.find('@') != std::string_view::npos) {
    return FlagError(kFlag, Cat({"an origin has no user name: '", value, "'"}));
  }
  std::string host;
  uint16_t port = 0;
  if (auto status = SplitHostPort(kFlag, authority, uint16_t{0}, host, port); !status.ok()) {
    return status;
  }
  if (!IsIpAddress(host) && !IsHostName(host)) {
    return FlagError(kFlag, Cat({"bad host in '", value, "'"}));
  }
  // Browsers leave the scheme's default port out of Origin: so do we.
  std::string normalized_authority = ToLower(authority);
  if ((scheme == "https" && authority.ends_with(":443")) ||
      (scheme == "http" && authority.ends_with(":80"))) {
    normalized_authority.resize(normalized_authority.rfind(':'));
  }
  out = Cat({scheme, "://", normalized_authority});
  return absl::OkStatus();
}

absl::Status ParseLogLevel(std::string_view value, std::string& out) {
  for (std::string_view level : {"trace", "debug", "info", "warn", "error", "critical", "off"}) {
    if (value == level) {
      out = std::string(level);
      return absl::OkStatus();
    }
  }
  if (value == "warning") {
    out = "warn";
    return absl::OkStatus();
  }
  return FlagError("--log-level", Cat({"expected trace, debug, info, warn, error, critical or off, "
                                       "got '",
                                       value, "'"}));
}

struct Flag {
  std::string_view name;
  bool takes_value;
  std::function<absl::Status(std::string_view value, GatewayConfig& config)> apply;
};

template <typename T>
Flag NumberFlag(std::string_view name, T min, T max, T GatewayConfig::*field) {
  return Flag{name, true, [name, min, max, field](std::string_view value, GatewayConfig& config) {
                return ParseNumber<T>(name, value, min, max, config.*field);
              }};
}

Flag PathFlag(std::string_view name, std::string GatewayConfig::*field) {
  return Flag{name, true, [name, field](std::string_view value, GatewayConfig& config) {
                if (value.empty()) return FlagError(name, "expected a file name");
                config.*field = std::string(value);
                return absl::OkStatus();
              }};
}

const std::vector<Flag>& Flags() {
  static const std::vector<Flag> flags = {
      {"--listen", true,
       [](std::string_view v, GatewayConfig& c) {
         return ParseListen("--listen", v, c.listen_host, c.listen_port);
       }},
      {"--grpc-listen", true,
       [](std::string_view v, GatewayConfig& c) {
         return ParseListen("--grpc-listen", v, c.grpc_listen_host, c.grpc_listen_port);
       }},
      {"--reuse-port", false,
       [](std::string_view, GatewayConfig& c) {
         c.reuse_port = true;
         return absl::OkStatus();
       }},
      {"--bus", true, [](std::string_view v, GatewayConfig& c) { return ParseBus(v, c); }},
      PathFlag("--jwt-secret-file", &GatewayConfig::jwt_secret_file),
      PathFlag("--jwt-public-key-file", &GatewayConfig::jwt_public_key_file),
      NumberFlag<int>("--jwt-leeway-seconds", 0, kMaxLeewaySeconds,
                      &GatewayConfig::jwt_leeway_seconds),
      {"--dev-auth", false,
       [](std::string_view, GatewayConfig& c) {
         c.dev_auth = true;
         return absl::OkStatus();
       }},
      PathFlag("--publisher-key-file", &GatewayConfig::publisher_key_file),
      PathFlag("--redis-password-file", &GatewayConfig::redis_password_file),
      {"--allowed-origin", true,
       [](std::string_view v, GatewayConfig& c) {
         std::string origin;
         if (auto status = ParseOrigin(v, origin); !status.ok()) return status;
         c.allowed_origins.push_back(std::move(origin));
         return absl::OkStatus();
       }},
      NumberFlag<size_t>("--threads", 1, 1024, &GatewayConfig::threads),
      NumberFlag<size_t>("--send-queue-bytes", 1024, size_t{1} << 34,
                         &GatewayConfig::send_queue_bytes),
      NumberFlag<size_t>("--send-queue-frames", 1, 10'000'000, &GatewayConfig::send_queue_frames),
      NumberFlag<size_t>("--max-frame-bytes", 1, size_t{1} << 30, &GatewayConfig::max_frame_bytes),
      NumberFlag<size_t>("--max-body-bytes", 1, size_t{1} << 30, &GatewayConfig::max_body_bytes),
      NumberFlag<size_t>("--loop-queue-bytes", 64 * 1024, size_t{1} << 36,
                         &GatewayConfig::loop_queue_bytes),
      NumberFlag<int>("--ping-interval-seconds", 1, 3600, &GatewayConfig::ping_interval_seconds),
      NumberFlag<int>("--idle-timeout-seconds", 1, 86400, &GatewayConfig::idle_timeout_seconds),
      NumberFlag<int>("--handshake-timeout-seconds", 1, 3600,
                      &GatewayConfig::handshake_timeout_seconds),
      NumberFlag<int>("--shutdown-timeout-seconds", 0, 3600,
                      &GatewayConfig::shutdown_timeout_seconds),
      {"--log-level", true,
       [](std::string_view v, GatewayConfig& c) { return ParseLogLevel(v, c.log_level); }},
  };
  return flags;
}

// Rules that involve several flags.
absl::Status CheckCombination(const GatewayConfig& config) {
  bool jwt = !config.jwt_secret_file.empty() || !config.jwt_public_key_file.empty();
  if (jwt && config.dev_auth) {
    return absl::InvalidArgumentError(
        "--dev-auth cannot be combined with --jwt-secret-file/--jwt-public-key-file: choose one "
        "auth mode");
  }
  if (!jwt && !config.dev_auth) {
    return absl::InvalidArgumentError(
        "choose an auth mode: --jwt-secret-file FILE and/or --jwt-public-key-file FILE, or "
        "--dev-auth for development");
  }
  if (!config.redis_password_file.empty()) {
    if (!config.redis.has_value()) {
      return absl::InvalidArgumentError(
          "--redis-password-file is for a Redis bus: add --bus redis://HOST[:PORT][/DB]");
    }
    if (!config.redis->node.password.empty()) {
      return absl::InvalidArgumentError(
          "--bus has a password and --redis-password-file gives another: keep only "
          "--redis-password-file (a URL on the command line is visible in ps)");
    }
  }
  if (config.ping_interval_seconds >= config.idle_timeout_seconds) {
    return absl::InvalidArgumentError(Cat(
        {"--ping-interval-seconds (", std::to_string(config.ping_interval_seconds),
         ") must be less than --idle-timeout-seconds (",
         std::to_string(config.idle_timeout_seconds), "): pongs are what keep a quiet client"}));
  }
  return absl::OkStatus();
}

}  // namespace

GatewayConfig DefaultGatewayConfig() {
  GatewayConfig config;
  config.threads = std::max(1u, std::thread::hardware_concurrency());
  return config;
}

CommandLine ParseCommandLine(int argc, const char* const* argv) {
  CommandLine result;
  result.config = DefaultGatewayConfig();
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      result.help_requested = true;
      result.help_text = HelpText();
      return result;
    }
  }
  auto fail = [&](absl::Status status) {
    result.status = std::move(status);
    return result;
  };
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.substr(0, 2) != "--") {
      return fail(absl::InvalidArgumentError(
          Cat({"unexpected argument '", arg, "' (flags start with --)"})));
    }
    std::string_view name = arg;
    std::optional<std::string_view> value;
    if (size_t eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    const Flag* flag = nullptr;
    for (const Flag& f : Flags()) {
      if (f.name == name) flag = &f;
    }
    if (flag == nullptr) {
      return fail(absl::InvalidArgumentError(Cat({"unknown flag ", name})));
    }
    if (!flag->takes_value) {
      if (value.has_value()) return fail(FlagError(name, "takes no value"));
    } else if (!value.has_value()) {
      // "--flag value". A following "--x" is taken as a forgotten value
      // rather than silently swallowed as one.
      if (i + 1 >= argc || std::string_view(argv[i + 1]).substr(0, 2) == "--") {
        return fail(FlagError(name, "needs a value"));
      }
      value = argv[++i];
    }
    if (auto status = flag->apply(value.value_or(""), result.config); !status.ok()) {
      return fail(std::move(status));
    }
  }
  if (auto status = CheckCombination(result.config); !status.ok()) return fail(std::move(status));
  return result;
}

std::string HelpText() {
  return R"(pubsub-gateway: serves the schema's channels to WebSocket clients, and accepts
events to publish over HTTP (and gRPC).

Usage:
  pubsub-gateway --listen 127.0.0.1:8080 [--grpc-listen 127.0.0.1:50051]
                 [--bus memory | --bus redis://127.0.0.1:6379 | --bus redis-cluster://10.0.0.1:7000,...
                  [--redis-password-file FILE]]
                 [--jwt-secret-file FILE | --dev-auth] [--publisher-key-file FILE] [--allowed-origin URL ...]

Flags take their value as "--flag value" or "--flag=value".

Network:
  --listen HOST:PORT            HTTP and WebSocket address; HOST is an IP address, IPv6 in
                                brackets ([::1]:8080); port 0 picks a free one.
                                Default: 127.0.0.1:8080
  --grpc-listen HOST:PORT       Address of the gRPC Publish service. Default: off
  --reuse-port                  Share the --listen port with other processes that pass it too
                                (the kernel spreads connections among them). Without it, a port
                                another process listens on is refused at start-up. The gRPC
                                port is never shared. Default: off
  --bus memory|redis://[[USER]:PASSWORD@]HOST[:PORT][/DB]
      |redis-cluster://[[USER]:PASSWORD@]HOST:PORT[,HOST:PORT...]
                                Where events travel between publishers and gateways: "memory" is
                                the embedded in-process bus (one replica); a Redis URL connects
                                replicas (port 6379 and database 0 by default; USER for Redis 6
                                ACLs); a redis-cluster URL names some nodes of a Redis Cluster
                                (Redis 7: sharded pub/sub, each topic on the shard that owns its
                                slot). A password in the URL works, but every local user can
                                read a command line (ps): prefer --redis-password-file.
                                Default: memory
  --redis-password-file FILE    Password for Redis AUTH, read from FILE (a trailing newline is
                                ignored), so that it never appears on a command line or in
                                logs. Default: none
  --allowed-origin URL          Accept browser connections only from this origin, e.g.
                                https://app.example.com (repeatable). Default: any origin

Authentication (exactly one mode is required):
  --jwt-secret-file FILE        HS256 JWT secret (the file's content; one trailing newline is
                                removed): at least 32 bytes, e.g. from
                                head -c 32 /dev/urandom | base64 > FILE
  --jwt-public-key-file FILE    RS256 JWT public key (PEM). May be combined with the secret.
  --jwt-leeway-seconds N        Clock skew allowed on exp and nbf, 0 to 60. Default: 30
  --dev-auth                    DEVELOPMENT ONLY: no token; the user id comes from ?user_id= and
                                roles from ?role= (repeatable). Never expose such a gateway.
  --publisher-key-file FILE     Key that POST /api/publish requires as "Authorization: Bearer
                                KEY". Default: none

Limits and timing:
  --threads N                   Event loops, one per core. Default: the number of cores
  --send-queue-bytes N          Bytes queued per socket before the client is closed with 1013
                                "slow consumer". Default: 1048576 (1 MiB)
  --send-queue-frames N         Frames queued per socket, likewise. Default: 4096
  --max-frame-bytes N           Largest inbound WebSocket message (close 1009 beyond).
                                Default: 65536 (64 KiB)
  --max-body-bytes N            Largest publish request body (413 beyond). Default: 1048576
  --loop-queue-bytes N          Events waiting for one event loop, in bytes. A loop that falls
                                this far behind closes its clients of a topic whose event did
                                not fit with 1013 "server overloaded" rather than queue more.
                                Default: 33554432 (32 MiB)
  --ping-interval-seconds N     Ping a quiet client this often. Default: 20
  --idle-timeout-seconds N      Close a client silent this long (more than the ping interval:
                                its pongs count). Default: 60
  --handshake-timeout-seconds N Time allowed for an HTTP request or WebSocket handshake.
                                Default: 10
  --shutdown-timeout-seconds N  On SIGTERM/SIGINT, time to flush queues and close sockets with
                                1001 before dropping them. Default: 10

Other:
  --log-level LEVEL             trace, debug, info, warn, error, critical or off. Default: info
  --help, -h                    Print this help.

HTTP surface:
  ws://HOST/ws/comments/42?token=JWT            JWT claims: sub (user id), roles (array of strings), exp
  POST /api/publish[?to=USER&to=USER]           body: the event exactly as browsers receive it; 202 {"id":…}, 400, 401, 503
       Authorization: Bearer PUBLISHER_KEY      e.g. {"type":"new_broadcast","data":{"id":1,"title":"Hi",...}}
  GET  /healthz  /readyz  /metrics  /api/stats[?user=ID][&scope=replica]
  The token may also come from "Authorization: Bearer JWT" or the WebSocket subprotocols
  "bearer, JWT" (the gateway then answers with the subprotocol "bearer").
)";
}

}  // namespace pubsub::gateway
