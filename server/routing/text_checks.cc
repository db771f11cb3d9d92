#include "server/routing/text_checks.h"

#include <cstdint>

namespace pubsub::routing {

bool IsValidUtf8(std::string_view text) {
  // A one-shot validator; server/websocket has the incremental one. Kept
  // separate so that routing does not depend on the WebSocket library.
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    uint8_t b = static_cast<uint8_t>(text[i]);
    if (b < 0x80) {
      ++i;
      continue;
    }
    size_t needed;
    uint8_t low = 0x80, high = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
      needed = 1;
    } else if (b == 0xE0) {
      needed = 2;
      low = 0xA0;
    } else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) {
      needed = 2;
    } else if (b == 0xED) {
      needed = 2;
      high = 0x9F;
    } else if (b == 0xF0) {
      needed = 3;
      low = 0x90;
    } else if (b >= 0xF1 && b <= 0xF3) {
      needed = 3;
    } else if (b == 0xF4) {
      needed = 3;
      high = 0x8F;
    } else {
      return false;
    }
    if (n - i - 1 < needed) return false;
    for (size_t k = 1; k <= needed; ++k) {
      uint8_t c = static_cast<uint8_t>(text[i + k]);
      if (c < low || c > high) return false;
      low = 0x80;
      high = 0xBF;
    }
    i += needed + 1;
  }
  return true;
}

absl::Status CheckIdentifier(std::string_view what, std::string_view value) {
  if (value.empty()) return absl::InvalidArgumentError(Cat({"empty ", what}));
  if (value.size() > kMaxIdentifierBytes) {
    return absl::InvalidArgumentError(
        Cat({what, " longer than ", std::to_string(kMaxIdentifierBytes), " bytes"}));
  }
  for (char c : value) {
    uint8_t b = static_cast<uint8_t>(c);
    if (b < 0x20 || b == 0x7F) {
      return absl::InvalidArgumentError(Cat({what, " contains a control character"}));
    }
  }
  if (!IsValidUtf8(value)) {
    return absl::InvalidArgumentError(Cat({what, " is not valid UTF-8"}));
  }
  return absl::OkStatus();
}

}  // namespace pubsub::routing
