// Differential test: randomized messages covering every field kind, written
// by the generated JSON writer and by protobuf's MessageToJsonString, parsed
// back and compared as JSON values after applying our documented
// differences (schema/pubsub/options.proto):
//   - fields with (pubsub.json).int64_as_number are numbers, not strings;
//   - enum values with (pubsub.json_value) use that string;
//   - a google.protobuf.NullValue field is null (protobuf 3.21 prints
//     "NULL_VALUE", against the proto3 JSON spec);
//   - float values are compared as floats (protobuf may print 9 digits where
//     the shortest round-trip form has fewer: the same float either way).
// Protobuf runs with always_print_primitive_fields and
// preserve_proto_field_names, which are our other rules.
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "boost/json.hpp"
#include "codegen_test/kitchen.pubsub.h"
#include "codegen_test/nasty-no-package.pubsub.h"
#include "codegen_test/nasty.pubsub.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "pubsub/options.pb.h"

namespace {

namespace json = boost::json;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

// ---------------------------------------------------------------------------
// Random messages

class RandomFiller {
 public:
  explicit RandomFiller(uint32_t seed) : rng_(seed) {}

  void Fill(Message& message, int depth = 0) {
    const Descriptor* descriptor = message.GetDescriptor();
    const std::string& name = descriptor->full_name();
    if (name == "google.protobuf.Timestamp") return FillTimestamp(message);
    if (name == "google.protobuf.Duration") return FillDuration(message);
    if (name == "google.protobuf.FieldMask") return FillFieldMask(message);
    for (int i = 0; i < descriptor->field_count(); ++i) {
      const FieldDescriptor* field = descriptor->field(i);
      const bool is_message = field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE;
      if (is_message && depth >= 3) continue;  // bound recursive types
      if (field->is_repeated()) {
        const int count = Uniform(0, 3);
        for (int k = 0; k < count; ++k) AddValue(message, field, depth);
      } else if (field->has_presence() && Coin()) {
        continue;  // leave it unset
      } else if (field->real_containing_oneof() != nullptr && Coin()) {
        continue;
      } else {
        SetValue(message, field, depth);
      }
    }
  }

 private:
  int Uniform(int low, int high) { return std::uniform_int_distribution<int>(low, high)(rng_); }
  bool Coin() { return Uniform(0, 1) == 0; }

  template <class T>
  T Integer() {
    switch (Uniform(0, 5)) {
      case 0:
        return 0;
      case 1:
        return std::numeric_limits<T>::min();
      case 2:
        return std::numeric_limits<T>::max();
      case 3:
        return static_cast<T>(Uniform(-1000, 1000));
      default:
        return std::uniform_int_distribution<T>(std::numeric_limits<T>::min(),
                                                std::numeric_limits<T>::max())(rng_);
    }
  }

  template <class T>
  T Floating() {
    switch (Uniform(0, 9)) {
      case 0:
        return 0;
      case 1:
        return -T(0);
      case 2:
        return std::numeric_limits<T>::quiet_NaN();
      case 3:
        return Coin() ? std::numeric_limits<T>::infinity() : -std::numeric_limits<T>::infinity();
      case 4:
        return std::numeric_limits<T>::max();
      case 5:
        return std::numeric_limits<T>::denorm_min();
      case 6:
        return static_cast<T>(Uniform(-100000, 100000)) / 8;
      default:
        return static_cast<T>(std::uniform_real_distribution<double>(-1e6, 1e6)(rng_) *
                              std::pow(10.0, Uniform(-20, 20)));
    }
  }

  std::string Text() {
    static const char* const kPieces[] = {
        "a",
        "Z",
        " ",
        "\"",
        "\\",
        "/",
        "\n",
        "\r",
        "\t",
        "\b",
        "\f",
        "\x01",
        "\x1f",
        "\x7f",
        "\xc3\xa9",
        "\xe2\x80\xa6",
        "\xe2\x80\xa8",
        "\xe2\x80\xa9",
        "\xf0\x9f\x98\x80",
        "<",
        "&",
        "'",
        "0",
        "{}",
    };
    std::string text;
    const int length = Uniform(0, 8);
    for (int i = 0; i < length; ++i) text += kPieces[Uniform(0, std::size(kPieces) - 1)];
    if (Uniform(0, 9) == 0) text.push_back('\0');
    return text;
  }

