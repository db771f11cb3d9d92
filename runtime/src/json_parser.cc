// Registry::ParseJson: browser-shaped JSON -> event message, the inverse of
// the generated JSON writers. Reflection-based: publishing by JSON (HTTP, gRPC,
// CLI) is not the fan-out hot path. Every error names the field path, e.g.
// `data.id: expected an integer, got "abc"`.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/message.h>
#include <google/protobuf/reflection.h>

#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "json_dom.h"
#include "pubsub/internal/json_writer.h"
#include "pubsub/internal/str_cat.h"
#include "pubsub/options.pb.h"
#include "pubsub/registry.h"
#include "pubsub/status_macros.h"

namespace pubsub {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::Message;
using google::protobuf::OneofDescriptor;
using google::protobuf::Reflection;
using internal::Cat;
using internal::JsonMember;
using internal::JsonNode;
using Kind = JsonNode::Kind;

// ---------------------------------------------------------------------------
// Text helpers

// Offending values are shown at most this long in errors.
constexpr size_t kMaxShown = 40;

// A string as shown in an error: quoted and escaped, cut at a UTF-8
// boundary after kMaxShown bytes with "..." to say so.
std::string DescribeText(std::string_view s) {
  bool truncated = false;
  if (s.size() > kMaxShown) {
    size_t cut = kMaxShown;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
    s = s.substr(0, cut);
    truncated = true;
  }
  std::string out;
  internal::JsonWriter writer(out);
  writer.String(s);
  if (truncated) out.insert(out.size() - 1, "...");
  return out;
}

// How an offending value is shown in an error: JSON-ish and short.
std::string Describe(const JsonNode& node) {
  switch (node.kind) {
    case Kind::kNull:
      return "null";
    case Kind::kBool:
      return node.boolean ? "true" : "false";
    case Kind::kNumber:
      return node.text.size() <= kMaxShown ? node.text : node.text.substr(0, kMaxShown) + "...";
    case Kind::kArray:
      return "an array";
    case Kind::kObject:
      return "an object";
    case Kind::kString:
      break;
  }
  return DescribeText(node.text);
}

// Parses all of `text` with from_chars. kInvalid unless every byte is used.
enum class NumberParse { kOk, kOutOfRange, kInvalid };
template <class T>
NumberParse ParseAll(std::string_view text, T& value) {
  const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
  if (result.ptr != text.data() + text.size()) return NumberParse::kInvalid;
  if (result.ec == std::errc::result_out_of_range) return NumberParse::kOutOfRange;
  return result.ec == std::errc() ? NumberParse::kOk : NumberParse::kInvalid;
}

// For a JSON number that from_chars found out of range: true when it is too
// large (|x| >= 1), false when it is too close to zero. Decided from the
// decimal exponent of its first significant digit ("0.00123e-2" -> -5).
bool IsHugeNumber(std::string_view text) {
  if (!text.empty() && text[0] == '-') text.remove_prefix(1);
  const size_t e = text.find_first_of("eE");
  const std::string_view digits = text.substr(0, e);
  int64_t exponent = 0;
  if (e != std::string_view::npos) {
    std::string_view exp_text = text.substr(e + 1);
    const bool negative = !exp_text.empty() && exp_text[0] == '-';
    if (!exp_text.empty() && (exp_text[0] == '-' || exp_text[0] == '+')) exp_text.remove_prefix(1);
    for (const char c : exp_text) {
      exponent = std::min<int64_t>(exponent * 10 + (c - '0'), int64_t{1} << 40);
    }
    if (negative) exponent = -exponent;
  }
  const size_t dot = digits.find('.');
  const std::string_view whole = digits.substr(0, dot);
  const size_t first = whole.find_first_not_of('0');
  if (first != std::string_view::npos) {
    return exponent + static_cast<int64_t>(whole.size() - first) - 1 >= 0;
  }
  if (dot == std::string_view::npos) return false;  // zero
  const std::string_view fraction = digits.substr(dot + 1);
  const size_t nonzero = fraction.find_first_not_of('0');
  if (nonzero == std::string_view::npos) return false;  // zero
  return exponent - static_cast<int64_t>(nonzero) - 1 >= 0;
}

// True when `text` is a JSON number (RFC 8259 grammar). Strings that hold
// numbers are checked with this, so "inf", " 1" or "0x10" are refused.
bool IsJsonNumber(std::string_view text) {
  size_t i = 0;
  const size_t n = text.size();
  auto digit = [&](size_t k) { return k < n && text[k] >= '0' && text[k] <= '9'; };
  if (i < n && text[i] == '-') ++i;
  if (!digit(i)) return false;
  if (text[i] == '0') {
    ++i;
  } else {
    while (digit(i)) ++i;
  }
  if (i < n && text[i] == '.') {
    if (!digit(++i)) return false;
    while (digit(i)) ++i;
  }
  if (i < n && (text[i] == 'e' || text[i] == 'E')) {
    ++i;
    if (i < n && (text[i] == '+' || text[i] == '-')) ++i;
    if (!digit(i)) return false;
    while (digit(i)) ++i;
  }
  return i == n;
}

// Decodes standard or URL-safe base64, padding optional.
bool DecodeBase64(std::string_view in, std::string& out) {
  static constexpr auto kTable = [] {
    std::array<int8_t, 256> t{};
    t.fill(-1);
    for (int i = 0; i < 26; ++i) {
      t['A' + i] = static_cast<int8_t>(i);
      t['a' + i] = static_cast<int8_t>(26 + i);
    }
    for (int i = 0; i < 10; ++i) t['0' + i] = static_cast<int8_t>(52 + i);
    t['+'] = t['-'] = 62;
    t['/'] = t['_'] = 63;
    return t;
  }();
  if (in.size() % 4 == 0 && !in.empty()) {
    if (in.back() == '=') in.remove_suffix(1);
    if (in.back() == '=') in.remove_suffix(1);
  }
  if (in.size() % 4 == 1) return false;
  out.clear();
  out.reserve(in.size() * 3 / 4);
  uint32_t acc = 0;
  int bits = 0;
  for (const char c : in) {
    const int v = kTable[static_cast<unsigned char>(c)];
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return true;
}

// Reads exactly `width` digits at text[pos].
bool ReadDigits(std::string_view text, size_t pos, size_t width, int64_t& value) {
  if (pos + width > text.size()) return false;
  value = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  return true;
}

// Reads ".d{1,9}" at text[pos] (if present) as nanoseconds.
bool ReadFraction(std::string_view text, size_t& pos, int32_t& nanos) {
  nanos = 0;
  if (pos >= text.size() || text[pos] != '.') return true;
  ++pos;
  int digits = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
    if (++digits > 9) return false;
    nanos = nanos * 10 + (text[pos++] - '0');
  }
  if (digits == 0) return false;
  for (int i = digits; i < 9; ++i) nanos *= 10;
  return true;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

bool IsLeapYear(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

constexpr int64_t kMinTimestampSeconds = -62135596800;  // 0001-01-01T00:00:00Z
constexpr int64_t kMaxTimestampSeconds = 253402300799;  // 9999-12-31T23:59:59Z
constexpr int64_t kMaxDurationSeconds = 315576000000;

// RFC 3339: "2026-11-25T10:00:00Z", "2026-11-25T10:00:00.5+01:00".
bool ParseTimestamp(std::string_view text, int64_t& seconds, int32_t& nanos) {
  int64_t year, month, day, hour, minute, second;
  if (!ReadDigits(text, 0, 4, year) || text.size() < 20 || text[4] != '-' ||
      !ReadDigits(text, 5, 2, month) || text[7] != '-' || !ReadDigits(text, 8, 2, day) ||
      (text[10] != 'T' && text[10] != 't') || !ReadDigits(text, 11, 2, hour) || text[13] != ':' ||
      !ReadDigits(text, 14, 2, minute) || text[16] != ':' || !ReadDigits(text, 17, 2, second)) {
    return false;
  }
  static constexpr int kDaysInMonth[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 ||
      day > kDaysInMonth[month - 1] + (month == 2 && IsLeapYear(year) ? 1 : 0) || hour > 23 ||
      minute > 59 || second > 59) {
    return false;
  }
  size_t pos = 19;
  if (!ReadFraction(text, pos, nanos) || pos >= text.size()) return false;
  int64_t offset = 0;
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    int64_t offset_hours, offset_minutes;
    if (!ReadDigits(text, pos + 1, 2, offset_hours) || pos + 3 >= text.size() ||
        text[pos + 3] != ':' || !ReadDigits(text, pos + 4, 2, offset_minutes) ||
        offset_hours > 23 || offset_minutes > 59) {
      return false;
    }
    offset = (offset_hours * 60 + offset_minutes) * 60 * (text[pos] == '-' ? -1 : 1);
    pos += 6;
  } else {
    return false;
  }
  if (pos != text.size()) return false;
  seconds = DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
  return seconds >= kMinTimestampSeconds && seconds <= kMaxTimestampSeconds;
}

// "1.5s", "-0.000000001s", "3s".
bool ParseDuration(std::string_view text, int64_t& seconds, int32_t& nanos) {
  if (text.size() < 2 || text.back() != 's') return false;
  text.remove_suffix(1);
  const bool negative = text.front() == '-';
  if (negative) text.remove_prefix(1);
  size_t pos = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') ++pos;
  if (pos == 0 || pos > 12) return false;
  int64_t whole;
  if (!ReadDigits(text, 0, pos, whole) || !ReadFraction(text, pos, nanos) || pos != text.size() ||
      whole > kMaxDurationSeconds) {
    return false;
  }
  seconds = negative ? -whole : whole;
  if (negative) nanos = -nanos;
  return true;
}

// A FieldMask's JSON text -> its paths, as protobuf 3.21's parser reads it
// (DecodeCompactFieldMaskPaths, then ToSnakeCase on each path):
// "fooBar,baz.quxQuux" -> foo_bar, baz.qux_quux; "a(bC,d)" -> a.b_c, a.d;
// map keys in ["..."] (with \ escapes) and "quoted" parts kept as they are;
// empty paths skipped. Returns what is wrong, or "".
std::string FieldMaskPaths(std::string_view text, std::vector<std::string>& paths) {
  auto join = [](std::string_view prefix, std::string_view segment) {
    if (prefix.empty()) return std::string(segment);
    if (segment.empty()) return std::string(prefix);
    // A map key follows its field without a '.'.
    if (segment.substr(0, 2) == "[\"") return Cat(prefix, segment);
    return Cat(prefix, ".", segment);
  };
  auto add = [&](const std::string& path) {
    std::string snake;
    internal::AppendFieldMaskPathFromJson(path, snake);
    paths.push_back(std::move(snake));
  };
  std::vector<std::string> prefixes;  // the "a" of "a(b,c)", innermost last
  const size_t length = text.size();
  size_t previous = 0;
  bool in_map_key = false;
  bool is_escaping = false;
  for (size_t i = 0; i <= length; ++i) {
    if (i != length) {
      if (in_map_key) {
        if (is_escaping) {
          is_escaping = false;
          continue;
        }
        if (text[i] == '\\') {
          is_escaping = true;
          continue;
        }
        if (text[i] != '"') continue;
        if (i + 1 >= length || text[i + 1] != ']') {
          return "map keys must be written as [\"key\"]";
        }
        in_map_key = false;
        ++i;  // the ']'
        if (i + 1 < length && text[i + 1] != '.' && text[i + 1] != ',' && text[i + 1] != ')' &&
            text[i + 1] != '(') {
          return "a map key must end its path segment";
        }
        continue;
      }
      if (text[i] == '[') {
        if (i + 1 >= length || text[i + 1] != '"') return "map keys must be written as [\"key\"]";
        in_map_key = true;
        ++i;  // the '"'
        continue;
      }
      if (text[i] != ',' && text[i] != '(' && text[i] != ')') continue;
    }
    const std::string_view segment = text.substr(previous, i - previous);
    const std::string prefix = prefixes.empty() ? std::string() : prefixes.back();
    if (i < length && text[i] == '(') {
      prefixes.push_back(join(prefix, segment));
    } else if (!segment.empty()) {
      add(join(prefix, segment));
    }
    if (i < length && text[i] == ')') {
      if (prefixes.empty()) return "a ')' without its '('";
      prefixes.pop_back();
    }
    previous = i + 1;
  }
  if (in_map_key) return "a '[' without its ']'";
  if (!prefixes.empty()) return "a '(' without its ')'";
  return "";
}

// ---------------------------------------------------------------------------
// JSON -> message

class Converter {
 public:
  // Fills `message` from the members of `object`; at the top level the
  // "type" key is the caller's.
  absl::Status FillMessage(const JsonNode& object, Message& message, bool top_level) {
    if (object.kind != Kind::kObject) {
      return Error(Cat("expected an object, got ", Describe(object)));
    }
    const Descriptor* descriptor = message.GetDescriptor();
    absl::flat_hash_set<const FieldDescriptor*> seen;
    absl::flat_hash_set<const OneofDescriptor*> oneofs_set;
    for (const JsonMember& member : object.members) {
      if (top_level && member.key == "type") continue;
      PathScope scope(*this, member.key);
      const FieldDescriptor* field = FindField(*descriptor, member.key);
      if (field == nullptr) return Error("unknown field");
      if (!seen.insert(field).second) return Error("duplicate field");
      if (member.value.kind == Kind::kNull && !TakesNull(field)) continue;  // null: unset
      if (const OneofDescriptor* oneof = field->real_containing_oneof(); oneof != nullptr) {
        if (!oneofs_set.insert(oneof).second) {
          return Error(Cat("more than one field of oneof \"", oneof->name(), "\" is set"));
        }
      }
      PUBSUB_RETURN_IF_ERROR(FillField(*field, member.value, message));
    }
    return absl::OkStatus();
  }

  absl::Status Error(std::string_view what) const {
    return absl::InvalidArgumentError(path_.empty() ? std::string(what) : Cat(path_, ": ", what));
  }

 private:
  // Appends one step to the error path for the duration of a scope.
  class PathScope {
   public:
    PathScope(Converter& converter, std::string_view key)
        : path_(converter.path_), size_(path_.size()) {
      if (!path_.empty()) path_.push_back('.');
      path_.append(key);
    }
    PathScope(Converter& converter, size_t index) : path_(converter.path_), size_(path_.size()) {
      path_.append(Cat("[", index, "]"));
    }
    PathScope(Converter& converter, const std::string& map_key, bool)
        : path_(converter.path_), size_(path_.size()) {
      path_.push_back('[');
      internal::JsonWriter writer(path_);
      writer.String(map_key);
      path_.push_back(']');
    }
    ~PathScope() { path_.resize(size_); }
    PathScope(const PathScope&) = delete;
    PathScope& operator=(const PathScope&) = delete;

   private:
    std::string& path_;
    size_t size_;
  };

  static const FieldDescriptor* FindField(const Descriptor& descriptor, std::string_view key) {
    if (const FieldDescriptor* field = descriptor.FindFieldByName(std::string(key))) return field;
    for (int i = 0; i < descriptor.field_count(); ++i) {
      if (descriptor.field(i)->json_name() == key) return descriptor.field(i);
    }
    return nullptr;
  }

  // Fields that read JSON null as a value, not as "unset", as protobuf's
  // parser does: a google.protobuf.Value (its null_value) and a
  // google.protobuf.NullValue (NULL_VALUE). So an optional or oneof NullValue
  // keeps its presence, and null is an element of a repeated NullValue and a
  // value of a map of them.
  static bool TakesNull(const FieldDescriptor* field) {
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return !field->is_map() && field->message_type()->full_name() == "google.protobuf.Value";
      case FieldDescriptor::CPPTYPE_ENUM:
        return IsNullValue(*field->enum_type());
      default:
        return false;
    }
  }

  static bool IsNullValue(const EnumDescriptor& type) {
    return type.full_name() == "google.protobuf.NullValue";
  }

  absl::Status FillField(const FieldDescriptor& field, const JsonNode& value, Message& message) {
    if (field.is_map()) {
      if (value.kind != Kind::kObject) {
        return Error(Cat("expected an object (map), got ", Describe(value)));
      }
      const Descriptor* entry_type = field.message_type();
      const FieldDescriptor& key_field = *entry_type->map_key();
      const FieldDescriptor& value_field = *entry_type->map_value();
      absl::flat_hash_set<std::string> keys;
      for (const JsonMember& member : value.members) {
        PathScope scope(*this, member.key, true);
        Message* entry = message.GetReflection()->AddMessage(&message, &field);
        PUBSUB_RETURN_IF_ERROR(SetMapKey(key_field, member.key, *entry));
        if (!keys.insert(MapKeyText(key_field, *entry)).second) return Error("duplicate map key");
        if (member.value.kind == Kind::kNull && !TakesNull(&value_field)) {
          return Error("null is not allowed as a map value");
        }
        PUBSUB_RETURN_IF_ERROR(FillSingle(value_field, member.value, *entry, false));
      }
      return absl::OkStatus();
    }
    if (field.is_repeated()) {
      if (value.kind != Kind::kArray) return Error(Cat("expected an array, got ", Describe(value)));
      for (size_t i = 0; i < value.items.size(); ++i) {
        PathScope scope(*this, i);
        if (value.items[i].kind == Kind::kNull && !TakesNull(&field)) {
          return Error("null is not allowed in a repeated field");
        }
        PUBSUB_RETURN_IF_ERROR(FillSingle(field, value.items[i], message, true));
      }
      return absl::OkStatus();
    }
    return FillSingle(field, value, message, false);
  }

  // A map entry's key as text, compared by value: "0" and "-0" are one key.
  static std::string MapKeyText(const FieldDescriptor& key_field, const Message& entry) {
    const Reflection& r = *entry.GetReflection();
    switch (key_field.cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        return std::to_string(r.GetInt32(entry, &key_field));
      case FieldDescriptor::CPPTYPE_INT64:
        return std::to_string(r.GetInt64(entry, &key_field));
      case FieldDescriptor::CPPTYPE_UINT32:
        return std::to_string(r.GetUInt32(entry, &key_field));
      case FieldDescriptor::CPPTYPE_UINT64:
        return std::to_string(r.GetUInt64(entry, &key_field));
      case FieldDescriptor::CPPTYPE_BOOL:
        return r.GetBool(entry, &key_field) ? "true" : "false";
      default:
        return r.GetString(entry, &key_field);
    }
  }

  absl::Status SetMapKey(const FieldDescriptor& key_field, const std::string& key, Message& entry) {
    JsonNode node;
    node.kind = Kind::kString;
    node.text = key;
    if (key_field.cpp_type() == FieldDescriptor::CPPTYPE_BOOL) {
      if (key != "true" && key != "false") {
        return Error(Cat("expected a map key of true or false, got ", Describe(node)));
      }
      entry.GetReflection()->SetBool(&entry, &key_field, key == "true");
      return absl::OkStatus();
    }
    return FillSingle(key_field, node, entry, false);
  }

  // Sets (or, for repeated fields, adds) one value of `field`.
  absl::Status FillSingle(const FieldDescriptor& field, const JsonNode& value, Message& message,
                          bool add) {
    const Reflection& r = *message.GetReflection();
    switch (field.cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32: {
        int64_t v;
        PUBSUB_RETURN_IF_ERROR(ParseSigned(value, INT32_MIN, INT32_MAX, field.type_name(), v));
        add ? r.AddInt32(&message, &field, static_cast<int32_t>(v))
            : r.SetInt32(&message, &field, static_cast<int32_t>(v));
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_INT64: {
        int64_t v;
        PUBSUB_RETURN_IF_ERROR(ParseSigned(value, INT64_MIN, INT64_MAX, field.type_name(), v));
        add ? r.AddInt64(&message, &field, v) : r.SetInt64(&message, &field, v);
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_UINT32: {
        uint64_t v;
        PUBSUB_RETURN_IF_ERROR(ParseUnsigned(value, UINT32_MAX, field.type_name(), v));
        add ? r.AddUInt32(&message, &field, static_cast<uint32_t>(v))
            : r.SetUInt32(&message, &field, static_cast<uint32_t>(v));
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_UINT64: {
        uint64_t v;
        PUBSUB_RETURN_IF_ERROR(ParseUnsigned(value, UINT64_MAX, field.type_name(), v));
        add ? r.AddUInt64(&message, &field, v) : r.SetUInt64(&message, &field, v);
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_DOUBLE: {
        double v;
        PUBSUB_RETURN_IF_ERROR(ParseFloating(value, "double", v));
        add ? r.AddDouble(&message, &field, v) : r.SetDouble(&message, &field, v);
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_FLOAT: {
        float v;
        PUBSUB_RETURN_IF_ERROR(ParseFloating(value, "float", v));
        add ? r.AddFloat(&message, &field, v) : r.SetFloat(&message, &field, v);
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_BOOL: {
        if (value.kind != Kind::kBool) {
          return Error(Cat("expected true or false, got ", Describe(value)));
        }
        add ? r.AddBool(&message, &field, value.boolean)
            : r.SetBool(&message, &field, value.boolean);
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_STRING: {
        if (value.kind != Kind::kString) {
          return Error(Cat(field.type() == FieldDescriptor::TYPE_BYTES
                               ? "expected a base64 string, got "
                               : "expected a string, got ",
                           Describe(value)));
        }
        std::string v;
        if (field.type() == FieldDescriptor::TYPE_BYTES) {
          if (!DecodeBase64(value.text, v)) {
            return Error(Cat("expected a base64 string, got ", Describe(value)));
          }
        } else {
          v = value.text;
        }
        add ? r.AddString(&message, &field, std::move(v))
            : r.SetString(&message, &field, std::move(v));
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        int number = 0;
        PUBSUB_RETURN_IF_ERROR(ParseEnum(*field.enum_type(), value, number));
        add ? r.AddEnumValue(&message, &field, number) : r.SetEnumValue(&message, &field, number);
        return absl::OkStatus();
      }
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        Message* sub = add ? r.AddMessage(&message, &field) : r.MutableMessage(&message, &field);
        return FillAnyMessage(value, *sub);
      }
    }
    return Error("unsupported field type");
  }

  // A message value: the well-known types have their own JSON forms.
  absl::Status FillAnyMessage(const JsonNode& value, Message& message) {
    const Descriptor& descriptor = *message.GetDescriptor();
    const std::string& name = descriptor.full_name();
    if (descriptor.file()->name().rfind("google/protobuf/", 0) != 0) {
      return FillMessage(value, message, false);
    }
    const Reflection& r = *message.GetReflection();
    if (name == "google.protobuf.Timestamp" || name == "google.protobuf.Duration") {
      const bool is_timestamp = name == "google.protobuf.Timestamp";
      int64_t seconds;
      int32_t nanos;
      if (value.kind != Kind::kString ||
          !(is_timestamp ? ParseTimestamp(value.text, seconds, nanos)
                         : ParseDuration(value.text, seconds, nanos))) {
        return Error(Cat(is_timestamp ? "expected an RFC 3339 timestamp such as "
                                        "\"2026-11-25T10:00:00Z\" (years 0001 to 9999), got "
                                      : "expected a duration such as \"1.5s\", got ",
                         Describe(value)));
      }
      r.SetInt64(&message, descriptor.FindFieldByNumber(1), seconds);
      r.SetInt32(&message, descriptor.FindFieldByNumber(2), nanos);
      return absl::OkStatus();
    }
    if (name == "google.protobuf.DoubleValue" || name == "google.protobuf.FloatValue" ||
        name == "google.protobuf.Int64Value" || name == "google.protobuf.UInt64Value" ||
        name == "google.protobuf.Int32Value" || name == "google.protobuf.UInt32Value" ||
        name == "google.protobuf.BoolValue" || name == "google.protobuf.StringValue" ||
        name == "google.protobuf.BytesValue") {
      return FillSingle(*descriptor.FindFieldByNumber(1), value, message, false);
    }
    if (name == "google.protobuf.FieldMask") {
      if (value.kind != Kind::kString) {
        return Error(Cat("expected a field mask string, got ", Describe(value)));
      }
      std::vector<std::string> paths;
      if (const std::string wrong = FieldMaskPaths(value.text, paths); !wrong.empty()) {
        return Error(Cat("expected a field mask such as \"user.displayName,createdAt\" (", wrong,
                         "), got ", Describe(value)));
      }
      for (std::string& path : paths) {
        r.AddString(&message, descriptor.FindFieldByNumber(1), std::move(path));
      }
      return absl::OkStatus();
    }
    if (name == "google.protobuf.Value") return FillValue(value, message);
    if (name == "google.protobuf.Struct") {
      if (value.kind != Kind::kObject) {
        return Error(Cat("expected an object, got ", Describe(value)));
      }
      // Struct is {fields: map<string, Value>}.
      return FillField(*descriptor.FindFieldByNumber(1), value, message);
    }
    if (name == "google.protobuf.ListValue") {
      if (value.kind != Kind::kArray) return Error(Cat("expected an array, got ", Describe(value)));
      return FillField(*descriptor.FindFieldByNumber(1), value, message);
    }
    if (name == "google.protobuf.Any") return Error("google.protobuf.Any is not supported");
    return FillMessage(value, message, false);  // Empty and other plain messages
  }

  // google.protobuf.Value: any JSON value.
  absl::Status FillValue(const JsonNode& value, Message& message) {
    const Descriptor& d = *message.GetDescriptor();
    const Reflection& r = *message.GetReflection();
    switch (value.kind) {
      case Kind::kNull:
        r.SetEnumValue(&message, d.FindFieldByName("null_value"), 0);
        return absl::OkStatus();
      case Kind::kBool:
        r.SetBool(&message, d.FindFieldByName("bool_value"), value.boolean);
        return absl::OkStatus();
      case Kind::kString:
        r.SetString(&message, d.FindFieldByName("string_value"), value.text);
        return absl::OkStatus();
      case Kind::kNumber:
        return FillSingle(*d.FindFieldByName("number_value"), value, message, false);
      case Kind::kObject:
        return FillAnyMessage(value,
                              *r.MutableMessage(&message, d.FindFieldByName("struct_value")));
      case Kind::kArray:
        return FillAnyMessage(value, *r.MutableMessage(&message, d.FindFieldByName("list_value")));
    }
    return absl::OkStatus();
  }

  // The text of a number given as a JSON number or as a string holding one.
  const std::string* NumberText(const JsonNode& value) {
    if (value.kind == Kind::kNumber) return &value.text;
    if (value.kind == Kind::kString && IsJsonNumber(value.text)) return &value.text;
    return nullptr;
  }

  absl::Status ParseSigned(const JsonNode& value, int64_t min, int64_t max,
                           std::string_view type_name, int64_t& out) {
    const std::string* text = NumberText(value);
    if (text == nullptr) return Error(Cat("expected an integer, got ", Describe(value)));
    switch (ParseAll(*text, out)) {
      case NumberParse::kOk:
        if (out < min || out > max) return OutOfRange(type_name, value);
        return absl::OkStatus();
      case NumberParse::kOutOfRange:
        return OutOfRange(type_name, value);
      case NumberParse::kInvalid:
        break;  // not an integer literal: maybe 7.0 or 1e3
    }
    double d;
    PUBSUB_RETURN_IF_ERROR(IntegralDouble(*text, value, type_name, d));
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0) ||
        static_cast<int64_t>(d) < min || static_cast<int64_t>(d) > max) {
      return OutOfRange(type_name, value);
    }
    out = static_cast<int64_t>(d);
    return absl::OkStatus();
  }

  absl::Status ParseUnsigned(const JsonNode& value, uint64_t max, std::string_view type_name,
                             uint64_t& out) {
    const std::string* text = NumberText(value);
    if (text == nullptr) return Error(Cat("expected an integer, got ", Describe(value)));
    switch (ParseAll(*text, out)) {
      case NumberParse::kOk:
        if (out > max) return OutOfRange(type_name, value);
        return absl::OkStatus();
      case NumberParse::kOutOfRange:
        return OutOfRange(type_name, value);
      case NumberParse::kInvalid:
        break;  // not an unsigned literal: maybe 7.0, 1e3, -0 or -1
    }
    double d;
    PUBSUB_RETURN_IF_ERROR(IntegralDouble(*text, value, type_name, d));
    if (!(d > -1.0 && d < 18446744073709551616.0) || static_cast<uint64_t>(d) > max) {
      return OutOfRange(type_name, value);
    }
    out = static_cast<uint64_t>(d);
    return absl::OkStatus();
  }

  // An integer written as a double ("7.0", "1e3"); 7.5 is refused.
  absl::Status IntegralDouble(const std::string& text, const JsonNode& value,
                              std::string_view type_name, double& d) {
    switch (ParseAll(text, d)) {
      case NumberParse::kOk:
        if (std::trunc(d) != d) break;
        return absl::OkStatus();
      case NumberParse::kOutOfRange:
        if (IsHugeNumber(text)) return OutOfRange(type_name, value);
        break;
      case NumberParse::kInvalid:
        break;
    }
    return Error(Cat("expected an integer, got ", Describe(value)));
  }

  absl::Status OutOfRange(std::string_view type_name, const JsonNode& value) {
    return Error(Cat("out of range for ", type_name, ", got ", Describe(value)));
  }

  template <class T>
  absl::Status ParseFloating(const JsonNode& value, std::string_view type_name, T& out) {
    if (value.kind == Kind::kString) {
      if (value.text == "NaN") {
        out = std::numeric_limits<T>::quiet_NaN();
        return absl::OkStatus();
      }
      if (value.text == "Infinity" || value.text == "-Infinity") {
        out = value.text[0] == '-' ? -std::numeric_limits<T>::infinity()
                                   : std::numeric_limits<T>::infinity();
        return absl::OkStatus();
      }
    }
    const std::string* text = NumberText(value);
    if (text == nullptr) return Error(Cat("expected a number, got ", Describe(value)));
    // Parsing straight to T rounds once, so a float written in its shortest
    // form ("3.4028235e+38") reads back as exactly that float.
    switch (ParseAll(*text, out)) {
      case NumberParse::kOk:
        return absl::OkStatus();
      case NumberParse::kOutOfRange:
        // Overflow is an error; underflow reads as (signed) zero.
        if (IsHugeNumber(*text)) return OutOfRange(type_name, value);
        out = (*text)[0] == '-' ? -T(0) : T(0);
        return absl::OkStatus();
      case NumberParse::kInvalid:
        break;
    }
    return Error(Cat("expected a number, got ", Describe(value)));
  }

  absl::Status ParseEnum(const EnumDescriptor& type, const JsonNode& value, int& number) {
    if (value.kind == Kind::kNull && IsNullValue(type)) {
      number = 0;  // NULL_VALUE
      return absl::OkStatus();
    }
    if (value.kind == Kind::kString) {
      for (int i = 0; i < type.value_count(); ++i) {
        const EnumValueDescriptor* v = type.value(i);
        if (const std::string& json_value = v->options().GetExtension(pubsub::json_value);
            !json_value.empty() && json_value == value.text) {
          number = v->number();
          return absl::OkStatus();
        }
      }
      if (const EnumValueDescriptor* v = type.FindValueByName(value.text)) {
        number = v->number();
        return absl::OkStatus();
      }
      return Error(Cat("unknown value ", Describe(value), " of enum ", type.full_name()));
    }
    if (value.kind == Kind::kNumber) {
      int64_t v;
      PUBSUB_RETURN_IF_ERROR(ParseSigned(value, INT32_MIN, INT32_MAX, "enum", v));
      // proto3 enums are open: any int32 is a valid value. proto2's are closed.
      if (type.file()->syntax() != FileDescriptor::SYNTAX_PROTO3 &&
          type.FindValueByNumber(static_cast<int>(v)) == nullptr) {
        return Error(Cat("unknown value ", Describe(value), " of enum ", type.full_name()));
      }
      number = static_cast<int>(v);
      return absl::OkStatus();
    }
    return Error(Cat("expected an enum value name or number, got ", Describe(value)));
  }

  std::string path_;
};

}  // namespace

absl::StatusOr<ParsedEvent> Registry::ParseJson(std::string_view json,
                                                std::optional<std::string_view> type) const {
  // A type given beside the JSON is checked first: it decides the event
  // whatever the text holds, and an unknown one makes parsing pointless.
  const EventInfo* info = nullptr;
  if (type.has_value()) {
    if (type->empty()) {
      return absl::InvalidArgumentError(
          "type: required (the event's type string, e.g. \"new_comment\")");
    }
    info = FindEvent(*type);
    if (info == nullptr) {
      return absl::InvalidArgumentError(Cat("type: unknown event type ", DescribeText(*type)));
    }
  }

  absl::StatusOr<JsonNode> document = internal::ParseJsonDocument(json);
  if (!document.ok()) return document.status();
  const JsonNode& root = *document;
  if (root.kind != Kind::kObject) {
    return absl::InvalidArgumentError(Cat(info == nullptr
                                              ? "expected a JSON object with a \"type\", got "
                                              : "expected a JSON object, got ",
                                          Describe(root)));
  }
  const JsonNode* type_member = nullptr;
  for (const JsonMember& member : root.members) {
    if (member.key != "type") continue;
    if (type_member != nullptr) return absl::InvalidArgumentError("type: duplicate field");
    type_member = &member.value;
  }
  if (type_member != nullptr) {
    if (type_member->kind != Kind::kString) {
      return absl::InvalidArgumentError(
          Cat("type: expected a string, got ", Describe(*type_member)));
    }
    if (info != nullptr) {
      // Compared as text, so a "type" that names no event at all reads as
      // the mismatch it is, not as an unknown type.
      if (type_member->text != *type) {
        return absl::InvalidArgumentError(Cat("json: \"type\" is ", Describe(*type_member),
                                              ", but type is ", DescribeText(*type)));
      }
    } else {
      info = FindEvent(type_member->text);
      if (info == nullptr) {
        return absl::InvalidArgumentError(Cat("type: unknown event type ", Describe(*type_member)));
      }
    }
  } else if (info == nullptr) {
    return absl::InvalidArgumentError("missing \"type\"");
  }

  ParsedEvent event;
  event.info = info;
  event.message.reset(info->default_instance().New());
  Converter converter;
  PUBSUB_RETURN_IF_ERROR(converter.FillMessage(root, *event.message, /*top_level=*/true));

  const ChannelInfo& channel = *info->channel;
  if (!channel.scope_field.empty() && info->scope_value(*event.message).empty()) {
    return absl::InvalidArgumentError(Cat(
        channel.scope_field, ": must not be empty (the scope of channel \"", channel.name, "\")"));
  }
  return event;
}

}  // namespace pubsub
