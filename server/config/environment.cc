#include "server/config/environment.h"

#include <unistd.h>

#include <string_view>

#include "pubsub/internal/str_cat.h"

namespace pubsub::gateway::internal {
namespace {

using pubsub::internal::Cat;

constexpr std::string_view kPrefix = "PUBSUB_";

// PUBSUB_LISEN -> "lisen": the name a variable would have as a setting.
std::string SettingNameOf(std::string_view variable) {
  std::string name;
  for (char c : variable.substr(kPrefix.size())) {
    name.push_back(c == '_' ? '-' : (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return name;
}

// "a, b c" -> {"a", "b", "c"}.
std::vector<std::string> SplitList(std::string_view value) {
  std::vector<std::string> items;
  size_t begin = 0;
  while (begin < value.size()) {
    const size_t end = std::min(value.find_first_of(", \t\n", begin), value.size());
    if (end > begin) items.emplace_back(value.substr(begin, end - begin));
    begin = end + 1;
  }
  return items;
}

}  // namespace

EnvironmentSettings ReadEnvironment(const Environment& environment) {
  EnvironmentSettings result;
  for (const Setting& setting : Settings()) {
    const std::string variable = EnvironmentVariable(setting.name);
    auto it = environment.find(variable);
    if (it == environment.end() || it->second.empty()) continue;
    const Source source{Source::Kind::kEnvironment, variable};
    if (setting.kind == SettingKind::kList) {
      for (std::string& item : SplitList(it->second)) {
        result.assignments.push_back({&setting, std::move(item), source});
      }
    } else {
      result.assignments.push_back({&setting, it->second, source});
    }
  }
  const std::string config_variable = EnvironmentVariable(kConfigOption);
  for (const auto& [variable, value] : environment) {
    if (!std::string_view(variable).starts_with(kPrefix)) continue;
    const std::string name = SettingNameOf(variable);
    const bool setting = FindSetting(name) != nullptr && EnvironmentVariable(name) == variable;
    if (variable == config_variable) {
      if (value.empty()) {
        result.ignored.push_back(Cat(variable, " (empty)"));
      } else {
        result.config_file = value;
      }
    } else if (setting) {
      if (value.empty()) result.ignored.push_back(Cat(variable, " (empty)"));
    } else if (name == kPrintConfigOption) {
      result.ignored.push_back(Cat(variable, " (--print-config is a command-line option)"));
    } else {
      const std::string_view suggestion = SuggestName(name, true);
      const std::string did_you_mean =
          suggestion.empty() ? "" : Cat("did you mean ", EnvironmentVariable(suggestion), "?");
      result.ignored.push_back(
          Cat(variable, " (not a setting", did_you_mean.empty() ? "" : "; ", did_you_mean, ")"));
      if (!did_you_mean.empty()) {
        result.warnings.push_back(
            Cat("environment ", variable, " is not a setting and is ignored (", did_you_mean, ")"));
      }
    }
  }
  return result;
}

Environment ProcessEnvironment() {
  Environment environment;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view text = *entry;
    const size_t eq = text.find('=');
    if (!text.starts_with(kPrefix) || eq == std::string_view::npos) continue;
    environment.emplace(text.substr(0, eq), text.substr(eq + 1));
  }
  return environment;
}

}  // namespace pubsub::gateway::internal
