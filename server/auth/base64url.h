// Base64url without padding (RFC 4648 section 5), as JWTs use it. Decoding is
// strict: only the URL-safe alphabet, no '=' padding, no whitespace, and the
// unused low bits of the last character must be zero, so that every byte
// string has exactly one accepted encoding (no malleable signatures).
//
//   std::string text = pubsub::auth::Base64UrlEncode("hi");  // "aGk"
//   std::optional<std::string> bytes = pubsub::auth::Base64UrlDecode("aGk");
#ifndef PUBSUB_SERVER_AUTH_BASE64URL_H_
#define PUBSUB_SERVER_AUTH_BASE64URL_H_

#include <optional>
#include <string>
#include <string_view>

namespace pubsub::auth {

std::string Base64UrlEncode(std::string_view bytes);

// The decoded bytes, or nullopt for anything but a canonical unpadded
// base64url string.
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace pubsub::auth

#endif  // PUBSUB_SERVER_AUTH_BASE64URL_H_
