// ParseJsonDocument: Boost.JSON's SAX parser (iterative, so deep input cannot
// overflow the stack) feeding a JsonNode tree.
#include "json_dom.h"

#include <boost/json/basic_parser_impl.hpp>

#include "pubsub/internal/str_cat.h"
#include "pubsub/internal/utf8.h"

namespace pubsub::internal {
namespace {

using boost::json::error_code;
using Kind = JsonNode::Kind;

class DomBuilder {
 public:
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

  JsonNode& root() { return root_; }

  bool on_document_begin(error_code&) { return true; }
  bool on_document_end(error_code&) { return true; }

  bool on_array_begin(error_code&) { return Open(Kind::kArray); }
  bool on_array_end(std::size_t, error_code&) { return Close(); }
  bool on_object_begin(error_code&) { return Open(Kind::kObject); }
  bool on_object_end(std::size_t, error_code&) { return Close(); }

  bool on_string_part(boost::json::string_view s, std::size_t, error_code&) {
    text_.append(s.data(), s.size());
    return true;
  }
  bool on_string(boost::json::string_view s, std::size_t, error_code&) {
    text_.append(s.data(), s.size());
    return EmitText(Kind::kString);
  }
  bool on_key_part(boost::json::string_view s, std::size_t, error_code&) {
    text_.append(s.data(), s.size());
    return true;
  }
  bool on_key(boost::json::string_view s, std::size_t, error_code&) {
    text_.append(s.data(), s.size());
    stack_.back().key = std::move(text_);
    text_.clear();
    return true;
  }

  bool on_number_part(boost::json::string_view s, error_code&) {
    text_.append(s.data(), s.size());
    return true;
  }
  bool on_int64(int64_t, boost::json::string_view s, error_code&) { return EmitNumber(s); }
  bool on_uint64(uint64_t, boost::json::string_view s, error_code&) { return EmitNumber(s); }
  bool on_double(double, boost::json::string_view s, error_code&) { return EmitNumber(s); }

  bool on_bool(bool b, error_code&) {
    JsonNode node;
    node.kind = Kind::kBool;
    node.boolean = b;
    return Emit(std::move(node));
  }
  bool on_null(error_code&) { return Emit(JsonNode()); }
  bool on_comment_part(boost::json::string_view, error_code&) { return true; }
  bool on_comment(boost::json::string_view, error_code&) { return true; }

 private:
  struct Frame {
    JsonNode node;
    std::string key;  // the key whose value is being parsed (objects)
  };

  bool Open(Kind kind) {
    stack_.emplace_back();
    stack_.back().node.kind = kind;
    return true;
  }
  bool Close() {
    JsonNode node = std::move(stack_.back().node);
    stack_.pop_back();
    return Emit(std::move(node));
  }
  bool EmitNumber(boost::json::string_view s) {
    text_.append(s.data(), s.size());
    return EmitText(Kind::kNumber);
  }
  bool EmitText(Kind kind) {
    JsonNode node;
    node.kind = kind;
    node.text = std::move(text_);
    text_.clear();
    return Emit(std::move(node));
  }
  bool Emit(JsonNode&& node) {
    if (stack_.empty()) {
      root_ = std::move(node);
    } else if (Frame& top = stack_.back(); top.node.kind == Kind::kArray) {
      top.node.items.push_back(std::move(node));
    } else {
      top.node.members.push_back(JsonMember{std::move(top.key), std::move(node)});
    }
    return true;
  }

  std::vector<Frame> stack_;
  std::string text_;  // the string, key or number being assembled
  JsonNode root_;
};

}  // namespace

absl::StatusOr<JsonNode> ParseJsonDocument(std::string_view json) {
  // Boost.JSON refuses invalid UTF-8 too, but says only "syntax error".
  if (const size_t bad = FindInvalidUtf8(json); bad != std::string_view::npos) {
    return absl::InvalidArgumentError(Cat("invalid UTF-8 at byte ", bad));
  }
  boost::json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  boost::json::basic_parser<DomBuilder> parser(options);
  error_code ec;
  const std::size_t consumed = parser.write_some(false, json.data(), json.size(), ec);
  if (ec == boost::json::error::too_deep) {
    return absl::InvalidArgumentError(Cat("JSON nested deeper than ", kMaxJsonDepth, " levels"));
  }
  if (ec) {
    return absl::InvalidArgumentError(Cat("invalid JSON at byte ", consumed, ": ", ec.message()));
  }
  if (consumed != json.size()) {
    return absl::InvalidArgumentError(
        Cat("invalid JSON at byte ", consumed, ": unexpected data after the value"));
  }
  return std::move(parser.handler().root());
}

}  // namespace pubsub::internal
