// ParseRedisUrl: redis://[[username]:password@]host[:port][/db], and the
// helpers (redis/url_parts.h) that redis-cluster:// URLs share with it.
#include <arpa/inet.h>
#include <strings.h>

#include <charconv>
#include <optional>
#include <string>
#include <string_view>

#include "pubsub/internal/percent_decode.h"
#include "pubsub/redis_bus.h"
#include "redis/url_parts.h"

namespace pubsub {
namespace internal::redis {
namespace {

absl::Status PercentDecode(std::string_view in, std::string_view what, std::string& out) {
  std::optional<std::string> decoded = internal::PercentDecode(in);
  if (!decoded) {
    return absl::InvalidArgumentError("bad percent-encoding in the " + std::string(what));
  }
  out = *std::move(decoded);
  return absl::OkStatus();
}

bool IsIpv6Address(const std::string& host) {
  unsigned char buffer[16];
  return inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

// A DNS name or an IPv4 address. '_' is allowed: resolvers accept it, and
// container names (docker compose's "redis_1") use it.
bool IsHostName(std::string_view host) {
  if (host.size() > 253 || host.front() == '-' || host.front() == '.') return false;
  for (char c : host) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.' || c == '_';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

bool ParseNumber(std::string_view digits, long min, long max, long& value) {
  if (digits.empty() || digits.size() > 10) return false;
  for (char c : digits) {
    if (c < '0' || c > '9') return false;
  }
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return ec == std::errc() && end == digits.data() + digits.size() && value >= min && value <= max;
}

absl::Status ParseUserInfo(std::string_view userinfo, std::string_view scheme,
                           std::string& username, std::string& password) {
  const size_t colon = userinfo.find(':');
  if (colon == std::string_view::npos) {
    const std::string s(scheme);
    return absl::InvalidArgumentError("user info without a password (write " + s +
                                      "://:PASSWORD@host or " + s + "://USER:PASSWORD@host)");
  }
  if (absl::Status status = PercentDecode(userinfo.substr(0, colon), "user name", username);
      !status.ok()) {
    return status;
  }
  if (absl::Status status = PercentDecode(userinfo.substr(colon + 1), "password", password);
      !status.ok()) {
    return status;
  }
  if (password.empty()) return absl::InvalidArgumentError("empty password");
  return absl::OkStatus();
}

absl::Status ParseHostPort(std::string_view authority, std::string& host,
                           std::optional<uint16_t>& port) {
  const auto bad = [](std::string_view message) {
    return absl::InvalidArgumentError(std::string(message));
  };
  port.reset();
  std::string_view port_text;
  bool has_port = false;
  const bool bracketed = !authority.empty() && authority.front() == '[';
  if (bracketed) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return bad("unterminated IPv6 address");
    host = std::string(authority.substr(1, close - 1));
    if (!IsIpv6Address(host)) return bad("not an IPv6 address in brackets");
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return bad("unexpected text after the IPv6 address");
      port_text = after.substr(1);
      has_port = true;
    }
  } else {
    const size_t colon = authority.find(':');
    host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      has_port = true;
    }
  }
  if (host.empty()) return bad("missing host");
  if (has_port && port_text.empty()) return bad("empty port");
  if (!bracketed && !IsHostName(host)) {
    return bad("the host must be a name or an IP address (IPv6 in brackets: [::1])");
  }
  if (has_port) {
    long value = 0;
    if (!ParseNumber(port_text, 1, 65535, value)) return bad("port must be 1..65535");
    port = static_cast<uint16_t>(value);
  }
  return absl::OkStatus();
}

}  // namespace internal::redis

namespace {

absl::Status Bad(std::string_view url_free_message) {
  // The URL may hold a password: messages never quote it.
  return absl::InvalidArgumentError("redis URL: " + std::string(url_free_message));
}

}  // namespace

absl::StatusOr<RedisBusOptions> ParseRedisUrl(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return Bad("expected redis://host[:port][/db]");
  const std::string_view scheme = url.substr(0, scheme_end);
  if (internal::redis::EqualsIgnoreCase(scheme, "rediss"))
    return Bad("TLS (rediss://) is not supported yet");
  if (!internal::redis::EqualsIgnoreCase(scheme, "redis")) {
    return Bad("unsupported scheme (expected redis://host[:port][/db])");
  }
  std::string_view rest = url.substr(scheme_end + 3);
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return Bad("query strings and fragments are not supported");
  }

  RedisBusOptions options;
  // The user info ends at the last '@' (a password may hold an unencoded '@';
  // it may not hold '/' unless percent-encoded).
  const size_t last_at = rest.rfind('@');
  const size_t path_start = rest.find('/', last_at == std::string_view::npos ? 0 : last_at);
  std::string_view authority = rest.substr(0, path_start);
  const std::string_view path =
      path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);

  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    if (absl::Status status = internal::redis::ParseUserInfo(authority.substr(0, at), "redis",
                                                             options.username, options.password);
        !status.ok()) {
      return Bad(std::string(status.message()));
    }
    authority = authority.substr(at + 1);
  }

  std::optional<uint16_t> port;
  if (absl::Status status = internal::redis::ParseHostPort(authority, options.host, port);
      !status.ok()) {
    return Bad(std::string(status.message()));
  }
  if (port) options.port = *port;

  if (path.size() > 1) {
    long db = 0;
    if (!internal::redis::ParseNumber(path.substr(1), 0, 2147483647, db)) {
      return Bad("the path must be a database number (/0, /1, ...)");
    }
    options.db = static_cast<int>(db);
  }
  return options;
}

}  // namespace pubsub
