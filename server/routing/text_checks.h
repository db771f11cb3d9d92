// Checks shared by the router and the query parser for values that become
// user ids, roles and scope values (they end up in topics, logs and JSON).
#ifndef PUBSUB_SERVER_ROUTING_TEXT_CHECKS_H_
#define PUBSUB_SERVER_ROUTING_TEXT_CHECKS_H_

#include <initializer_list>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "pubsub/internal/str_cat.h"

namespace pubsub::routing {

// The longest user id, role or scope value accepted, in bytes (decoded).
inline constexpr size_t kMaxIdentifierBytes = 256;

// OK when `value` is non-empty, at most kMaxIdentifierBytes, valid UTF-8 and
// free of control characters (U+0000-U+001F, U+007F); otherwise
// InvalidArgument naming `what` ("empty track_id").
absl::Status CheckIdentifier(std::string_view what, std::string_view value);

// Whether `text` is valid UTF-8 (RFC 3629).
bool IsValidUtf8(std::string_view text);

using internal::Cat;  // pubsub/internal/str_cat.h

}  // namespace pubsub::routing

#endif  // PUBSUB_SERVER_ROUTING_TEXT_CHECKS_H_
