#include "tools/cli/args.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace pubsub::cli {

std::string ParsedArgs::Get(std::string_view flag, std::string fallback) const {
  const auto it = flags.find(flag);
  return it == flags.end() ? fallback : it->second.back();
}

std::vector<std::string> ParsedArgs::All(std::string_view flag) const {
  const auto it = flags.find(flag);
  return it == flags.end() ? std::vector<std::string>{} : it->second;
}

absl::StatusOr<ParsedArgs> ParseArgs(std::span<const std::string> args,
                                     std::span<const FlagSpec> flags) {
  ParsedArgs parsed;
  bool flags_ended = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (flags_ended || arg.size() < 2 || arg[0] != '-') {
      parsed.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      flags_ended = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      parsed.help = true;
      continue;
    }
    const size_t equals = arg.find('=');
    const std::string name = arg.substr(0, equals);
    const FlagSpec* spec = nullptr;
    for (const FlagSpec& candidate : flags) {
      if (candidate.name == name) spec = &candidate;
    }
    if (spec == nullptr) return absl::InvalidArgumentError(absl::StrCat("unknown flag ", name));
    std::string value;
    if (!spec->takes_value) {
      if (equals != std::string::npos) {
        return absl::InvalidArgumentError(absl::StrCat(name, " takes no value"));
      }
    } else if (equals != std::string::npos) {
      value = arg.substr(equals + 1);
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return absl::InvalidArgumentError(absl::StrCat(name, ": missing value"));
    }
    auto& values = parsed.flags[name];
    if (!values.empty() && !spec->repeatable) {
      return absl::InvalidArgumentError(absl::StrCat(name, " given twice"));
    }
    values.push_back(std::move(value));
  }
  return parsed;
}

absl::StatusOr<std::chrono::milliseconds> ParseTimeout(std::string_view seconds) {
  double value = 0;
  if (!absl::SimpleAtod(absl::string_view(seconds.data(), seconds.size()), &value) ||
      !(value > 0) || value > 86400) {
    return absl::InvalidArgumentError(
        absl::StrCat("--timeout: expected seconds (more than 0, at most 86400), got '",
                     absl::string_view(seconds.data(), seconds.size()), "'"));
  }
  return std::chrono::milliseconds(static_cast<int64_t>(value * 1000 + 0.5));
}

}  // namespace pubsub::cli
