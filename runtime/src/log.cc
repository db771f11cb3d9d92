#include "pubsub/log.h"

#include <memory>
#include <optional>
#include <string>

#include "google/protobuf/stubs/logging.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"

namespace pubsub {
namespace {

// spdlog::level::from_str maps unknown names to `off`: a typo would silence
// every log, so only these names are accepted.
std::optional<spdlog::level::level_enum> ParseLevel(std::string_view level) {
  if (level == "trace") return spdlog::level::trace;
  if (level == "debug") return spdlog::level::debug;
  if (level == "info") return spdlog::level::info;
  if (level == "warn" || level == "warning") return spdlog::level::warn;
  if (level == "error") return spdlog::level::err;
  if (level == "critical") return spdlog::level::critical;
  if (level == "off") return spdlog::level::off;
  return std::nullopt;
}

// Protobuf logs an ERROR for every message it refuses (a string field with
// invalid UTF-8, say): bytes that a publisher or the bus can send at will.
// Its lines join ours, through a limiter.
void ProtobufLog(google::protobuf::LogLevel level, const char* file, int line,
                 const std::string& message) {
  static LogLimiter limiter(10, std::chrono::seconds(1));
  const auto permit = limiter.Allow();
  if (!permit) return;
  const auto spd_level = level >= google::protobuf::LOGLEVEL_ERROR     ? spdlog::level::err
                         : level == google::protobuf::LOGLEVEL_WARNING ? spdlog::level::warn
                                                                       : spdlog::level::info;
  spdlog::log(spd_level, "protobuf: {} ({}:{}){}", message, file, line,
              SuppressedNote(permit.suppressed));
}

}  // namespace

absl::Status ConfigureLogging(std::string_view program, std::string_view level) {
  const std::optional<spdlog::level::level_enum> parsed = ParseLevel(level);
  if (!parsed) {
    return absl::InvalidArgumentError(
        "log level: expected trace, debug, info, warn, error, critical or off, got '" +
        std::string(level) + "'");
  }
  // Not registered by name (set_default_logger does that), so a second call
  // replaces the logger instead of throwing "logger already exists".
  auto logger = std::make_shared<spdlog::logger>(
      std::string(program), std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %n %^%l%$: %v", spdlog::pattern_time_type::utc);
  logger->set_level(*parsed);
  spdlog::set_default_logger(std::move(logger));
  google::protobuf::SetLogHandler(&ProtobufLog);
  return absl::OkStatus();
}

LogLimiter::LogLimiter(uint64_t max_lines, Clock::duration interval)
    : max_lines_(max_lines < 1 ? 1 : max_lines), interval_(interval) {}

LogLimiter::Permit LogLimiter::Allow(Clock::time_point now) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (now >= window_end_) {
    window_end_ = now + interval_;
    lines_in_window_ = 0;
  }
  if (lines_in_window_ >= max_lines_) {
    ++suppressed_;
    return Permit{};
  }
  ++lines_in_window_;
  Permit permit{.allowed = true, .suppressed = suppressed_};
  suppressed_ = 0;
  return permit;
}

uint64_t LogLimiter::suppressed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return suppressed_;
}

std::string SuppressedNote(uint64_t suppressed) {
  if (suppressed == 0) return "";
  return " (" + std::to_string(suppressed) + " similar line" + (suppressed == 1 ? "" : "s") +
         " suppressed)";
}

}  // namespace pubsub
