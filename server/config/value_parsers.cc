#include "server/config/value_parsers.h"

#include <arpa/inet.h>

#include <charconv>
#include <initializer_list>

#include "absl/status/statusor.h"
#include "pubsub/internal/str_cat.h"

namespace pubsub::gateway::internal {
namespace {

using pubsub::internal::Cat;

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
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
absl::Status SplitHostPort(std::string_view label, std::string_view value,
                           std::optional<uint16_t> default_port, std::string& host,
                           uint16_t& port) {
  std::string_view port_text;
  bool has_port = false;
  if (!value.empty() && value.front() == '[') {
    size_t close = value.find(']');
    if (close == std::string_view::npos) return ValueError(label, "missing ']' after an IPv6 host");
    host = std::string(value.substr(1, close - 1));
    std::string_view rest = value.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return ValueError(label, "expected ':PORT' after ']'");
      port_text = rest.substr(1);
      has_port = true;
    }
    if (!IsIpAddress(host) || host.find(':') == std::string::npos) {
      return ValueError(label, Cat("'", host, "' is not an IPv6 address"));
    }
  } else {
    size_t colon = value.rfind(':');
    if (colon != std::string_view::npos) {
      if (value.find(':') != colon) {
        return ValueError(label, "put an IPv6 address in brackets: [::1]:8080");
      }
      host = std::string(value.substr(0, colon));
      port_text = value.substr(colon + 1);
      has_port = true;
    } else {
      host = std::string(value);
    }
    if (host.empty()) return ValueError(label, Cat("missing host in '", value, "'"));
  }
  if (!has_port) {
    if (!default_port.has_value()) {
      return ValueError(label, Cat("expected HOST:PORT, got '", value, "'"));
    }
    port = *default_port;
    return absl::OkStatus();
  }
  return ParseNumber<uint16_t>(label, port_text, 0, 65535, port);
}

// A user name as it is written in a URL (RFC 3986 unreserved characters
// kept, the rest percent-encoded), so that the shown URL parses back.
std::string PercentEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(static_cast<char>(c));
    } else {
      out += {'%', kHex[c >> 4], kHex[c & 15]};
    }
  }
  return out;
}

}  // namespace

absl::Status ValueError(std::string_view label, std::string_view message) {
  return absl::InvalidArgumentError(Cat(label, ": ", message));
}

