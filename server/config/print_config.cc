#include "server/config/print_config.h"

#include <algorithm>

#include "pubsub/internal/str_cat.h"
#include "server/config/settings.h"

namespace pubsub::gateway::internal {
namespace {

using pubsub::internal::Cat;

// Values wider than this (long Redis URLs) push their source to the right
// rather than every other line.
constexpr size_t kMaxValueColumn = 40;

struct Row {
  std::string_view setting;
  std::string value;
  std::string source;
};

std::string Pad(std::string_view s, size_t width) {
  std::string out(s);
  out.resize(std::max(width, s.size()) + 2, ' ');
  return out;
}

}  // namespace

std::string FormatPrintConfig(const GatewayConfig& config, const SettingSources& sources,
                              const std::vector<std::string>& notes) {
  std::vector<Row> rows;
  for (const Setting& setting : Settings()) {
    const std::vector<std::string> values = setting.show(config);
    auto it = sources.find(setting.name);
    for (size_t i = 0; i < values.size(); ++i) {
      // A list's "(any)" has no source; a value without one is a default.
      const bool known = it != sources.end() && i < it->second.size();
      rows.push_back({setting.name, values[i], known ? it->second[i].Describe() : "default"});
    }
  }
  size_t name_width = 0;
  size_t value_width = 0;
  for (const Row& row : rows) {
    name_width = std::max(name_width, row.setting.size());
    if (row.value.size() <= kMaxValueColumn) value_width = std::max(value_width, row.value.size());
  }
  std::string out = "# pubsub-gateway settings (precedence: flag > env > file > default)\n";
  for (const std::string& note : notes) out += Cat("# ", note, "\n");
  for (const Row& row : rows) {
    out += Cat(Pad(row.setting, name_width), Pad(row.value, value_width), row.source, "\n");
  }
  return out;
}

}  // namespace pubsub::gateway::internal
