#include "random_message.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/reflection.h>

#include <bit>
#include <cmath>
#include <limits>

namespace pubsub_test {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

void AppendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

constexpr int64_t kMinTimestampSeconds = -62135596800;
constexpr int64_t kMaxTimestampSeconds = 253402300799;
constexpr int64_t kMaxDurationSeconds = 315576000000;

}  // namespace

void RandomMessageFiller::Fill(Message& message, int max_depth) {
  message.Clear();
  FillMessage(message, max_depth);
  // Reflection adds map entries as a list, so a key drawn twice is there
  // twice; a parse of the serialized form keeps the last, as any reader does.
  const std::string bytes = message.SerializeAsString();
  message.Clear();
  message.ParseFromString(bytes);
}

int64_t RandomMessageFiller::Int64() {
  static constexpr int64_t kEdges[] = {0,
                                       1,
                                       -1,
                                       INT64_MIN,
                                       INT64_MAX,
                                       INT64_MIN + 1,
                                       INT64_MAX - 1,
                                       (int64_t{1} << 53) + 1,
                                       -(int64_t{1} << 53)};
  if (OneIn(2)) return kEdges[Below(std::size(kEdges))];
  if (OneIn(2)) return std::uniform_int_distribution<int64_t>(-100000, 100000)(rng_);
  return static_cast<int64_t>(rng_());
}

uint64_t RandomMessageFiller::UInt64() {
  static constexpr uint64_t kEdges[] = {
      0, 1, UINT64_MAX, UINT64_MAX - 1, uint64_t{INT64_MAX}, uint64_t{INT64_MAX} + 1};
  if (OneIn(2)) return kEdges[Below(std::size(kEdges))];
  if (OneIn(2)) return std::uniform_int_distribution<uint64_t>(0, 100000)(rng_);
  return rng_();
}

int32_t RandomMessageFiller::Int32() {
  static constexpr int32_t kEdges[] = {0, 1, -1, INT32_MIN, INT32_MAX, INT32_MIN + 1};
  if (OneIn(2)) return kEdges[Below(std::size(kEdges))];
  return static_cast<int32_t>(rng_());
}

uint32_t RandomMessageFiller::UInt32() {
  static constexpr uint32_t kEdges[] = {0, 1, UINT32_MAX, uint32_t{INT32_MAX} + 1};
  if (OneIn(2)) return kEdges[Below(std::size(kEdges))];
  return static_cast<uint32_t>(rng_());
}

double RandomMessageFiller::Double() {
  using L = std::numeric_limits<double>;
  static const double kEdges[] = {0.0,
                                  -0.0,
                                  L::quiet_NaN(),
                                  L::infinity(),
                                  -L::infinity(),
                                  L::max(),
                                  L::lowest(),
                                  L::min(),
                                  L::denorm_min(),
                                  -L::denorm_min(),
                                  0.1,
                                  0.1 + 0.2,
                                  12.5,
                                  1e21,
                                  1e-7,
                                  123456789.0,
                                  9007199254740993.0};
  switch (Below(4)) {
    case 0:
      return kEdges[Below(std::size(kEdges))];
    case 1:  // any bit pattern: every exponent, denormals, NaN payloads
      return std::bit_cast<double>(static_cast<uint64_t>(rng_()));
    case 2:  // "human" numbers
      return std::uniform_int_distribution<int>(-100000, 100000)(rng_) / 100.0;
    default:
      return std::uniform_real_distribution<double>(-1e6, 1e6)(rng_);
  }
}

float RandomMessageFiller::Float() {
  using L = std::numeric_limits<float>;
  static const float kEdges[] = {
      0.0f,     -0.0f,       L::quiet_NaN(), L::infinity(),   -L::infinity(),
      L::max(), L::lowest(), L::min(),       L::denorm_min(), 0.1f,
      1.5f,     16777217.0f, 3.4e38f};
  switch (Below(3)) {
    case 0:
      return kEdges[Below(std::size(kEdges))];
    case 1:
      return std::bit_cast<float>(static_cast<uint32_t>(rng_()));
    default:
      return std::uniform_int_distribution<int>(-100000, 100000)(rng_) / 100.0f;
  }
}

