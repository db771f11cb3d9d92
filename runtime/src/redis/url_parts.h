// The pieces of a Redis URL that redis:// (redis_url.cc) and
// redis-cluster:// (redis_cluster_url.cc) share: user info, host and port.
// Messages name the problem without a prefix and never quote the URL (it may
// hold a password); each parser adds its own "redis URL: " style prefix.
#ifndef PUBSUB_REDIS_URL_PARTS_H_
#define PUBSUB_REDIS_URL_PARTS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace pubsub::internal::redis {

// ASCII case-insensitive (the C locale is never changed here).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// Parses a non-empty run of decimal digits into [min, max].
bool ParseNumber(std::string_view digits, long min, long max, long& value);

// "[username]:password" (both percent-decoded; the password must not be
// empty). `scheme` ("redis", "redis-cluster") only shapes the hint in the
// message when the password is missing.
absl::Status ParseUserInfo(std::string_view userinfo, std::string_view scheme,
                           std::string& username, std::string& password);

// "host[:port]" or "[ipv6][:port]". `port` stays nullopt when the authority
// has no port; "host:" is an error (empty port).
absl::Status ParseHostPort(std::string_view authority, std::string& host,
                           std::optional<uint16_t>& port);

}  // namespace pubsub::internal::redis

#endif  // PUBSUB_REDIS_URL_PARTS_H_
