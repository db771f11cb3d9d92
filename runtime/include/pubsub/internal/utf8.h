// UTF-8 validation, one table for the whole project: the JSON writer (which
// repairs invalid input), the JSON parser and the router (which refuse it).
// The WebSocket reader validates incrementally (server/websocket/).
#ifndef PUBSUB_INTERNAL_UTF8_H_
#define PUBSUB_INTERNAL_UTF8_H_

#include <cstddef>
#include <string_view>

namespace pubsub::internal {

// Checks the multi-byte sequence that starts at `p` (whose lead byte is
// >= 0x80) against Unicode's well-formed UTF-8 table (no overlong forms, no
// surrogates, nothing above U+10FFFF). Returns its length (2..4) when valid.
// Otherwise returns 0 and sets `*invalid_length` to the length of the maximal
// ill-formed subpart (>= 1), which a repairing decoder replaces with a single
// U+FFFD, as the Unicode standard recommends.
inline int Utf8SequenceLength(const unsigned char* p, const unsigned char* end,
                              int* invalid_length) {
  const unsigned c = p[0];
  int n;
  unsigned lo = 0x80;
  unsigned hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c == 0xE0) {
    n = 3;
    lo = 0xA0;  // no overlong 3-byte forms
  } else if (c >= 0xE1 && c <= 0xEC) {
    n = 3;
  } else if (c == 0xED) {
    n = 3;
    hi = 0x9F;  // no surrogates
  } else if (c >= 0xEE && c <= 0xEF) {
    n = 3;
  } else if (c == 0xF0) {
    n = 4;
    lo = 0x90;  // no overlong 4-byte forms
  } else if (c >= 0xF1 && c <= 0xF3) {
    n = 4;
  } else if (c == 0xF4) {
    n = 4;
    hi = 0x8F;  // nothing above U+10FFFF
  } else {
    *invalid_length = 1;
    return 0;
  }
  if (end - p < 2 || p[1] < lo || p[1] > hi) {
    *invalid_length = 1;
    return 0;
  }
  for (int i = 2; i < n; ++i) {
    if (end - p <= i || (p[i] & 0xC0) != 0x80) {
      *invalid_length = i;
      return 0;
    }
  }
  return n;
}

// The offset of the first byte of `s` that is not part of well-formed UTF-8,
// or npos when all of `s` is well formed.
inline size_t FindInvalidUtf8(std::string_view s) {
  const auto* begin = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = begin + s.size();
  const auto* p = begin;
  while (p < end) {
    if (*p < 0x80) {
      ++p;
      continue;
    }
    int invalid_length;
    const int n = Utf8SequenceLength(p, end, &invalid_length);
    if (n == 0) return static_cast<size_t>(p - begin);
    p += n;
  }
  return std::string_view::npos;
}

inline bool IsValidUtf8(std::string_view s) { return FindInvalidUtf8(s) == std::string_view::npos; }

}  // namespace pubsub::internal

#endif  // PUBSUB_INTERNAL_UTF8_H_
