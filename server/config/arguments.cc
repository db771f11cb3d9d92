#include "server/config/arguments.h"

#include "pubsub/internal/str_cat.h"
#include "server/config/value_parsers.h"

namespace pubsub::gateway::internal {

using pubsub::internal::Cat;

absl::Status ReadArguments(int argc, const char* const* argv, Arguments& out) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg.substr(0, 2) != "--") {
      return absl::InvalidArgumentError(
          Cat("unexpected argument '", arg, "' (flags start with --)"));
    }
    std::string_view flag = arg;
    std::optional<std::string_view> value;
    if (size_t eq = arg.find('='); eq != std::string_view::npos) {
      flag = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    const std::string_view name = flag.substr(2);
    const Setting* setting = FindSetting(name);
    const bool takes_value =
        name == kConfigOption || (setting != nullptr && setting->kind != SettingKind::kSwitch);
    if (setting == nullptr && name != kConfigOption && name != kPrintConfigOption) {
      std::string_view suggestion = SuggestName(name, true);
      return absl::InvalidArgumentError(
          Cat("unknown flag ", flag,
              suggestion.empty() ? "" : Cat(" (did you mean --", suggestion, "?)")));
    }
    if (!takes_value) {
      if (value.has_value()) return ValueError(flag, "takes no value");
      value = "true";
    } else if (!value.has_value()) {
      // "--flag value". A following "--x" is taken as a forgotten value
      // rather than silently swallowed as one.
      if (i + 1 >= argc || std::string_view(argv[i + 1]).substr(0, 2) == "--") {
        return ValueError(flag, "needs a value");
      }
      value = argv[++i];
    }
    if (name == kConfigOption) {
      if (value->empty()) return ValueError(flag, "expected a file name");
      out.config_file = std::string(*value);
    } else if (name == kPrintConfigOption) {
      out.print_config = true;
    } else {
      out.assignments.push_back(
          {setting, std::string(*value), {Source::Kind::kCommandLine, std::string(flag)}});
    }
  }
  return absl::OkStatus();
}

}  // namespace pubsub::gateway::internal
