// A minimal HTTP/1.1 client for the CLI (Boost.Beast): one request per
// connection, with an overall deadline. Also splits the CLI's http:// and
// ws:// URLs. Not for the gateway: it blocks the calling thread.
//
//   auto url = pubsub::cli::ParseUrl("http://127.0.0.1:8080", {"http"});
//   auto response = pubsub::cli::Fetch("POST", *url, "/api/publish", body,
//                                      {{"Authorization", "Bearer " + key}},
//                                      std::chrono::seconds(10));
//   if (!response.ok()) ...  // Unavailable: unreachable, timed out
//   if (response->status == 202) ...
#ifndef PUBSUB_TOOLS_CLI_HTTP_CLIENT_H_
#define PUBSUB_TOOLS_CLI_HTTP_CLIENT_H_

#include <chrono>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace pubsub::cli {

struct Url {
  std::string scheme;  // "http", "ws"
  std::string host;    // as written, IPv6 without brackets
  std::string port;    // "8080" (the scheme's default when not given)
  std::string target;  // path and query, at least "/"

  // "host:port", with brackets around an IPv6 host (the Host header).
  std::string Authority() const;
};

// Parses an absolute URL whose scheme is one of `schemes`. InvalidArgument
// naming the problem (not a URL, another scheme, user info, a fragment).
absl::StatusOr<Url> ParseUrl(std::string_view text,
                             std::initializer_list<std::string_view> schemes);

// Percent-encodes `text` for a query value (everything but A-Z a-z 0-9 - _ . ~).
std::string QueryEscape(std::string_view text);

struct HttpResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

// Sends `method target` to `url`'s host with `body` and `headers`.
// Unavailable when the host cannot be resolved or reached, or the exchange
// does not finish within `timeout`; the response, whatever its status, otherwise.
absl::StatusOr<HttpResponse> Fetch(std::string_view method, const Url& url, std::string_view target,
                                   std::string body,
                                   const std::vector<std::pair<std::string, std::string>>& headers,
                                   std::chrono::milliseconds timeout);

}  // namespace pubsub::cli

#endif  // PUBSUB_TOOLS_CLI_HTTP_CLIENT_H_
