#include "server/routing/target.h"

#include <boost/url/encoding_opts.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "server/routing/text_checks.h"

namespace pubsub::routing {
namespace {

namespace urls = boost::urls;

// Boost.URL 1.81's parse functions misbehave on a null data pointer (an empty
// default std::string_view): parse_query ends up in strlen(nullptr).
urls::string_view ToUrlView(std::string_view s) {
  return s.data() == nullptr ? urls::string_view("", 0) : urls::string_view(s.data(), s.size());
}

// Sets a single-valued parameter; a second occurrence is an error rather
// than "last wins", so that a proxy and the gateway cannot disagree on which
// value counts.
absl::Status SetOnce(std::string_view name, std::string value, std::optional<std::string>& out) {
  if (out.has_value()) {
    return absl::InvalidArgumentError(Cat({"repeated query parameter '", name, "'"}));
  }
  out = std::move(value);
  return absl::OkStatus();
}

absl::StatusOr<QueryParams> ParseParams(urls::params_encoded_view encoded) {
  QueryParams query;
  // Browsers' URLSearchParams encode a space as '+': decode it back.
  urls::encoding_opts opts(/*space_as_plus_=*/true);
  for (auto it = encoded.begin(); it != encoded.end(); ++it) {
    urls::param_pct_view param = *it;
    std::string key = param.key.decode(opts);
    if (key != "to" && key != "token" && key != "user_id" && key != "role" && key != "user" &&
        key != "since" && key != "limit" && key != "scope" && key != "tail") {
      continue;  // not ours
    }
    std::string value = param.has_value ? param.value.decode(opts) : std::string();
    if (key == "scope") {
      if (value != "replica" && value != "cluster") {
        return absl::InvalidArgumentError("query parameter 'scope' must be replica or cluster");
      }
      if (auto s = SetOnce(key, std::move(value), query.scope); !s.ok()) return s;
      continue;
    }
    if (key == "tail") {
      if (value != "true") return absl::InvalidArgumentError("query parameter 'tail' must be true");
      if (query.tail) return absl::InvalidArgumentError("repeated query parameter 'tail'");
      query.tail = true;
      continue;
    }
    if (key == "since" || key == "limit") {
      // Their syntax is checked where they are used; here only the size.
      if (value.empty() || value.size() > kMaxPositionBytes) {
        return absl::InvalidArgumentError(Cat({"query parameter '", key, "' must be 1 to ",
                                               std::to_string(kMaxPositionBytes), " bytes"}));
      }
      auto& field = key == "since" ? query.since : query.limit;
      if (auto s = SetOnce(key, std::move(value), field); !s.ok()) return s;
      continue;
    }
    if (key == "token") {
      if (value.empty()) return absl::InvalidArgumentError("empty query parameter 'token'");
      if (value.size() > kMaxQueryTokenBytes) {
        return absl::InvalidArgumentError("query parameter 'token' too long");
      }
      if (auto s = SetOnce(key, std::move(value), query.token); !s.ok()) return s;
      continue;
    }
    if (auto s = CheckIdentifier(Cat({"query parameter '", key, "'"}), value); !s.ok()) {
      return s;
    }
    if (key == "to") {
      if (query.to.size() == kMaxTargets) {
        return absl::InvalidArgumentError(
            Cat({"more than ", std::to_string(kMaxTargets), " 'to' query parameters"}));
      }
      query.to.push_back(std::move(value));
    } else if (key == "role") {
      if (query.roles.size() == kMaxRoles) {
        return absl::InvalidArgumentError(
            Cat({"more than ", std::to_string(kMaxRoles), " 'role' query parameters"}));
      }
      query.roles.push_back(std::move(value));
    } else if (key == "user_id") {
      if (auto s = SetOnce(key, std::move(value), query.user_id); !s.ok()) return s;
    } else {
      if (auto s = SetOnce(key, std::move(value), query.user); !s.ok()) return s;
    }
  }
  return query;
}

}  // namespace

absl::StatusOr<RequestTarget> ParseTarget(std::string_view target) {
  auto url = urls::parse_origin_form(ToUrlView(target));
  if (!url.has_value()) return absl::InvalidArgumentError("malformed request target");
  RequestTarget out;
  urls::pct_string_view path = url->encoded_path();
  out.path.assign(path.data(), path.size());
  if (url->has_query()) {
    auto query = ParseParams(url->encoded_params());
    if (!query.ok()) return query.status();
    out.query = std::move(*query);
  }
  return out;
}

absl::StatusOr<QueryParams> ParseQuery(std::string_view query) {
  // Not urls::parse_query: in Boost 1.81 it builds its result with
  // query_ref(s.data(), ...), which turns the pointer back into a string with
  // strlen, reading past the end of a buffer that is not NUL-terminated
  // (found by fuzz_router under ASan). The origin-form parser is fine.
  std::string target = "/?";
  target.append(query);
  auto url = urls::parse_origin_form(target);
  if (!url.has_value()) return absl::InvalidArgumentError("malformed query string");
  return ParseParams(url->encoded_params());
}

}  // namespace pubsub::routing
