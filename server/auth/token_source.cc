#include "server/auth/token_source.h"

#include <vector>

#include <boost/beast/http/field.hpp>

namespace pubsub::auth {
namespace {

namespace http = boost::beast::http;

bool IsOws(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && IsOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsOws(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view View(boost::beast::string_view s) { return std::string_view(s.data(), s.size()); }

bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    char c = text[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

// Every subprotocol offered, across repeated header fields, in order.
std::vector<std::string_view> OfferedSubprotocols(const http::request_header<>& request) {
  std::vector<std::string_view> offered;
  auto [begin, end] = request.equal_range(http::field::sec_websocket_protocol);
  for (auto it = begin; it != end; ++it) {
    std::string_view list = View(it->value());
    for (;;) {
      size_t comma = list.find(',');
      std::string_view item = TrimOws(list.substr(0, comma));
      if (!item.empty()) offered.push_back(item);
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  }
  return offered;
}

}  // namespace

bool OffersBearerSubprotocol(const http::request_header<>& request) {
  for (std::string_view offered : OfferedSubprotocols(request)) {
    if (offered == kBearerSubprotocol) return true;
  }
  return false;
}

absl::StatusOr<FoundToken> FindToken(const http::request_header<>& request,
                                     const routing::QueryParams& query) {
  std::optional<std::string_view> query_token;
  if (query.token.has_value()) query_token = *query.token;
  return FindToken(request, query_token);
}

absl::StatusOr<FoundToken> FindToken(const http::request_header<>& request,
                                     std::optional<std::string_view> query_token) {
  FoundToken found;
  std::vector<std::string_view> offered = OfferedSubprotocols(request);
  std::optional<size_t> bearer_index;
  for (size_t i = 0; i < offered.size(); ++i) {
    if (offered[i] == kBearerSubprotocol) {
      bearer_index = i;
      break;
    }
  }
  if (bearer_index.has_value()) found.subprotocol = std::string(kBearerSubprotocol);

  // 1. Authorization: Bearer (the scheme is case-insensitive, RFC 7235).
  auto [begin, end] = request.equal_range(http::field::authorization);
  for (auto it = begin; it != end; ++it) {
    std::string_view value = TrimOws(View(it->value()));
    if (!StartsWithIgnoreCase(value, "bearer")) continue;
    std::string_view rest = value.substr(6);
    if (!rest.empty() && !IsOws(rest.front())) continue;  // "Bearerx": another scheme
    std::string_view token = TrimOws(rest);
    if (token.empty()) return absl::UnauthenticatedError("empty bearer token");
    found.token = std::string(token);
    found.source = FoundToken::Source::kAuthorizationHeader;
    return found;
  }
  // 2. ?token= (routing::ParseTarget already refuses an empty one).
  if (query_token.has_value() && !query_token->empty()) {
    found.token = std::string(*query_token);
    found.source = FoundToken::Source::kQueryParameter;
    return found;
  }
  // 3. Sec-WebSocket-Protocol: bearer, <token>.
  if (bearer_index.has_value()) {
    if (*bearer_index + 1 >= offered.size()) {
      return absl::UnauthenticatedError("bearer subprotocol without a token");
    }
    found.token = std::string(offered[*bearer_index + 1]);
    found.source = FoundToken::Source::kSubprotocol;
    return found;
  }
  return absl::UnauthenticatedError("missing token");
}

}  // namespace pubsub::auth
