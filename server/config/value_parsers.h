// The parsers of the gateway's setting values, shared by every source of
// settings (command line, environment, config file), and the formatters that
// --print-config shows effective values with.
//
// `label` names where a value came from and starts every error message:
//
//   ParseListen("--listen", "localhost:80", host, port)
//     -> "--listen: 'localhost' is not an IP address (...)"
//   ParseListen("environment PUBSUB_LISTEN", ...)
//     -> "environment PUBSUB_LISTEN: 'localhost' is not an IP address (...)"
//
// Parsers check syntax and ranges only: files are read, and addresses bound,
// by the gateway when it starts. No message quotes a Redis URL that may hold
// a password.
#ifndef PUBSUB_SERVER_CONFIG_VALUE_PARSERS_H_
#define PUBSUB_SERVER_CONFIG_VALUE_PARSERS_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "pubsub/redis_target.h"

namespace pubsub::gateway::internal {

// InvalidArgument "LABEL: MESSAGE".
absl::Status ValueError(std::string_view label, std::string_view message);

// A whole decimal number in [min, max] (digits only: no sign, no spaces).
// Instantiated for int, uint16_t and size_t.
template <typename T>
absl::Status ParseNumber(std::string_view label, std::string_view value, T min, T max, T& out);

// true/false, 1/0, yes/no, on/off, in any case: how a switch (--dev-auth) is
// written in the environment or a config file.
absl::Status ParseBool(std::string_view label, std::string_view value, bool& out);

// HOST:PORT where HOST is an IP address, IPv6 in brackets ([::1]:8080, stored
// without them); port 0 picks a free port.
absl::Status ParseListen(std::string_view label, std::string_view value, std::string& host,
                         uint16_t& port);

// memory (out = nullopt) | redis://... | redis-cluster://..., parsed by the
// runtime's ParseRedisTarget, the one parser of Redis URLs.
absl::Status ParseBus(std::string_view label, std::string_view value,
                      std::optional<RedisTarget>& out);

// An origin as browsers send it, normalized: scheme "://" host [":" port],
// scheme and host lowercased, the scheme's default port left out.
absl::Status ParseOrigin(std::string_view label, std::string_view value, std::string& out);

// trace, debug, info, warn (or warning), error, critical or off.
absl::Status ParseLogLevel(std::string_view label, std::string_view value, std::string& out);

// "127.0.0.1:8080", "[::1]:8080".
std::string FormatHostPort(std::string_view host, uint16_t port);

// The bus as a URL with its defaults filled in and its password masked:
// "memory", "redis://app:****@10.0.0.5:6379/0",
// "redis-cluster://10.0.0.1:7000,10.0.0.2:7000".
std::string FormatBus(const std::optional<RedisTarget>& redis);

}  // namespace pubsub::gateway::internal

#endif  // PUBSUB_SERVER_CONFIG_VALUE_PARSERS_H_