  std::string Bytes() {
    std::string bytes;
    const int length = Uniform(0, 7);
    for (int i = 0; i < length; ++i) bytes.push_back(static_cast<char>(Uniform(0, 255)));
    return bytes;
  }

  int EnumNumber(const FieldDescriptor* field) {
    const auto* type = field->enum_type();
    if (type->full_name() == "google.protobuf.NullValue") return 0;  // always JSON null
    if (Uniform(0, 4) == 0) return Uniform(-5, 50);                  // maybe unknown
    return type->value(Uniform(0, type->value_count() - 1))->number();
  }

  void FillTimestamp(Message& message) {
    const Reflection* r = message.GetReflection();
    const Descriptor* d = message.GetDescriptor();
    // The range proto3 JSON can print: years 0001 to 9999.
    r->SetInt64(&message, d->FindFieldByName("seconds"),
                std::uniform_int_distribution<int64_t>(-62135596800, 253402300799)(rng_));
    static const int32_t kNanos[] = {0, 1000000, 120000000, 1000, 999999999, 7};
    r->SetInt32(&message, d->FindFieldByName("nanos"),
                Coin() ? kNanos[Uniform(0, 5)] : Uniform(0, 999999999));
  }

  void FillDuration(Message& message) {
    const Reflection* r = message.GetReflection();
    const Descriptor* d = message.GetDescriptor();
    const int64_t seconds =
        std::uniform_int_distribution<int64_t>(-315576000000, 315576000000)(rng_);
    int32_t nanos = Uniform(0, 999999999);
    if (seconds < 0 || (seconds == 0 && Coin())) nanos = -nanos;
    r->SetInt64(&message, d->FindFieldByName("seconds"), seconds);
    r->SetInt32(&message, d->FindFieldByName("nanos"), nanos);
  }

  // Paths of lowercase words, and ones FieldMaskUtil::ToJsonString refuses
  // but protobuf's JSON printer converts all the same.
  void FillFieldMask(Message& message) {
    static const char* const kPaths[] = {"a",
                                         "user.display_name",
                                         "created_at",
                                         "x.y_z.w",
                                         "foo_1bar",
                                         "a__b",
                                         "trailing_",
                                         "_leading",
                                         "fooBar",
                                         "ABc_dEF",
                                         "",
                                         "m[\"k_1\"].v_w",
                                         "q.\"quoted_part\".r_s"};
    const Reflection* r = message.GetReflection();
    const FieldDescriptor* paths = message.GetDescriptor()->FindFieldByName("paths");
    const int count = Uniform(0, 3);
    for (int i = 0; i < count; ++i) {
      r->AddString(&message, paths, kPaths[Uniform(0, std::size(kPaths) - 1)]);
    }
  }

  void SetValue(Message& message, const FieldDescriptor* field, int depth) {
    const Reflection* r = message.GetReflection();
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        return r->SetInt32(&message, field, Integer<int32_t>());
      case FieldDescriptor::CPPTYPE_INT64:
        return r->SetInt64(&message, field, Integer<int64_t>());
      case FieldDescriptor::CPPTYPE_UINT32:
        return r->SetUInt32(&message, field, Integer<uint32_t>());
      case FieldDescriptor::CPPTYPE_UINT64:
        return r->SetUInt64(&message, field, Integer<uint64_t>());
      case FieldDescriptor::CPPTYPE_FLOAT:
        return r->SetFloat(&message, field, Floating<float>());
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return r->SetDouble(&message, field, Floating<double>());
      case FieldDescriptor::CPPTYPE_BOOL:
        return r->SetBool(&message, field, Coin());
      case FieldDescriptor::CPPTYPE_STRING:
        return r->SetString(&message, field,
                            field->type() == FieldDescriptor::TYPE_BYTES ? Bytes() : Text());
      case FieldDescriptor::CPPTYPE_ENUM:
        return r->SetEnumValue(&message, field, EnumNumber(field));
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return Fill(*r->MutableMessage(&message, field), depth + 1);
    }
  }

