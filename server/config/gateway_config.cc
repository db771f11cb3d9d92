#include "server/config/gateway_config.h"

#include <algorithm>
#include <thread>

#include "pubsub/internal/str_cat.h"
#include "server/config/arguments.h"
#include "server/config/available_cores.h"
#include "server/config/config_file.h"
#include "server/config/environment.h"
#include "server/config/print_config.h"
#include "server/config/settings.h"

namespace pubsub::gateway {
namespace {

using internal::Assignment;
using internal::SettingSources;
using internal::Source;
using pubsub::internal::Cat;

// Rules that involve several settings. `involved` receives the settings that
// broke a rule, so that the message can say where each came from.
absl::Status CheckCombination(const GatewayConfig& config,
                              std::vector<std::string_view>& involved) {
  bool jwt = !config.jwt_secret_file.empty() || !config.jwt_public_key_file.empty();
  if (jwt && config.dev_auth) {
    involved = {"dev-auth", "jwt-secret-file", "jwt-public-key-file"};
    return absl::InvalidArgumentError(
        "--dev-auth cannot be combined with --jwt-secret-file/--jwt-public-key-file: choose one "
        "auth mode");
  }
  if (!jwt && !config.dev_auth) {
    involved = {"dev-auth"};  // a dev-auth = false that overrode a true
    return absl::InvalidArgumentError(
        "choose an auth mode: --jwt-secret-file FILE and/or --jwt-public-key-file FILE, or "
        "--dev-auth for development");
  }
  if (!config.redis_password_file.empty()) {
    involved = {"redis-password-file", "bus"};
    if (!config.redis.has_value()) {
      return absl::InvalidArgumentError(
          "--redis-password-file is for a Redis bus: add --bus redis://HOST[:PORT][/DB]");
    }
    if (!config.redis->node.password.empty()) {
      return absl::InvalidArgumentError(
          "--bus has a password and --redis-password-file gives another: keep only "
          "--redis-password-file (a URL on the command line is visible in ps)");
    }
  }
  if (config.ping_interval_seconds >= config.idle_timeout_seconds) {
    involved = {"ping-interval-seconds", "idle-timeout-seconds"};
    return absl::InvalidArgumentError(Cat("--ping-interval-seconds (", config.ping_interval_seconds,
                                          ") must be less than --idle-timeout-seconds (",
                                          config.idle_timeout_seconds,
                                          "): pongs are what keep a quiet client"));
  }
  return absl::OkStatus();
}

// " (dev-auth: env PUBSUB_DEV_AUTH; jwt-secret-file: file /etc/x.conf:3)",
// for the involved settings that were not on the command line: a user who
// never typed --dev-auth learns where it came from.
std::string DescribeOrigins(const std::vector<std::string_view>& involved,
                            const SettingSources& sources) {
  std::string out;
  for (std::string_view setting : involved) {
    auto it = sources.find(setting);
    if (it == sources.end() || it->second.empty() ||
        it->second.front().kind == Source::Kind::kCommandLine) {
      continue;
    }
    out += Cat(out.empty() ? " (" : "; ", setting, ": ", it->second.front().Describe());
  }
  return out.empty() ? out : out + ")";
}

// Applies every source in precedence order (lowest first), so that a later
// value replaces an earlier one; a list is taken whole from the highest
// source that sets it. Every value is parsed, even one that a higher source
// overrides: a broken config file is an error even when the environment
// hides the broken line.
absl::Status Apply(const std::vector<const std::vector<Assignment>*>& layers, GatewayConfig& config,
                   SettingSources& sources) {
  for (const std::vector<Assignment>* layer : layers) {
    for (const Assignment& assignment : *layer) {
      const internal::Setting& setting = *assignment.setting;
      std::vector<Source>& origin = sources[setting.name];
      if (setting.kind == internal::SettingKind::kList && !origin.empty() &&
          origin.back().kind != assignment.source.kind) {
        setting.clear(config);
        origin.clear();
      }
      if (auto status =
              setting.apply(assignment.source.ErrorLabel(setting.name), assignment.value, config);
          !status.ok()) {
        return status;
      }
      if (setting.kind != internal::SettingKind::kList) origin.clear();
      origin.push_back(assignment.source);
    }
  }
  return absl::OkStatus();
}

}  // namespace

GatewayConfig DefaultGatewayConfig() {
  GatewayConfig config;
  config.threads = AvailableCores();
  return config;
}

CommandLine ParseCommandLine(int argc, const char* const* argv) {
  return ParseCommandLine(argc, argv, internal::ProcessEnvironment());
}

CommandLine ParseCommandLine(int argc, const char* const* argv, const Environment& environment) {
  CommandLine result;
  result.config = DefaultGatewayConfig();
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      result.help_requested = true;
      result.help_text = HelpText();
      return result;
    }
  }
  auto fail = [&](absl::Status status) {
    result.status = std::move(status);
    return result;
  };

  internal::Arguments arguments;
  if (auto status = internal::ReadArguments(argc, argv, arguments); !status.ok()) {
    return fail(std::move(status));
  }
  result.print_config_requested = arguments.print_config;
  internal::EnvironmentSettings from_environment = internal::ReadEnvironment(environment);
  result.warnings = from_environment.warnings;

  std::vector<std::string> notes;
  std::vector<Assignment> from_file;
  const std::optional<std::string>& config_file =
      arguments.config_file ? arguments.config_file : from_environment.config_file;
  if (config_file.has_value()) {
    auto read = internal::ReadConfigFile(*config_file);
    if (!read.ok()) return fail(read.status());
    from_file = *std::move(read);
    notes.push_back(Cat("config file: ", *config_file,
                        arguments.config_file ? " (flag --config)" : " (env PUBSUB_CONFIG)"));
  } else {
    notes.push_back("config file: none");
  }
  for (const std::string& ignored : from_environment.ignored) {
    notes.push_back(Cat("ignored: env ", ignored));
  }

  SettingSources sources;
  if (auto status = Apply({&from_file, &from_environment.assignments, &arguments.assignments},
                          result.config, sources);
      !status.ok()) {
    return fail(std::move(status));
  }
  if (result.print_config_requested) {
    result.print_config_text = internal::FormatPrintConfig(result.config, sources, notes);
  }
  std::vector<std::string_view> involved;
  if (auto status = CheckCombination(result.config, involved); !status.ok()) {
    return fail(absl::InvalidArgumentError(
        Cat(std::string(status.message()), DescribeOrigins(involved, sources))));
  }
  return result;
}

}  // namespace pubsub::gateway
