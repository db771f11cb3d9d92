// The gateway's configuration and its command line, whose flag names users
// script against (DESIGN section 7): keep them stable.
//
//   pubsub::gateway::CommandLine parsed = pubsub::gateway::ParseCommandLine(argc, argv);
//   if (parsed.help_requested) { std::fputs(parsed.help_text.c_str(), stdout); return 0; }
//   if (!parsed.status.ok()) { print parsed.status.message(); return 2; }
//   const pubsub::gateway::GatewayConfig& config = parsed.config;
//
// Both "--flag value" and "--flag=value" work. A single-valued flag given
// twice takes the last value (so that scripts can append overrides);
// --allowed-origin accumulates. Parsing checks syntax and ranges only: files
// are read, and addresses bound, by the gateway when it starts.
#ifndef PUBSUB_SERVER_CONFIG_GATEWAY_CONFIG_H_
#define PUBSUB_SERVER_CONFIG_GATEWAY_CONFIG_H_

#include <cstddef>
#include <cstdint>
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
  std::string redis_password_file;  // --redis-password-file: AUTH password for --bus redis://
                                    // (read by MakeBus, server/bus_factory.h)
  // --allowed-origin (repeatable): normalized origins "scheme://host[:port]",
  // scheme and host lowercased, as browsers send them. Empty = any origin.
  std::vector<std::string> allowed_origins;
  size_t threads = 1;                  // --threads: event loops (default: cores)
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

// The defaults, with `threads` set to the number of cores.
GatewayConfig DefaultGatewayConfig();

struct CommandLine {
  // OK, or InvalidArgument whose message names the bad flag
  // ("--threads: expected a number from 1 to 1024, got 'many'").
  absl::Status status;
  // --help or -h was given (anywhere): print help_text and exit 0.
  bool help_requested = false;
  std::string help_text;
  // The configuration; meaningful when status is OK and no help was asked.
  GatewayConfig config;
};

// Parses the gateway's arguments (argv[0] is the program name).
CommandLine ParseCommandLine(int argc, const char* const* argv);

// The --help text: every flag with its default, and the HTTP surface.
std::string HelpText();

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_CONFIG_GATEWAY_CONFIG_H_
