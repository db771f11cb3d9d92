#include "server/websocket/utf8_validator.h"

#include <cstring>

namespace pubsub::ws {

bool Utf8Validator::Feed(const uint8_t* data, size_t size) {
  if (failed_) return false;
  size_t i = 0;
  while (i < size) {
    if (needed_ == 0) {
      // Fast path: JSON and chat text are mostly ASCII, checked 8 bytes at once.
      while (i + 8 <= size) {
        uint64_t word;
        std::memcpy(&word, data + i, 8);
        if ((word & 0x8080808080808080ull) != 0) break;
        i += 8;
      }
      if (i == size) break;
      uint8_t b = data[i++];
      if (b < 0x80) continue;
      low_ = 0x80;
      high_ = 0xBF;
      if (b >= 0xC2 && b <= 0xDF) {
        needed_ = 1;
      } else if (b == 0xE0) {
        needed_ = 2;
        low_ = 0xA0;  // no overlong 3-byte forms
      } else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) {
        needed_ = 2;
      } else if (b == 0xED) {
        needed_ = 2;
        high_ = 0x9F;  // no UTF-16 surrogates
      } else if (b == 0xF0) {
        needed_ = 3;
        low_ = 0x90;  // no overlong 4-byte forms
      } else if (b >= 0xF1 && b <= 0xF3) {
        needed_ = 3;
      } else if (b == 0xF4) {
        needed_ = 3;
        high_ = 0x8F;  // nothing above U+10FFFF
      } else {
        failed_ = true;  // 0x80-0xC1 (continuation or overlong lead), 0xF5-0xFF
        return false;
      }
    } else {
      uint8_t b = data[i++];
      if (b < low_ || b > high_) {
        failed_ = true;
        return false;
      }
      --needed_;
      low_ = 0x80;
      high_ = 0xBF;
    }
  }
  return true;
}

bool IsValidUtf8(std::string_view text) {
  Utf8Validator validator;
  return validator.Feed(text) && validator.complete();
}

}  // namespace pubsub::ws
