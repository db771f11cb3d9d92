// A small JSON document model for Registry::ParseJson. Unlike boost::json's
// value, it keeps each number's text, so integers and doubles convert exactly
// (Boost 1.81's double parsing may be off by one ulp), and object members
// stay in document order, duplicates included, so they can be reported.
#ifndef PUBSUB_RUNTIME_SRC_JSON_DOM_H_
#define PUBSUB_RUNTIME_SRC_JSON_DOM_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"

namespace pubsub::internal {

struct JsonMember;

struct JsonNode {
  enum class Kind : uint8_t { kNull, kBool, kNumber, kString, kArray, kObject };

  Kind kind = Kind::kNull;
  bool boolean = false;
  std::string text;                 // kString: the value; kNumber: its JSON text
  std::vector<JsonNode> items;      // kArray
  std::vector<JsonMember> members;  // kObject, in document order
};

struct JsonMember {
  std::string key;
  JsonNode value;
};

// Nesting deeper than this is refused, so that hostile input cannot exhaust
// the stack of the recursive conversion that follows.
inline constexpr int kMaxJsonDepth = 64;

// Parses one JSON document (RFC 8259, no comments, no trailing commas).
// InvalidArgument for invalid UTF-8, bad syntax, trailing data, or nesting
// deeper than kMaxJsonDepth.
absl::StatusOr<JsonNode> ParseJsonDocument(std::string_view json);

}  // namespace pubsub::internal

#endif  // PUBSUB_RUNTIME_SRC_JSON_DOM_H_
