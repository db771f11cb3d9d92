// An incremental UTF-8 validator: fed a text message piece by piece (a
// character may be split across reads and across fragments), it fails at the
// first byte that cannot belong to well-formed UTF-8 (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF).
//
//   Utf8Validator v;
//   if (!v.Feed(piece1) || !v.Feed(piece2) || !v.complete()) fail with 1007;
#ifndef PUBSUB_SERVER_WEBSOCKET_UTF8_VALIDATOR_H_
#define PUBSUB_SERVER_WEBSOCKET_UTF8_VALIDATOR_H_

#include <cstdint>
#include <string_view>

namespace pubsub::ws {

class Utf8Validator {
 public:
  // Validates the next bytes. Returns false, and stays failed until Reset(),
  // at the first invalid byte.
  bool Feed(const uint8_t* data, size_t size);
  bool Feed(std::string_view text) {
    return Feed(reinterpret_cast<const uint8_t*>(text.data()), text.size());
  }

  // True when everything fed so far is valid and no character is incomplete.
  bool complete() const { return !failed_ && needed_ == 0; }
  bool failed() const { return failed_; }

  void Reset() { *this = Utf8Validator(); }

 private:
  uint8_t needed_ = 0;  // continuation bytes still expected
  uint8_t low_ = 0x80;  // allowed range of the next continuation byte
  uint8_t high_ = 0xBF;
  bool failed_ = false;
};

// Whether `text` is entirely valid UTF-8.
bool IsValidUtf8(std::string_view text);

}  // namespace pubsub::ws

#endif  // PUBSUB_SERVER_WEBSOCKET_UTF8_VALIDATOR_H_