template <typename T>
absl::Status ParseNumber(std::string_view label, std::string_view value, T min, T max, T& out) {
  auto range_error = [&] {
    return ValueError(label, Cat("expected a number from ", std::to_string(min), " to ",
                                 std::to_string(max), ", got '", value, "'"));
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

template absl::Status ParseNumber<int>(std::string_view, std::string_view, int, int, int&);
template absl::Status ParseNumber<uint16_t>(std::string_view, std::string_view, uint16_t, uint16_t,
                                            uint16_t&);
template absl::Status ParseNumber<size_t>(std::string_view, std::string_view, size_t, size_t,
                                          size_t&);

absl::Status ParseBool(std::string_view label, std::string_view value, bool& out) {
  const std::string lower = ToLower(value);
  for (std::string_view yes : {"true", "1", "yes", "on"}) {
    if (lower == yes) {
      out = true;
      return absl::OkStatus();
    }
  }
  for (std::string_view no : {"false", "0", "no", "off"}) {
    if (lower == no) {
      out = false;
      return absl::OkStatus();
    }
  }
  return ValueError(label,
                    Cat("expected true or false (also 1/0, yes/no, on/off), got '", value, "'"));
}

absl::Status ParseListen(std::string_view label, std::string_view value, std::string& host,
                         uint16_t& port) {
  if (auto status = SplitHostPort(label, value, std::nullopt, host, port); !status.ok()) {
    return status;
  }
  if (!IsIpAddress(host)) {
    return ValueError(label, Cat("'", host, "' is not an IP address (e.g. 127.0.0.1:8080, ",
                                 "0.0.0.0:8080 for every interface, [::1]:8080)"));
  }
  return absl::OkStatus();
}

absl::Status ParseBus(std::string_view label, std::string_view value,
                      std::optional<RedisTarget>& out) {
  if (value == "memory") {
    out.reset();
    return absl::OkStatus();
  }
  const std::string scheme = ToLower(value.substr(0, value.find("://")));
  if (value.find("://") == std::string_view::npos ||
      (scheme != "redis" && scheme != "rediss" && scheme != "redis-cluster")) {
    // Quote the value unless it might carry a password.
    const std::string got =
        value.find('@') == std::string_view::npos ? Cat(", got '", value, "'") : "";
    return ValueError(label, Cat("expected memory, redis://[[USER]:PASSWORD@]HOST[:PORT][/DB] or "
                                 "redis-cluster://[[USER]:PASSWORD@]HOST:PORT[,HOST:PORT...]",
                                 got));
  }
  absl::StatusOr<RedisTarget> redis = ParseRedisTarget(value);
  if (!redis.ok()) return ValueError(label, std::string(redis.status().message()));
  out = *std::move(redis);
  return absl::OkStatus();
}

absl::Status ParseOrigin(std::string_view label, std::string_view value, std::string& out) {
  size_t sep = value.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    return ValueError(label,
                      Cat("expected an origin like https://app.example.com, got '", value, "'"));
  }
  std::string scheme = ToLower(value.substr(0, sep));
  for (char c : scheme) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == '.';
    if (!ok) return ValueError(label, Cat("bad scheme in '", value, "'"));
  }
  std::string_view authority = value.substr(sep + 3);
  if (authority.find_first_of("/?#") != std::string_view::npos) {
    return ValueError(label, Cat("an origin has no path, query or fragment: '", value,
                                 "' (browsers send e.g. https://app.example.com)"));
  }
  if (authority.find('@') != std::string_view::npos) {
    return ValueError(label, Cat("an origin has no user name: '", value, "'"));
  }
  std::string host;
  uint16_t port = 0;
  if (auto status = SplitHostPort(label, authority, uint16_t{0}, host, port); !status.ok()) {
    return status;
  }
  if (!IsIpAddress(host) && !IsHostName(host)) {
    return ValueError(label, Cat("bad host in '", value, "'"));
  }
  // Browsers leave the scheme's default port out of Origin: so do we.
  std::string normalized_authority = ToLower(authority);
  if ((scheme == "https" && authority.ends_with(":443")) ||
      (scheme == "http" && authority.ends_with(":80"))) {
    normalized_authority.resize(normalized_authority.rfind(':'));
  }
  out = Cat(scheme, "://", normalized_authority);
  return absl::OkStatus();
}

absl::Status ParseLogLevel(std::string_view label, std::string_view value, std::string& out) {
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
  return ValueError(
      label, Cat("expected trace, debug, info, warn, error, critical or off, got '", value, "'"));
}

std::string FormatHostPort(std::string_view host, uint16_t port) {
  const bool v6 = host.find(':') != std::string_view::npos;
  return Cat(v6 ? "[" : "", host, v6 ? "]" : "", ":", port);
}

std::string FormatBus(const std::optional<RedisTarget>& redis) {
  if (!redis.has_value()) return "memory";
  const RedisBusOptions& node = redis->node;
  std::string out = redis->cluster() ? "redis-cluster://" : "redis://";
  if (!node.username.empty() || !node.password.empty()) {
    // The password is never shown, only whether there is one.
    out += Cat(PercentEncode(node.username), node.password.empty() ? "" : ":****", "@");
  }
  if (!redis->cluster()) return Cat(out, FormatHostPort(node.host, node.port), "/", node.db);
  for (size_t i = 0; i < redis->cluster_seeds.size(); ++i) {
    const auto& [host, port] = redis->cluster_seeds[i];
    out += Cat(i == 0 ? "" : ",", FormatHostPort(host, port));
  }
  return out;
}

}  // namespace pubsub::gateway::internal