  void AddValue(Message& message, const FieldDescriptor* field, int depth) {
    const Reflection* r = message.GetReflection();
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        return r->AddInt32(&message, field, Integer<int32_t>());
      case FieldDescriptor::CPPTYPE_INT64:
        return r->AddInt64(&message, field, Integer<int64_t>());
      case FieldDescriptor::CPPTYPE_UINT32:
        return r->AddUInt32(&message, field, Integer<uint32_t>());
      case FieldDescriptor::CPPTYPE_UINT64:
        return r->AddUInt64(&message, field, Integer<uint64_t>());
      case FieldDescriptor::CPPTYPE_FLOAT:
        return r->AddFloat(&message, field, Floating<float>());
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return r->AddDouble(&message, field, Floating<double>());
      case FieldDescriptor::CPPTYPE_BOOL:
        return r->AddBool(&message, field, Coin());
      case FieldDescriptor::CPPTYPE_STRING:
        return r->AddString(&message, field,
                            field->type() == FieldDescriptor::TYPE_BYTES ? Bytes() : Text());
      case FieldDescriptor::CPPTYPE_ENUM:
        return r->AddEnumValue(&message, field, EnumNumber(field));
      case FieldDescriptor::CPPTYPE_MESSAGE:
        // A map entry or a repeated message: fill every field of it.
        return Fill(*r->AddMessage(&message, field), depth + 1);
    }
  }

  std::mt19937 rng_;
};

// ---------------------------------------------------------------------------
// Documented differences, applied by walking the schema beside the JSON

void Normalize(const Descriptor* descriptor, json::value& value, bool from_protobuf);

void NormalizeValue(const FieldDescriptor* field, bool as_number, json::value& value,
                    bool from_protobuf) {
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_FLOAT:
      if (value.is_number())
        value = static_cast<double>(static_cast<float>(value.to_number<double>()));
      return;
    case FieldDescriptor::CPPTYPE_INT64:
      if (as_number && from_protobuf && value.is_string()) {
        value = std::stoll(std::string(value.as_string()));
      }
      return;
    case FieldDescriptor::CPPTYPE_UINT64:
      if (as_number && from_protobuf && value.is_string()) {
        value = std::stoull(std::string(value.as_string()));
      }
      return;
    case FieldDescriptor::CPPTYPE_ENUM:
      // protobuf 3.21 prints a NullValue field as "NULL_VALUE"; proto3 JSON
      // (and our writer) say null.
      if (from_protobuf && field->enum_type()->full_name() == "google.protobuf.NullValue") {
        value = nullptr;
        return;
      }
      if (from_protobuf && value.is_string()) {
        const auto* enum_value =
            field->enum_type()->FindValueByName(std::string(value.as_string()));
        if (enum_value != nullptr) {
          const std::string& json_value = enum_value->options().GetExtension(pubsub::json_value);
          if (!json_value.empty()) value = json_value;
        }
      }
      return;
    case FieldDescriptor::CPPTYPE_MESSAGE: {
      const Descriptor* type = field->message_type();
      if (type->file()->name() == "google/protobuf/wrappers.proto") {
        NormalizeValue(type->FindFieldByName("value"), as_number, value, from_protobuf);
      } else if (type->file()->name().rfind("google/protobuf/", 0) != 0) {
        Normalize(type, value, from_protobuf);
      }
      return;
    }
    default:
      return;
  }
}

void Normalize(const Descriptor* descriptor, json::value& value, bool from_protobuf) {
  if (!value.is_object()) return;
  for (auto& pair : value.as_object()) {
    json::value& member = pair.value();
    const FieldDescriptor* field = descriptor->FindFieldByName(std::string(pair.key()));
    if (field == nullptr) continue;
    const bool as_number = field->options().GetExtension(pubsub::json).int64_as_number();
    if (field->is_map()) {
      const FieldDescriptor* map_value = field->message_type()->map_value();
      if (!member.is_object()) continue;
      for (auto& entry : member.as_object()) {
        NormalizeValue(map_value, as_number, entry.value(), from_protobuf);
      }
    } else if (field->is_repeated()) {
      if (!member.is_array()) continue;
      for (json::value& element : member.as_array()) {
        NormalizeValue(field, as_number, element, from_protobuf);
      }
    } else {
      NormalizeValue(field, as_number, member, from_protobuf);
    }
  }
}

