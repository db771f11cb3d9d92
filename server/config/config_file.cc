#include "server/config/config_file.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "pubsub/internal/str_cat.h"

namespace pubsub::gateway::internal {
namespace {

using pubsub::internal::Cat;

// A config file is a page of settings; anything larger is a wrong path.
constexpr size_t kMaxConfigFileBytes = 1 << 20;

std::string_view Trim(std::string_view s) {
  const size_t begin = s.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(" \t") - begin + 1);
}

std::string_view Unquote(std::string_view value) {
  if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
      value.back() == value.front()) {
    return value.substr(1, value.size() - 2);
  }
  return value;
}

}  // namespace

absl::StatusOr<std::vector<Assignment>> ParseConfigFile(std::string_view path,
                                                        std::string_view text) {
  std::vector<Assignment> assignments;
  std::map<std::string_view, size_t> line_of;  // single-valued settings seen
  size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (line.ends_with('\r')) line.remove_suffix(1);
    line = Trim(line);
    if (line.empty() || line.front() == '#') continue;

    const std::string where = Cat(path, ":", line_number);
    auto fail = [&](std::string_view message) {
      return absl::InvalidArgumentError(Cat("config file ", where, ": ", message));
    };
    const size_t eq = line.find('=');
    // The line itself is never quoted: it may be a misplaced secret.
    if (eq == std::string_view::npos) return fail("expected 'name = value' or a # comment");
    const std::string_view name = Trim(line.substr(0, eq));
    const std::string_view value = Unquote(Trim(line.substr(eq + 1)));
    if (name.empty()) return fail("expected a setting name before '='");
    if (name.starts_with("--")) {
      return fail(Cat("write the setting name without '--': '", name.substr(2), "'"));
    }
    if (name == kConfigOption || name == kPrintConfigOption) {
      return fail(Cat("'", name, "' is a command-line option, not a setting",
                      name == kConfigOption ? " (config files do not include others)" : ""));
    }
    const Setting* setting = FindSetting(name);
    if (setting == nullptr) {
      std::string_view suggestion = SuggestName(name);
      return fail(Cat("unknown setting '", name, "'",
                      suggestion.empty() ? "" : Cat(" (did you mean '", suggestion, "'?)")));
    }
    if (value.empty()) {
      return fail(Cat(name, ": missing value (comment the line out to keep the default)"));
    }
    if (setting->kind != SettingKind::kList) {
      auto [seen, inserted] = line_of.emplace(setting->name, line_number);
      if (!inserted) {
        return fail(Cat(name, ": already set on line ", seen->second,
                        " (only allowed-origin may be repeated)"));
      }
    }
    assignments.push_back({setting, std::string(value), {Source::Kind::kConfigFile, where}});
  }
  return assignments;
}

absl::StatusOr<std::vector<Assignment>> ReadConfigFile(const std::string& path) {
  auto unreadable = [&](std::string_view reason) {
    return absl::InvalidArgumentError(Cat("config file ", path, ": cannot read: ", reason));
  };
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) return unreadable("it is a directory");
  std::ifstream in(path, std::ios::binary);
  if (!in) return unreadable(std::strerror(errno));
  std::ostringstream content;
  content << in.rdbuf();
  if (in.bad()) return unreadable(std::strerror(errno));
  const std::string text = content.str();
  if (text.size() > kMaxConfigFileBytes) return unreadable("larger than 1 MiB");
  return ParseConfigFile(path, text);
}

}  // namespace pubsub::gateway::internal
