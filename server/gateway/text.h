// Small text helpers for the gateway. This abseil build has its own
// string_view type (not std::string_view), so absl::StrCat and fmt do not mix
// with it directly: View() bridges, and messages are built with fmt.
#ifndef PUBSUB_SERVER_GATEWAY_TEXT_H_
#define PUBSUB_SERVER_GATEWAY_TEXT_H_

#include <string_view>

#include "absl/strings/string_view.h"
#include "spdlog/fmt/fmt.h"

namespace pubsub::gateway {

inline std::string_view View(absl::string_view text) { return {text.data(), text.size()}; }

}  // namespace pubsub::gateway

#endif  // PUBSUB_SERVER_GATEWAY_TEXT_H_