// Boost.JSON 1.81 parses decimal text to the nearest double or one next to
// it, so two exact texts of one double ("…659.8" and "…659.75") may parse a
// unit in the last place apart. Exact round trips are the JsonWriter's own
// tests (tests/runtime/json_writer_test.cc).
bool WithinTwoUlps(double x, double y) {
  double step = x;
  for (int i = 0; i < 2; ++i) {
    step = std::nextafter(step, y);
    if (step == y) return true;
  }
  return false;
}

// Equality of JSON values, reporting the first difference by path. Objects
// compare without regard to key order; integers exactly; other numbers as
// doubles.
bool SameJson(const json::value& a, const json::value& b, const std::string& path,
              std::string& difference) {
  if (a.is_number() && b.is_number()) {
    bool same;
    if (a.is_double() || b.is_double()) {
      const double x = a.to_number<double>();
      const double y = b.to_number<double>();
      same = x == y || (std::isnan(x) && std::isnan(y)) || WithinTwoUlps(x, y);
    } else if (a.is_int64() && b.is_int64()) {
      same = a.get_int64() == b.get_int64();
    } else if (a.is_uint64() && b.is_uint64()) {
      same = a.get_uint64() == b.get_uint64();
    } else {  // one int64, one uint64: equal only when both are non-negative and equal
      const int64_t s = a.is_int64() ? a.get_int64() : b.get_int64();
      const uint64_t u = a.is_uint64() ? a.get_uint64() : b.get_uint64();
      same = s >= 0 && static_cast<uint64_t>(s) == u;
    }
    if (!same) difference = path + ": " + json::serialize(a) + " vs " + json::serialize(b);
    return same;
  }
  if (a.kind() != b.kind()) {
    difference = path + ": " + json::serialize(a) + " vs " + json::serialize(b);
    return false;
  }
  if (a.is_object()) {
    const json::object& x = a.get_object();
    const json::object& y = b.get_object();
    for (const auto& pair : x) {
      const std::string key(pair.key());
      if (!y.contains(key)) {
        difference = path + "." + key + ": only in ours";
        return false;
      }
      if (!SameJson(pair.value(), y.at(key), path + "." + key, difference)) return false;
    }
    for (const auto& pair : y) {
      if (!x.contains(pair.key())) {
        difference = path + "." + std::string(pair.key()) + ": only in protobuf's";
        return false;
      }
    }
    return true;
  }
  if (a.is_array()) {
    const json::array& x = a.get_array();
    const json::array& y = b.get_array();
    if (x.size() != y.size()) {
      difference = path + ": arrays of " + std::to_string(x.size()) + " and " +
                   std::to_string(y.size()) + " elements";
      return false;
    }
    for (size_t i = 0; i < x.size(); ++i) {
      if (!SameJson(x[i], y[i], path + "[" + std::to_string(i) + "]", difference)) return false;
    }
    return true;
  }
  if (a != b) {
    difference = path + ": " + json::serialize(a) + " vs " + json::serialize(b);
    return false;
  }
  return true;
}

std::string ProtobufJson(const Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string out;
  const auto status = google::protobuf::util::MessageToJsonString(message, &out, options);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return out;
}

template <class M>
void CheckAgainstProtobuf(int iterations, uint32_t seed) {
  RandomFiller filler(seed);
  for (int i = 0; i < iterations; ++i) {
    M message;
    filler.Fill(message);

    std::string ours;
    pubsub::internal::JsonWriter writer(ours);
    using codegen_test::WriteJson;  // and the nasty schema's, found by ADL
    WriteJson(message, writer);

    boost::system::error_code error;
    json::value our_value = json::parse(ours, error);
    ASSERT_FALSE(error) << "our JSON does not parse: " << ours << "\n" << message.DebugString();
    json::value their_value = json::parse(ProtobufJson(message), error);
    ASSERT_FALSE(error);
    Normalize(M::descriptor(), our_value, /*from_protobuf=*/false);
    Normalize(M::descriptor(), their_value, /*from_protobuf=*/true);

    std::string difference;
    ASSERT_TRUE(SameJson(our_value, their_value, "$", difference))
        << M::descriptor()->name() << " #" << i << " (seed " << seed << "): " << difference
        << "\nours:     " << ours << "\nprotobuf: " << ProtobufJson(message) << "\nmessage:\n"
        << message.DebugString();
  }
}

