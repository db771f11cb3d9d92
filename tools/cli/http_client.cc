#include "tools/cli/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace pubsub::cli {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

std::string Url::Authority() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return absl::StrCat(ipv6 ? "[" : "", host, ipv6 ? "]" : "", ":", port);
}

absl::StatusOr<Url> ParseUrl(std::string_view text,
                             std::initializer_list<std::string_view> schemes) {
  const absl::string_view quoted(text.data(), text.size());  // this abseil's own string_view
  auto schemes_text = [&] {
    std::string out;
    for (std::string_view s : schemes) {
      absl::StrAppend(&out, out.empty() ? "" : " or ", absl::string_view(s.data(), s.size()),
                      "://");
    }
    return out;
  };
  auto parsed = boost::urls::parse_uri(text);
  if (!parsed) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", quoted, "' is not a URL (expected ", schemes_text(), "HOST:PORT...)"));
  }
  const boost::urls::url_view& view = *parsed;
  Url url;
  url.scheme = absl::AsciiStrToLower(std::string(view.scheme()));
  bool known = false;
  for (std::string_view s : schemes) known = known || url.scheme == s;
  if (!known) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", quoted, "': expected a ", schemes_text(), " URL"));
  }
  if (!view.has_authority() || view.encoded_host().empty()) {
    return absl::InvalidArgumentError(absl::StrCat("'", quoted, "': no host"));
  }
  if (view.has_userinfo()) {
    return absl::InvalidArgumentError(absl::StrCat("'", quoted, "': user info is not supported"));
  }
  if (view.has_fragment()) {
    return absl::InvalidArgumentError(absl::StrCat("'", quoted, "': a fragment is not supported"));
  }
  url.host = view.host_type() == boost::urls::host_type::ipv6
                 ? std::string(view.encoded_host_address())
                 : std::string(view.encoded_host());
  url.port = view.has_port() ? std::string(view.port())
                             : (url.scheme == "https" || url.scheme == "wss" ? "443" : "80");
  url.target = std::string(view.encoded_path());
  if (url.target.empty()) url.target = "/";
  if (view.has_query()) absl::StrAppend(&url.target, "?", std::string(view.encoded_query()));
  return url;
}

std::string QueryEscape(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

absl::StatusOr<HttpResponse> Fetch(std::string_view method, const Url& url, std::string_view target,
                                   std::string body,
                                   const std::vector<std::pair<std::string, std::string>>& headers,
                                   std::chrono::milliseconds timeout) {
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  beast::tcp_stream stream(io);
  http::request<http::string_body> request{http::string_to_verb(method), std::string(target), 11};
  request.set(http::field::host, url.Authority());
  request.set(http::field::user_agent, "pubsub-cli");
  for (const auto& [name, value] : headers) request.set(name, value);
  request.body() = std::move(body);
  request.prepare_payload();
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(16 << 20);

  // One chain of async steps under one deadline (Beast's timeouts apply to
  // async operations only).
  beast::error_code failure;
  std::string step = "resolve";
  stream.expires_after(timeout);
  resolver.async_resolve(url.host, url.port, [&](beast::error_code ec, auto results) {
    if (ec) return void(failure = ec);
    step = "connect";
    stream.async_connect(results, [&](beast::error_code ec, auto) {
      if (ec) return void(failure = ec);
      step = "send";
      http::async_write(stream, request, [&](beast::error_code ec, size_t) {
        if (ec) return void(failure = ec);
        step = "read the response";
        http::async_read(stream, buffer, parser, [&](beast::error_code ec, size_t) {
          if (ec) failure = ec;
          beast::error_code ignored;
          stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
        });
      });
    });
  });
  io.run();
  if (failure) {
    return absl::UnavailableError(
        absl::StrCat("cannot ", step, " (", url.Authority(),
                     "): ", failure == beast::error::timeout ? "timed out" : failure.message()));
  }
  HttpResponse response;
  response.status = static_cast<int>(parser.get().result_int());
  response.content_type = std::string(parser.get()[http::field::content_type]);
  response.body = std::move(parser.get().body());
  return response;
}

}  // namespace pubsub::cli
