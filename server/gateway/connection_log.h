// The gateway's log policy for what peers can trigger at will (refusals,
// slow-consumer and idle closes, sheds): info level, at most kLinesPerSecond
// lines a second for all of them together, with a count of what was left out;
// per-connection events (joins, leaves, publishes) at debug. Request targets
// are logged without their query: it may hold a token.
//
//   if (auto permit = ConnectionLog()) {
//     spdlog::info("http: refused {} {}: {}{}", peer, path, reason, SuppressedNote(permit));
//   }
#ifndef PUBSUB_SERVER_GATEWAY_CONNECTION_LOG_H_
#define PUBSUB_SERVER_GATEWAY_CONNECTION_LOG_H_

#include <chrono>
#include <string>
#include <string_view>

#include "pubsub/log.h"

namespace pubsub::gateway {

inline constexpr uint64_t kLinesPerSecond = 20;

// Whether a line about one connection may be logged now.
inline LogLimiter::Permit ConnectionLog() {
  static LogLimiter limiter(kLinesPerSecond, std::chrono::seconds(1));
  return limiter.Allow();
}

inline std::string SuppressedNote(const LogLimiter::Permit& permit) {
  return pubsub::SuppressedNote(permit.suppressed);
}

// A request target as it may be logged: the path, at most 200 bytes.
inline std::string_view LoggablePath(std::string_view target) {
  return target.substr(0, std::min(target.find('?'), size_t{200}));
}

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_GATEWAY_CONNECTION_LOG_H_