constexpr int kIterations = 400;

TEST(DifferentialJsonTest, Scalars) { CheckAgainstProtobuf<codegen_test::Scalars>(kIterations, 1); }
TEST(DifferentialJsonTest, Repeateds) {
  CheckAgainstProtobuf<codegen_test::Repeateds>(kIterations, 2);
}
TEST(DifferentialJsonTest, Maps) { CheckAgainstProtobuf<codegen_test::Maps>(kIterations, 3); }
TEST(DifferentialJsonTest, Presence) {
  CheckAgainstProtobuf<codegen_test::Presence>(kIterations, 4);
}
TEST(DifferentialJsonTest, OneofsAndMixedPresence) {
  CheckAgainstProtobuf<codegen_test::Mixed>(kIterations, 5);
}
TEST(DifferentialJsonTest, WellKnownTypes) {
  CheckAgainstProtobuf<codegen_test::WellKnown>(kIterations, 6);
}
TEST(DifferentialJsonTest, KeywordNames) {
  CheckAgainstProtobuf<codegen_test::Keywords>(kIterations, 7);
}
TEST(DifferentialJsonTest, RecursiveAndNested) {
  CheckAgainstProtobuf<codegen_test::Tree>(kIterations, 8);
  CheckAgainstProtobuf<codegen_test::Outer>(kIterations, 9);
}
TEST(DifferentialJsonTest, Event) {
  CheckAgainstProtobuf<codegen_test::RoomEvent>(kIterations, 10);
}

// The nasty schema (proto/codegen_test/nasty*.proto): every message.
TEST(DifferentialJsonTest, NastyValues) {
  namespace nasty = codegen_test::nasty;
  CheckAgainstProtobuf<nasty::Scalars>(kIterations, 21);
  CheckAgainstProtobuf<nasty::Optionals>(kIterations, 22);
  CheckAgainstProtobuf<nasty::Repeateds>(kIterations, 23);
  CheckAgainstProtobuf<nasty::Maps>(kIterations, 24);
  CheckAgainstProtobuf<nasty::WellKnown>(kIterations, 25);
  CheckAgainstProtobuf<nasty::Oneofs>(kIterations, 26);
}
TEST(DifferentialJsonTest, NastyNamesRecursionAndDeprecation) {
  namespace nasty = codegen_test::nasty;
  CheckAgainstProtobuf<nasty::Names>(kIterations, 27);
  CheckAgainstProtobuf<nasty::Node>(kIterations, 28);
  CheckAgainstProtobuf<nasty::Other>(kIterations, 29);
  CheckAgainstProtobuf<nasty::Old>(kIterations, 30);
  CheckAgainstProtobuf<nasty::Hollow>(10, 31);
  CheckAgainstProtobuf<nasty::AllAbsent>(kIterations, 32);
}
TEST(DifferentialJsonTest, NastyEvents) {
  namespace nasty = codegen_test::nasty;
  CheckAgainstProtobuf<nasty::Everything>(kIterations, 33);
  CheckAgainstProtobuf<nasty::Nulls>(kIterations, 34);
  CheckAgainstProtobuf<nasty::Sparse>(kIterations, 35);
  CheckAgainstProtobuf<nasty::Container>(kIterations, 36);
  CheckAgainstProtobuf<NpHolder>(kIterations, 37);
  CheckAgainstProtobuf<NpVisitor>(kIterations, 38);
}

// The event form is the message form with "type" first.
TEST(DifferentialJsonTest, EventJsonIsTypeThenTheMessage) {
  RandomFiller filler(11);
  for (int i = 0; i < 50; ++i) {
    codegen_test::RoomEvent event;
    filler.Fill(event);
    std::string object;
    pubsub::internal::JsonWriter writer(object);
    codegen_test::WriteJson(event, writer);
    const std::string expected =
        object == "{}" ? R"({"type":"room_event"})" : R"({"type":"room_event",)" + object.substr(1);
    EXPECT_EQ(codegen_test::RenderJson(event), expected);
  }
}

}  // namespace
