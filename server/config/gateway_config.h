// The gateway's configuration and where it comes from: the command line,
// the environment and a config file. The flag names are what users script
// against (DESIGN section 7): keep them stable.
//
//   pubsub::gateway::CommandLine parsed = pubsub::gateway::ParseCommandLine(argc, argv);
//   if (parsed.help_requested) { std::fputs(parsed.help_text.c_str(), stdout); return 0; }
//   if (parsed.print_config_requested) print parsed.print_config_text (when not empty);
//   if (!parsed.status.ok()) { print parsed.status.message(); return 2; }
//   const pubsub::gateway::GatewayConfig& config = parsed.config;
//
// Every setting --foo-bar is also read from the environment variable
// PUBSUB_FOO_BAR (environment.h) and from the config file named by --config
// or PUBSUB_CONFIG, as "foo-bar = value" (config_file.h). Precedence: command
// line > environment > config file > default; a list (--allowed-origin) is
// taken whole from the highest source that sets it.
//
// On the command line, both "--flag value" and "--flag=value" work. A
// single-valued flag given twice takes the last value (so that scripts can
// append overrides); --allowed-origin accumulates. Parsing checks syntax and
// ranges only: files are read, and addresses bound, by the gateway when it
// starts.
#ifndef PUBSUB_SERVER_CONFIG_GATEWAY_CONFIG_H_
#define PUBSUB_SERVER_CONFIG_GATEWAY_CONFIG_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "pubsub/redis_target.h"

namespace pubsub::gateway {

struct GatewayConfig {
  // --listen HOST:PORT: HTTP and WebSocket. HOST is an IP address (IPv6 in
  // brackets on the command line, stored without); PORT 0 picks a free port.
  std::string listen_host = "127.0.0.1";
  uint16_t listen_port = 8080;
  // --grpc-listen HOST:PORT: the gRPC Publish service; empty host = off.
  std::string grpc_listen_host;
  uint16_t grpc_listen_port = 0;
  // When set, SO_REUSEPORT lets this gateway share --listen with other
  // processes that set it too (the kernel spreads connections among them);
  // otherwise a port that another process listens on is refused at start-up.
  bool reuse_port = false;  // --reuse-port
  // --bus: unset for "memory" (the embedded, in-process bus); for a redis://
  // or redis-cluster:// URL, what pubsub::ParseRedisTarget made of it (hosts,
  // ports, database, and the user name and password when the URL has them).
  // The URL itself is not kept: it may hold a password.
  std::optional<RedisTarget> redis;
  // Auth: exactly one of JWT (a secret file and/or a public key file) or
  // development mode.
  std::string jwt_secret_file;      // --jwt-secret-file: HS256 shared secret
  std::string jwt_public_key_file;  // --jwt-public-key-file: RS256 public key (PEM)
  int jwt_leeway_seconds = 30;      // --jwt-leeway-seconds: clock skew on exp/nbf, 0..60
  bool dev_auth = false;            // --dev-auth: user from ?user_id=, roles from ?role=
  std::string publisher_key_file;   // --publisher-key-file: key for POST /api/publish
  // --admin-role: the role (JWT `roles` claim, or ?role= with --dev-auth)
  // that the admin page and /api/admin/... require (docs/admin.md).
  std::string admin_role = "admin";
  std::string redis_password_file;  // --redis-password-file: AUTH password for --bus redis://
                                    // (read by MakeBus, server/bus_factory.h)
  // --allowed-origin (repeatable): normalized origins "scheme://host[:port]",
  // scheme and host lowercased, as browsers send them. Empty = any origin.
  std::vector<std::string> allowed_origins;
  size_t threads = 1;                  // --threads: event loops (default: AvailableCores())
  size_t send_queue_bytes = 1 << 20;   // --send-queue-bytes: per socket
  size_t send_queue_frames = 4096;     // --send-queue-frames: per socket
  size_t max_frame_bytes = 64 * 1024;  // --max-frame-bytes: inbound message limit
  size_t max_body_bytes = 1 << 20;     // --max-body-bytes: publish body limit
  size_t loop_queue_bytes = 32 << 20;  // --loop-queue-bytes: events waiting per event loop
  int ping_interval_seconds = 20;      // --ping-interval-seconds
  int idle_timeout_seconds = 60;       // --idle-timeout-seconds (> ping interval)
  int handshake_timeout_seconds = 10;  // --handshake-timeout-seconds
  int shutdown_timeout_seconds = 10;   // --shutdown-timeout-seconds (0 = drop at once)
  // --log-level: trace, debug, info, warn, error, critical or off (names that
  // spdlog::level::from_str understands).
  std::string log_level = "info";
};

// The defaults, with `threads` set to the cores this process may use
// (available_cores.h: CPU affinity and cgroup quota).
GatewayConfig DefaultGatewayConfig();

// Environment variables by name (only PUBSUB_* ones matter).
using Environment = std::map<std::string, std::string, std::less<>>;

struct CommandLine {
  // OK, or InvalidArgument whose message names the bad setting and its
  // source: "--threads: expected a number from 1 to 1024, got 'many'",
  // "environment PUBSUB_THREADS: ...", "config file /etc/pubsub/gateway.conf:12:
  // threads: ...".
  absl::Status status;
  // --help or -h was given (anywhere): print help_text and exit 0.
  bool help_requested = false;
  std::string help_text;
  // --print-config was given: print print_config_text (every setting's
  // effective value and source) and exit, 0 when status is OK. The text is
  // there whenever every value parsed, so that a failed rule between
  // settings (status) can be seen next to the values that broke it.
  bool print_config_requested = false;
  std::string print_config_text;
  // Worth a log line at start-up: an ignored PUBSUB_* variable that looks
  // like a misspelt setting.
  std::vector<std::string> warnings;
  // The configuration; meaningful when status is OK and no help was asked.
  GatewayConfig config;
};

// Parses the gateway's arguments (argv[0] is the program name), with this
// process's environment and the config file it names.
CommandLine ParseCommandLine(int argc, const char* const* argv);

// The same with the environment given (tests).
CommandLine ParseCommandLine(int argc, const char* const* argv, const Environment& environment);

// The --help text: every flag with its default, the configuration sources,
// and the HTTP surface.
std::string HelpText();

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_CONFIG_GATEWAY_CONFIG_H_
