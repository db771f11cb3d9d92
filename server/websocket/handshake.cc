#include "server/websocket/handshake.h"

#include <openssl/evp.h>
#include <openssl/sha.h>
#include <strings.h>

#include <array>

#include <boost/beast/http/field.hpp>
#include <boost/beast/http/verb.hpp>

namespace pubsub::ws {
namespace {

namespace http = boost::beast::http;

constexpr std::string_view kWebSocketGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

bool IsOws(char c) { return c == ' ' || c == '\t'; }

std::string_view TrimOws(std::string_view s) {
  while (!s.empty() && IsOws(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsOws(s.back())) s.remove_suffix(1);
  return s;
}

// ASCII case-insensitive (the C locale is never changed here).
bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

// Whether any of the (possibly repeated) `field` headers is a comma-separated
// list containing `token`, case-insensitively.
bool ListContainsToken(const http::request_header<>& request, http::field field,
                       std::string_view token) {
  auto [begin, end] = request.equal_range(field);
  for (auto it = begin; it != end; ++it) {
    std::string_view list(it->value().data(), it->value().size());
    while (!list.empty()) {
      size_t comma = list.find(',');
      std::string_view item = TrimOws(list.substr(0, comma));
      if (EqualsIgnoreCase(item, token)) return true;
      if (comma == std::string_view::npos) break;
      list.remove_prefix(comma + 1);
    }
  }
  return false;
}

int Base64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Base64 of exactly 16 bytes is 22 alphabet characters followed by "==".
bool IsBase64Of16Bytes(std::string_view key) {
  if (key.size() != 24 || key.substr(22) != "==") return false;
  for (size_t i = 0; i < 22; ++i) {
    if (Base64Value(key[i]) < 0) return false;
  }
  return true;
}

UpgradeCheck Refuse(http::status status, std::string reason) {
  UpgradeCheck check;
  check.status = status;
  check.reason = std::move(reason);
  return check;
}

}  // namespace

bool IsWebSocketUpgrade(const http::request_header<>& request) {
  return ListContainsToken(request, http::field::upgrade, "websocket");
}

UpgradeCheck CheckUpgradeRequest(const http::request_header<>& request) {
  if (request.method() != http::verb::get) {
    return Refuse(http::status::method_not_allowed, "WebSocket upgrade requires GET");
  }
  if (request.version() < 11) {
    return Refuse(http::status::bad_request, "WebSocket upgrade requires HTTP/1.1");
  }
  if (!IsWebSocketUpgrade(request)) {
    return Refuse(http::status::upgrade_required,
                  "this path needs a WebSocket upgrade (Upgrade: websocket)");
  }
  if (!ListContainsToken(request, http::field::connection, "upgrade")) {
    return Refuse(http::status::bad_request, "Connection header does not list upgrade");
  }
  size_t versions = request.count(http::field::sec_websocket_version);
  if (versions == 0) return Refuse(http::status::bad_request, "missing Sec-WebSocket-Version");
  if (versions > 1) {
    return Refuse(http::status::bad_request, "more than one Sec-WebSocket-Version");
  }
  auto version = request[http::field::sec_websocket_version];
  if (TrimOws(std::string_view(version.data(), version.size())) != "13") {
    return Refuse(http::status::upgrade_required, "unsupported Sec-WebSocket-Version (need 13)");
  }
  size_t keys = request.count(http::field::sec_websocket_key);
  if (keys == 0) return Refuse(http::status::bad_request, "missing Sec-WebSocket-Key");
  if (keys > 1) return Refuse(http::status::bad_request, "more than one Sec-WebSocket-Key");
  auto key_field = request[http::field::sec_websocket_key];
  std::string_view key = TrimOws(std::string_view(key_field.data(), key_field.size()));
  if (!IsBase64Of16Bytes(key)) {
    return Refuse(http::status::bad_request, "Sec-WebSocket-Key is not base64 of 16 bytes");
  }
  UpgradeCheck check;
  check.key = std::string(key);
  return check;
}

std::string ComputeAcceptKey(std::string_view key) {
  std::string input;
  input.reserve(key.size() + kWebSocketGuid.size());
  input.append(key);
  input.append(kWebSocketGuid);
  std::array<unsigned char, SHA_DIGEST_LENGTH> digest;
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest.data());
  // base64 of 20 bytes is 28 characters; EVP_EncodeBlock adds a NUL.
  std::array<unsigned char, 29> encoded;
  int n = EVP_EncodeBlock(encoded.data(), digest.data(), static_cast<int>(digest.size()));
  return std::string(reinterpret_cast<const char*>(encoded.data()), static_cast<size_t>(n));
}

bool IsHttpToken(std::string_view value) {
  if (value.empty()) return false;
  for (char c : value) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

std::string BuildUpgradeResponse(std::string_view key, std::string_view subprotocol) {
  std::string response =
      "HTTP/1.1 101 Switching Protocols\r\n"
      "Upgrade: websocket\r\n"
      "Connection: Upgrade\r\n"
      "Sec-WebSocket-Accept: ";
  response.append(ComputeAcceptKey(key));
  response.append("\r\n");
  if (IsHttpToken(subprotocol)) {
    response.append("Sec-WebSocket-Protocol: ");
    response.append(subprotocol);
    response.append("\r\n");
  }
  response.append("\r\n");
  return response;
}

http::response<http::string_body> MakeUpgradeRejection(const UpgradeCheck& check,
                                                       unsigned http_version) {
  http::response<http::string_body> response(check.status, http_version);
  response.set(http::field::content_type, "text/plain; charset=utf-8");
  if (check.status == http::status::upgrade_required) {
    response.set(http::field::upgrade, "websocket");
    response.set(http::field::sec_websocket_version, "13");
  }
  if (check.status == http::status::method_not_allowed) {
    response.set(http::field::allow, "GET");
  }
  response.body() = check.reason + "\n";
  response.prepare_payload();
  return response;
}

}  // namespace pubsub::ws
