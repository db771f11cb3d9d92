// Logging for the SDK's programs (the gateway, the `pubsub` CLI, the load
// generator) in one format, and a limiter for lines that can repeat without
// bound (one per refused connection, one per failed accept).
//
//   // In main, before any thread starts:
//   if (auto status = pubsub::ConfigureLogging("pubsub-gateway", "info"); !status.ok()) ...
//   // stderr: 2026-11-25T10:00:00.123Z pubsub-gateway info: listening
//
//   // At a call site that a peer can trigger at will:
//   static pubsub::LogLimiter limiter(10, std::chrono::seconds(1));
//   if (auto permit = limiter.Allow()) {
//     spdlog::info("refused {}{}", why, pubsub::SuppressedNote(permit.suppressed));
//   }
//
// The runtime itself (e.g. RedisBus) logs through spdlog's default logger,
// which ConfigureLogging replaces: a program that never calls it gets
// spdlog's own default (stdout, spdlog's pattern). ConfigureLogging also
// routes protobuf's own log lines (one per refused message) into that logger,
// at most 10 a second.
#ifndef PUBSUB_LOG_H_
#define PUBSUB_LOG_H_

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace pubsub {

// Installs spdlog's default logger: stderr (stdout stays free for what
// scripts read: a startup line, results, a report), colored only on a
// terminal, one pattern for every program:
//   <UTC time, ms>Z <program> <level>: <message>
// UTC so that lines of replicas in different time zones sort together.
// `level` is trace, debug, info, warn (or warning), error, critical or off;
// anything else is InvalidArgument and leaves logging unchanged. Not
// thread-safe: call it from main before other threads log. Calling it again
// replaces the logger.
absl::Status ConfigureLogging(std::string_view program, std::string_view level);

// Lets at most `max_lines` lines through per `interval` and counts the rest,
// so that a flood (an attacker's refused connections, a dead peer's retries)
// cannot fill a disk or drown the lines that matter. The count is reported
// with the first line let through after a suppression: a flood that stops
// entirely leaves its last count unreported until the next line.
//
// Fixed windows: a window opens at the first line after the previous one
// expired. Thread-safe (a mutex held for a few instructions; take it only on
// paths that would otherwise log).
class LogLimiter {
 public:
  using Clock = std::chrono::steady_clock;

  struct Permit {
    bool allowed = false;
    // Lines refused since the last allowed one (meaningful when allowed).
    uint64_t suppressed = 0;
    explicit operator bool() const { return allowed; }
  };

  // `max_lines` >= 1 per `interval` > 0.
  LogLimiter(uint64_t max_lines, Clock::duration interval);
  LogLimiter(const LogLimiter&) = delete;
  LogLimiter& operator=(const LogLimiter&) = delete;

  // Whether to log a line now; `now` is for tests.
  Permit Allow(Clock::time_point now = Clock::now());

  // Lines refused since the last allowed one.
  uint64_t suppressed() const;

 private:
  const uint64_t max_lines_;
  const Clock::duration interval_;
  mutable std::mutex mutex_;
  Clock::time_point window_end_;  // guarded by mutex_; epoch: no window yet
  uint64_t lines_in_window_ = 0;  // guarded by mutex_
  uint64_t suppressed_ = 0;       // guarded by mutex_
};

// " (N similar lines suppressed)", or "" when N is 0: to append to a line
// that a LogLimiter let through.
std::string SuppressedNote(uint64_t suppressed);

}  // namespace pubsub

#endif  // PUBSUB_LOG_H_