std::string RandomMessageFiller::RandomUtf8() {
  if (OneIn(10)) return "";
  std::string out;
  const int length = OneIn(200) ? 100000 + Below(1000) : Below(24);
  if (length > 1000) {
    // A huge string: mostly plain text, a few hard characters inside.
    out.reserve(length + 16);
    while (static_cast<int>(out.size()) < length) {
      if (OneIn(1000)) {
        AppendUtf8(out, OneIn(2) ? 0x2028 : 0x1F600);
      } else {
        out.push_back(static_cast<char>('a' + Below(26)));
      }
    }
    return out;
  }
  for (int i = 0; i < length; ++i) {
    switch (Below(10)) {
      case 0:  // control characters, U+0000 included
        out.push_back(static_cast<char>(Below(0x20)));
        break;
      case 1: {
        static constexpr char kSpecial[] = {'"', '\\', '/', '\x7f', '<', '>', '&', '\''};
        out.push_back(kSpecial[Below(std::size(kSpecial))]);
        break;
      }
      case 2: {
        static constexpr uint32_t kHard[] = {0x2028,  0x2029,  0x2027,   0x202A, 0xFEFF, 0xFFFD,
                                             0xFFFF,  0x80,    0x7FF,    0x800,  0xD7FF, 0xE000,
                                             0x10000, 0x1F600, 0x10FFFF, 0xE9};
        AppendUtf8(out, kHard[Below(std::size(kHard))]);
        break;
      }
      case 3: {  // any scalar value (no surrogates)
        uint32_t cp = std::uniform_int_distribution<uint32_t>(0x80, 0x10FFFF)(rng_);
        if (cp >= 0xD800 && cp <= 0xDFFF) cp -= 0x800;
        AppendUtf8(out, cp);
        break;
      }
      default:
        out.push_back(static_cast<char>(0x20 + Below(0x5F)));
    }
  }
  return out;
}

std::string RandomMessageFiller::Bytes() {
  if (OneIn(8)) return "";
  std::string out(OneIn(100) ? 50000 + Below(100) : Below(40), '\0');
  for (char& c : out) c = static_cast<char>(rng_());
  return out;
}

void RandomMessageFiller::FillMessage(Message& message, int depth) {
  if (FillWellKnown(message)) return;
  const Descriptor& d = *message.GetDescriptor();
  for (int i = 0; i < d.oneof_decl_count(); ++i) {
    const auto* oneof = d.oneof_decl(i);
    if (oneof->is_synthetic()) continue;  // proto3 optional: handled as a field
    const int pick = Below(oneof->field_count() + 1);
    if (pick == oneof->field_count()) continue;  // none set
    const FieldDescriptor& member = *oneof->field(pick);
    // Recursive types may recurse through a oneof: messages stop at the depth.
    if (member.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE && depth <= 0) continue;
    FillValue(message, member, false, depth);
  }
  for (int i = 0; i < d.field_count(); ++i) {
    const FieldDescriptor& field = *d.field(i);
    if (field.real_containing_oneof() != nullptr) continue;
    FillField(message, field, depth);
  }
}

void RandomMessageFiller::FillField(Message& message, const FieldDescriptor& field, int depth) {
  const bool is_message = field.cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
  if (field.is_repeated()) {  // repeated and maps
    // Messages stop at the depth, map values of message type too (a map
    // may recurse: map<string, Node> in Node).
    if (is_message && depth <= 0 &&
        (!field.is_map() ||
         field.message_type()->map_value()->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE)) {
      return;
    }
    const int n = OneIn(3) ? 0 : Below(5);
    for (int i = 0; i < n; ++i) FillValue(message, field, true, depth);
    return;
  }
  if (field.has_presence()) {  // messages and proto3 optional
    if ((is_message && depth <= 0) || OneIn(2)) return;
  } else if (OneIn(4)) {
    return;  // leave the default (written anyway)
  }
  FillValue(message, field, false, depth);
}

