// Strict percent-decoding (RFC 3986), shared by the router (path segments)
// and the Redis URL parser (user name and password). '+' stays a plus.
//
//   PercentDecode("a%2Fb") == "a/b";  PercentDecode("%4") == std::nullopt
#ifndef PUBSUB_INTERNAL_PERCENT_DECODE_H_
#define PUBSUB_INTERNAL_PERCENT_DECODE_H_

#include <optional>
#include <string>
#include <string_view>

namespace pubsub::internal {

inline int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The decoded bytes, or nullopt for a '%' not followed by two hex digits.
inline std::optional<std::string> PercentDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return std::nullopt;  // "%" or "%4" at the end
    const int high = HexDigitValue(in[i + 1]);
    const int low = HexDigitValue(in[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out.push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return out;
}

}  // namespace pubsub::internal

#endif  // PUBSUB_INTERNAL_PERCENT_DECODE_H_
