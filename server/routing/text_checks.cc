#include "server/routing/text_checks.h"

#include <cstdint>

#include "pubsub/internal/utf8.h"

namespace pubsub::routing {

bool IsValidUtf8(std::string_view text) { return internal::IsValidUtf8(text); }

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
