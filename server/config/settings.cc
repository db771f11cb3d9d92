#include "server/config/settings.h"

#include <algorithm>
#include <numeric>

#include "server/config/value_parsers.h"

namespace pubsub::gateway::internal {
namespace {

constexpr int kMaxLeewaySeconds = 60;

using Show = std::vector<std::string>;

template <typename T>
Setting NumberSetting(std::string_view name, T min, T max, T GatewayConfig::*field) {
  return {name, SettingKind::kValue,
          [min, max, field](std::string_view label, std::string_view value, GatewayConfig& c) {
            return ParseNumber<T>(label, value, min, max, c.*field);
          },
          [field](const GatewayConfig& c) { return Show{std::to_string(c.*field)}; }};
}

// A file the gateway reads at start-up (a secret, a key); empty = none.
Setting PathSetting(std::string_view name, std::string GatewayConfig::*field) {
  return {
      name, SettingKind::kValue,
      [field](std::string_view label, std::string_view value, GatewayConfig& c) {
        if (value.empty()) return ValueError(label, "expected a file name");
        c.*field = std::string(value);
        return absl::OkStatus();
      },
      [field](const GatewayConfig& c) { return Show{(c.*field).empty() ? "(none)" : c.*field}; }};
}

Setting SwitchSetting(std::string_view name, bool GatewayConfig::*field) {
  return {name, SettingKind::kSwitch,
          [field](std::string_view label, std::string_view value, GatewayConfig& c) {
            return ParseBool(label, value, c.*field);
          },
          [field](const GatewayConfig& c) { return Show{c.*field ? "true" : "false"}; }};
}

std::vector<Setting> MakeSettings() {
  return {
      {"listen", SettingKind::kValue,
       [](std::string_view label, std::string_view v, GatewayConfig& c) {
         return ParseListen(label, v, c.listen_host, c.listen_port);
       },
       [](const GatewayConfig& c) { return Show{FormatHostPort(c.listen_host, c.listen_port)}; }},
      {"grpc-listen", SettingKind::kValue,
       [](std::string_view label, std::string_view v, GatewayConfig& c) {
         return ParseListen(label, v, c.grpc_listen_host, c.grpc_listen_port);
       },
       [](const GatewayConfig& c) {
         return Show{c.grpc_listen_host.empty()
                         ? "(off)"
                         : FormatHostPort(c.grpc_listen_host, c.grpc_listen_port)};
       }},
      SwitchSetting("reuse-port", &GatewayConfig::reuse_port),
      {"bus", SettingKind::kValue,
       [](std::string_view label, std::string_view v, GatewayConfig& c) {
         return ParseBus(label, v, c.redis);
       },
       [](const GatewayConfig& c) { return Show{FormatBus(c.redis)}; }},
      PathSetting("redis-password-file", &GatewayConfig::redis_password_file),
      {"allowed-origin", SettingKind::kList,
       [](std::string_view label, std::string_view v, GatewayConfig& c) {
         std::string origin;
         if (auto status = ParseOrigin(label, v, origin); !status.ok()) return status;
         c.allowed_origins.push_back(std::move(origin));
         return absl::OkStatus();
       },
       [](const GatewayConfig& c) {
         return c.allowed_origins.empty() ? Show{"(any)"} : c.allowed_origins;
       },
       [](GatewayConfig& c) { c.allowed_origins.clear(); }},
      PathSetting("jwt-secret-file", &GatewayConfig::jwt_secret_file),
      PathSetting("jwt-public-key-file", &GatewayConfig::jwt_public_key_file),
      NumberSetting<int>("jwt-leeway-seconds", 0, kMaxLeewaySeconds,
                         &GatewayConfig::jwt_leeway_seconds),
      SwitchSetting("dev-auth", &GatewayConfig::dev_auth),
      PathSetting("publisher-key-file", &GatewayConfig::publisher_key_file),
      {"admin-role", SettingKind::kValue,
       [](std::string_view label, std::string_view v, GatewayConfig& c) {
         if (v.empty() || v.size() > 256) {
           return ValueError(label, "expected a role name (1 to 256 bytes)");
         }
         for (unsigned char ch : v) {
           if (ch <= ' ' || ch == 0x7f) {
             return ValueError(label, "a role name has no spaces or control characters");
           }
         }
         c.admin_role = std::string(v);
         return absl::OkStatus();
       },
       [](const GatewayConfig& c) { return Show{c.admin_role}; }},
      NumberSetting<size_t>("threads", 1, 1024, &GatewayConfig::threads),
      NumberSetting<size_t>("send-queue-bytes", 1024, size_t{1} << 34,
                            &GatewayConfig::send_queue_bytes),
      NumberSetting<size_t>("send-queue-frames", 1, 10'000'000, &GatewayConfig::send_queue_frames),
      NumberSetting<size_t>("max-frame-bytes", 1, size_t{1} << 30, &GatewayConfig::max_frame_bytes),
      NumberSetting<size_t>("max-body-bytes", 1, size_t{1} << 30, &GatewayConfig::max_body_bytes),
      NumberSetting<size_t>("loop-queue-bytes", 64 * 1024, size_t{1} << 36,
                            &GatewayConfig::loop_queue_bytes),
      NumberSetting<int>("ping-interval-seconds", 1, 3600, &GatewayConfig::ping_interval_seconds),
      NumberSetting<int>("idle-timeout-seconds", 1, 86400, &GatewayConfig::idle_timeout_seconds),
      NumberSetting<int>("handshake-timeout-seconds", 1, 3600,
                         &GatewayConfig::handshake_timeout_seconds),
      NumberSetting<int>("shutdown-timeout-seconds", 0, 3600,
                         &GatewayConfig::shutdown_timeout_seconds),
      {"log-level", SettingKind::kValue,
       [](std::string_view label, std::string_view v, GatewayConfig& c) {
         return ParseLogLevel(label, v, c.log_level);
       },
       [](const GatewayConfig& c) { return Show{c.log_level}; }},
  };
}

// Levenshtein distance, for "did you mean": names are short.
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), size_t{0});
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

const std::vector<Setting>& Settings() {
  static const std::vector<Setting> settings = MakeSettings();
  return settings;
}

const Setting* FindSetting(std::string_view name) {
  for (const Setting& setting : Settings()) {
    if (setting.name == name) return &setting;
  }
  return nullptr;
}

std::string EnvironmentVariable(std::string_view name) {
  std::string out = "PUBSUB_";
  for (char c : name) {
    out.push_back(c == '-' ? '_' : (c >= 'a' && c <= 'z') ? static_cast<char>(c - 'a' + 'A') : c);
  }
  return out;
}

std::string_view SuggestName(std::string_view name, bool options) {
  std::vector<std::string_view> candidates;
  for (const Setting& setting : Settings()) candidates.push_back(setting.name);
  if (options) candidates.insert(candidates.end(), {kConfigOption, kPrintConfigOption});
  // Short names allow one edit: "bus" must not suggest for any three letters.
  const size_t allowed = name.size() <= 5 ? 1 : 2;
  std::string_view best;
  size_t best_distance = allowed + 1;
  for (std::string_view candidate : candidates) {
    const size_t distance = EditDistance(name, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace pubsub::gateway::internal