void RandomMessageFiller::FillValue(Message& message, const FieldDescriptor& field, bool add,
                                    int depth) {
  const Reflection& r = *message.GetReflection();
  switch (field.cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      add ? r.AddInt32(&message, &field, Int32()) : r.SetInt32(&message, &field, Int32());
      return;
    case FieldDescriptor::CPPTYPE_INT64:
      add ? r.AddInt64(&message, &field, Int64()) : r.SetInt64(&message, &field, Int64());
      return;
    case FieldDescriptor::CPPTYPE_UINT32:
      add ? r.AddUInt32(&message, &field, UInt32()) : r.SetUInt32(&message, &field, UInt32());
      return;
    case FieldDescriptor::CPPTYPE_UINT64:
      add ? r.AddUInt64(&message, &field, UInt64()) : r.SetUInt64(&message, &field, UInt64());
      return;
    case FieldDescriptor::CPPTYPE_DOUBLE:
      add ? r.AddDouble(&message, &field, Double()) : r.SetDouble(&message, &field, Double());
      return;
    case FieldDescriptor::CPPTYPE_FLOAT:
      add ? r.AddFloat(&message, &field, Float()) : r.SetFloat(&message, &field, Float());
      return;
    case FieldDescriptor::CPPTYPE_BOOL: {
      const bool b = OneIn(2);
      add ? r.AddBool(&message, &field, b) : r.SetBool(&message, &field, b);
      return;
    }
    case FieldDescriptor::CPPTYPE_STRING: {
      std::string s = field.type() == FieldDescriptor::TYPE_BYTES ? Bytes() : RandomUtf8();
      add ? r.AddString(&message, &field, std::move(s))
          : r.SetString(&message, &field, std::move(s));
      return;
    }
    case FieldDescriptor::CPPTYPE_ENUM: {
      const auto& e = *field.enum_type();
      // Mostly known values; sometimes a number the schema does not know. A
      // NullValue is always NULL_VALUE: its JSON is null, whatever the number.
      const bool is_null_value = e.full_name() == "google.protobuf.NullValue";
      const int number = is_null_value ? 0
                         : OneIn(8)    ? 7 + Below(100)
                                       : e.value(Below(e.value_count()))->number();
      add ? r.AddEnumValue(&message, &field, number) : r.SetEnumValue(&message, &field, number);
      return;
    }
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      Message* sub = add ? r.AddMessage(&message, &field) : r.MutableMessage(&message, &field);
      if (field.is_map()) {
        // Key and value, each always set (a map entry's defaults are written too).
        const Descriptor& entry = *field.message_type();
        FillValue(*sub, *entry.map_key(), false, depth);
        FillValue(*sub, *entry.map_value(), false, depth - 1);
        return;
      }
      if (OneIn(6)) return;  // set but empty
      FillMessage(*sub, depth - 1);
      return;
    }
  }
}

bool RandomMessageFiller::FillWellKnown(Message& message) {
  const Descriptor& d = *message.GetDescriptor();
  const Reflection& r = *message.GetReflection();
  const std::string& name = d.full_name();
  if (name == "google.protobuf.Timestamp") {
    int64_t seconds;
    switch (Below(4)) {
      case 0:
        seconds = OneIn(2) ? kMinTimestampSeconds : kMaxTimestampSeconds;
        break;
      case 1:
        seconds = std::uniform_int_distribution<int64_t>(-86400 * 3, 86400 * 3)(rng_);
        break;
      default:
        seconds = std::uniform_int_distribution<int64_t>(kMinTimestampSeconds,
                                                         kMaxTimestampSeconds)(rng_);
    }
    static constexpr int32_t kNanos[] = {0,         0,         1,    999999999, 500000000,
                                         123000000, 123456000, 1000, 120};
    const int32_t nanos =
        OneIn(4) ? static_cast<int32_t>(rng_() % 1000000000) : kNanos[Below(std::size(kNanos))];
    r.SetInt64(&message, d.FindFieldByNumber(1), seconds);
    r.SetInt32(&message, d.FindFieldByNumber(2), nanos);
    return true;
  }
  if (name == "google.protobuf.Duration") {
    int64_t seconds =
        OneIn(4) ? kMaxDurationSeconds : std::uniform_int_distribution<int64_t>(0, 100000)(rng_);
    static constexpr int32_t kNanos[] = {0, 1, 999999999, 500000000, 1000000, 1000};
    int32_t nanos = kNanos[Below(std::size(kNanos))];
    if (OneIn(2)) {  // negative: both parts carry the sign
      seconds = -seconds;
      nanos = -nanos;
    }
    r.SetInt64(&message, d.FindFieldByNumber(1), seconds);
    r.SetInt32(&message, d.FindFieldByNumber(2), nanos);
    return true;
  }
  if (name == "google.protobuf.FieldMask") {
    // Paths that survive the camelCase round trip (protobuf's own parser
    // reads "a_b_c" -> "aBC" back as "a_bc"): lowercase words joined by
    // single underscores, none but the first of one letter; segments joined
    // by dots. Other paths are the codegen differential test's.
    const int n = Below(4);
    for (int i = 0; i < n; ++i) {
      std::string path;
      const int segments = 1 + Below(3);
      for (int s = 0; s < segments; ++s) {
        if (s > 0) path.push_back('.');
        const int words = 1 + Below(3);
        for (int w = 0; w < words; ++w) {
          if (w > 0) path.push_back('_');
          const int letters = (w == 0 ? 1 : 2) + Below(4);
          for (int l = 0; l < letters; ++l) path.push_back(static_cast<char>('a' + Below(26)));
        }
      }
      r.AddString(&message, d.FindFieldByNumber(1), std::move(path));
    }
    return true;
  }
  return false;
}

}  // namespace pubsub_test
