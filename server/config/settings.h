// The gateway's settings: one table shared by the command line, the
// environment and the config file, so that a setting has one name and one
// parser everywhere. The setting "listen" is the flag --listen, the
// environment variable PUBSUB_LISTEN and the config file key "listen".
//
//   const Setting* setting = FindSetting("threads");
//   absl::Status status = setting->apply("--threads", "4", config);
//   std::vector<std::string> shown = setting->show(config);  // {"4"}
#ifndef PUBSUB_SERVER_CONFIG_SETTINGS_H_
#define PUBSUB_SERVER_CONFIG_SETTINGS_H_

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "server/config/gateway_config.h"

namespace pubsub::gateway::internal {

enum class SettingKind {
  kValue,   // one value: a later one replaces an earlier one
  kSwitch,  // a boolean: a bare --flag on the command line, true/false elsewhere
  kList,    // repeatable: the values of one source accumulate (--allowed-origin)
};

struct Setting {
  std::string_view name;  // "listen"
  SettingKind kind;
  // Parses `value` into `config` (a list appends). `label` names the source
  // in errors ("--listen", "environment PUBSUB_LISTEN", ...).
  std::function<absl::Status(std::string_view label, std::string_view value, GatewayConfig&)> apply;
  // The effective value as --print-config shows it, secrets masked: one
  // string, or one per value for a list; "(none)", "(off)", "(any)" when unset.
  std::function<std::vector<std::string>(const GatewayConfig&)> show;
  // A list only: removes its values, when a source of higher precedence
  // replaces those of a lower one.
  std::function<void(GatewayConfig&)> clear = nullptr;
};

// Every setting, in the order of --help.
const std::vector<Setting>& Settings();

// The setting named `name` ("listen", not "--listen"), or nullptr.
const Setting* FindSetting(std::string_view name);

// Options of the command line that are not settings: --config FILE (also
// PUBSUB_CONFIG; never in a config file) and --print-config.
inline constexpr std::string_view kConfigOption = "config";
inline constexpr std::string_view kPrintConfigOption = "print-config";

// "PUBSUB_" and the name in upper case with '_' for '-': PUBSUB_ALLOWED_ORIGIN.
std::string EnvironmentVariable(std::string_view name);

// The setting name a misspelt `name` most likely meant (at most two edits
// away, one for short names), or empty; with `options`, "config" and
// "print-config" are candidates too.
std::string_view SuggestName(std::string_view name, bool options = false);

}  // namespace pubsub::gateway::internal

#endif  // PUBSUB_SERVER_CONFIG_SETTINGS_H_
