#include "server/routing/router.h"

#include <optional>

#include "pubsub/internal/percent_decode.h"
#include "server/routing/text_checks.h"

namespace pubsub::routing {
namespace {

// A path longer than this cannot be one of ours; stops work early.
constexpr size_t kMaxPathBytes = 4096;

bool IsUnreserved(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

// Splits "/a/b" into {"a", "b"}; `path` must start with '/'.
std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> segments;
  path.remove_prefix(1);
  for (;;) {
    size_t slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

struct ParsedTemplate {
  std::vector<std::string> segments;
  int variable = -1;
};

absl::StatusOr<ParsedTemplate> ParseTemplate(const ChannelInfo& channel) {
  auto error = [&](std::string_view what) {
    return absl::InvalidArgumentError(
        Cat({"channel ", channel.name, ": path '", channel.path, "' ", what}));
  };
  if (channel.path.empty() || channel.path[0] != '/') return error("must start with '/'");
  ParsedTemplate parsed;
  std::vector<std::string_view> segments = SplitPath(channel.path);
  for (size_t i = 0; i < segments.size(); ++i) {
    std::string_view segment = segments[i];
    if (segment.empty()) return error("has an empty segment");
    if (segment.front() == '{') {
      if (segment.size() < 3 || segment.back() != '}') return error("has a malformed {variable}");
      std::string_view name = segment.substr(1, segment.size() - 2);
      if (channel.scope_field.empty()) return error("has a variable but the channel has no scope");
      if (name != channel.scope_field) {
        return error(Cat({"names {", name, "} but the scope field is ", channel.scope_field}));
      }
      if (parsed.variable >= 0) return error("has more than one variable");
      parsed.variable = static_cast<int>(i);
      parsed.segments.emplace_back();
      continue;
    }
    for (char c : segment) {
      if (!IsUnreserved(c)) return error("has a character outside [A-Za-z0-9-._~]");
    }
    parsed.segments.emplace_back(segment);
  }
  if (!channel.scope_field.empty() && parsed.variable < 0) {
    return error(Cat({"lacks the {", channel.scope_field, "} segment"}));
  }
  return parsed;
}

}  // namespace

Router::Router(const std::vector<const ChannelInfo*>& channels) {
  for (const ChannelInfo* channel : channels) {
    auto parsed = ParseTemplate(*channel);
    if (!parsed.ok()) continue;  // reported by CheckPaths
    routes_.push_back(Route{channel, std::move(parsed->segments), parsed->variable});
  }
}

absl::Status Router::CheckPaths(const std::vector<const ChannelInfo*>& channels) {
  std::vector<std::pair<const ChannelInfo*, ParsedTemplate>> seen;
  for (const ChannelInfo* channel : channels) {
    auto parsed = ParseTemplate(*channel);
    if (!parsed.ok()) return parsed.status();
    for (const auto& [other, other_parsed] : seen) {
      if (other_parsed.segments == parsed->segments && other_parsed.variable == parsed->variable) {
        return absl::InvalidArgumentError(Cat({"channels ", other->name, " and ", channel->name,
                                               " have the same path '", channel->path, "'"}));
      }
    }
    seen.emplace_back(channel, std::move(*parsed));
  }
  return absl::OkStatus();
}

absl::StatusOr<RouteMatch> Router::Match(std::string_view path) const {
  auto not_found = [&] {
    return absl::NotFoundError(Cat({"no channel at ", path.substr(0, 200)}));
  };
  if (path.empty() || path[0] != '/' || path.size() > kMaxPathBytes) return not_found();
  std::vector<std::string_view> segments = SplitPath(path);

  const Route* best = nullptr;
  for (const Route& route : routes_) {
    if (route.segments.size() != segments.size()) continue;
    bool match = true;
    for (size_t i = 0; i < segments.size() && match; ++i) {
      if (static_cast<int>(i) != route.variable) match = segments[i] == route.segments[i];
    }
    if (!match) continue;
    // Prefer the longest literal prefix; an unscoped route beats any scoped one.
    auto rank = [&](const Route& r) {
      return r.variable < 0 ? static_cast<int>(r.segments.size()) : r.variable;
    };
    if (best == nullptr || rank(route) > rank(*best)) best = &route;
  }
  if (best == nullptr) return not_found();

  RouteMatch match;
  match.channel = best->channel;
  if (best->variable >= 0) {
    std::string_view scope_name = best->channel->scope_field;
    std::optional<std::string> value = internal::PercentDecode(segments[best->variable]);
    if (!value.has_value()) {
      return absl::InvalidArgumentError(Cat({"invalid percent-encoding in ", scope_name}));
    }
    if (auto status = CheckIdentifier(scope_name, *value); !status.ok()) return status;
    match.scope_value = std::move(*value);
  }
  return match;
}

}  // namespace pubsub::routing
