// ParseRedisClusterUrl:
//   redis-cluster://[[username]:password@]host[:port][,host[:port]...][/]
//
// - Each host is a name, an IPv4 address or an IPv6 literal in brackets
//   ([::1]:7000); a node without a port means 6379, as in redis:// URLs.
// - The nodes are seeds: any nodes of the cluster (masters or replicas); the
//   bus learns the rest from them. The same node twice is refused (a typo).
// - The user info is shared by every node (Redis Cluster nodes share their
//   ACL users in practice) and is percent-decoded like redis://'s.
// - No database path: a cluster has database 0 only, so "/N" is refused
//   (a trailing "/" alone is accepted). No query string, no fragment.
// - Messages never quote the URL: it may hold a password.
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>

#include "pubsub/redis_cluster_bus.h"
#include "redis/url_parts.h"

namespace pubsub {
namespace {

namespace redis = internal::redis;

constexpr char kForm[] = "redis-cluster://host:port[,host:port...]";

absl::Status Bad(std::string_view url_free_message) {
  return absl::InvalidArgumentError("redis-cluster URL: " + std::string(url_free_message));
}

}  // namespace

absl::StatusOr<RedisClusterOptions> ParseRedisClusterUrl(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return Bad(std::string("expected ") + kForm);
  const std::string_view scheme = url.substr(0, scheme_end);
  if (redis::EqualsIgnoreCase(scheme, "rediss-cluster")) {
    return Bad("TLS (rediss-cluster://) is not supported yet");
  }
  if (redis::EqualsIgnoreCase(scheme, "redis") || redis::EqualsIgnoreCase(scheme, "rediss")) {
    return Bad(std::string("a cluster URL starts with redis-cluster:// (") + kForm + ")");
  }
  if (!redis::EqualsIgnoreCase(scheme, "redis-cluster")) {
    return Bad(std::string("unsupported scheme (expected ") + kForm + ")");
  }
  std::string_view rest = url.substr(scheme_end + 3);
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return Bad("query strings and fragments are not supported");
  }

  RedisClusterOptions options;
  // As in redis:// URLs, the user info ends at the last '@' (a password may
  // hold an unencoded '@' or ','; not '/' unless percent-encoded).
  const size_t last_at = rest.rfind('@');
  const size_t path_start = rest.find('/', last_at == std::string_view::npos ? 0 : last_at);
  std::string_view authority = rest.substr(0, path_start);
  const std::string_view path =
      path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);
  if (path.size() > 1) {
    return Bad(
        "a cluster has database 0 only: remove the /N path (SELECT is refused on a cluster)");
  }

  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    if (absl::Status status = redis::ParseUserInfo(authority.substr(0, at), "redis-cluster",
                                                   options.node.username, options.node.password);
        !status.ok()) {
      return Bad(std::string(status.message()));
    }
    authority = authority.substr(at + 1);
  }

  if (authority.empty()) return Bad("missing host");
  std::set<std::pair<std::string, uint16_t>> seen;
  size_t index = 0;
  while (true) {
    ++index;
    const size_t comma = authority.find(',');
    const std::string_view node = authority.substr(0, comma);
    const std::string which = "node " + std::to_string(index) + ": ";
    if (node.empty()) return Bad(which + "empty (a stray ',')");
    std::string host;
    std::optional<uint16_t> port;
    if (absl::Status status = redis::ParseHostPort(node, host, port); !status.ok()) {
      return Bad(which + std::string(status.message()));
    }
    std::pair<std::string, uint16_t> seed(std::move(host), port.value_or(6379));
    if (!seen.insert(seed).second) return Bad(which + "the same node twice");
    options.seeds.push_back(std::move(seed));
    if (comma == std::string_view::npos) break;
    authority = authority.substr(comma + 1);
  }
  return options;
}

}  // namespace pubsub
