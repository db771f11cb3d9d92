#include "json_compare.h"

#include <google/protobuf/descriptor.pb.h>

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_stack.hpp>
#include <charconv>
#include <cmath>
#include <set>

#include "pubsub/options.pb.h"

namespace pubsub_test {
namespace {

namespace json = boost::json;
using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;

class ExactHandler {
 public:
  static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);
  static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);

  ExactHandler() { stack_.reset(); }

  json::value Release() { return stack_.release(); }
  const std::string& duplicate() const { return duplicate_; }

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t n, json::error_code&) {
    stack_.push_array(n);
    return true;
  }
  bool on_object_begin(json::error_code&) {
    keys_.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t n, json::error_code&) {
    keys_.pop_back();
    stack_.push_object(n);
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    stack_.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    stack_.push_string(s);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    key_.append(s.data(), s.size());
    if (!keys_.back().insert(key_).second && duplicate_.empty()) duplicate_ = key_;
    stack_.push_key(key_);
    key_.clear();
    return true;
  }
  bool on_number_part(json::string_view s, json::error_code&) {
    number_.append(s.data(), s.size());
    return true;
  }
  bool on_int64(int64_t i, json::string_view s, json::error_code&) {
    number_.append(s.data(), s.size());
    if (number_ == "-0") {
      stack_.push_double(-0.0);
    } else {
      stack_.push_int64(i);
    }
    number_.clear();
    return true;
  }
  bool on_uint64(uint64_t u, json::string_view, json::error_code&) {
    number_.clear();
    stack_.push_uint64(u);
    return true;
  }
  bool on_double(double, json::string_view s, json::error_code& ec) {
    number_.append(s.data(), s.size());
    double d = 0;
    const auto r = std::from_chars(number_.data(), number_.data() + number_.size(), d);
    number_.clear();
    if (r.ec != std::errc()) {
      ec = json::error::exponent_overflow;
      return false;
    }
    stack_.push_double(d);
    return true;
  }
  bool on_bool(bool b, json::error_code&) {
    stack_.push_bool(b);
    return true;
  }
  bool on_null(json::error_code&) {
    stack_.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  json::value_stack stack_;
  std::vector<std::set<std::string>> keys_;
  std::string key_;
  std::string number_;
  std::string duplicate_;
};

bool AsNumber(const FieldDescriptor& field) {
  return field.options().GetExtension(pubsub::json).int64_as_number();
}

std::string Show(const json::value& v) {
  std::string s = json::serialize(v);
  return s.size() > 200 ? s.substr(0, 200) + "..." : s;
}

// A JSON number or "NaN"/"Infinity"/"-Infinity" as a double.
bool ToDouble(const json::value& v, double& d) {
  if (v.is_double()) {
    d = v.get_double();
  } else if (v.is_int64()) {
    d = static_cast<double>(v.get_int64());
  } else if (v.is_uint64()) {
    d = static_cast<double>(v.get_uint64());
  } else if (v.is_string() && v.get_string() == "NaN") {
    d = std::nan("");
  } else if (v.is_string() && v.get_string() == "Infinity") {
    d = INFINITY;
  } else if (v.is_string() && v.get_string() == "-Infinity") {
    d = -INFINITY;
  } else {
    return false;
  }
  return true;
}

class Comparer {
 public:
  std::vector<std::string> differences;

  void Message(const Descriptor& d, const json::value& ours, const json::value& theirs,
               const std::string& path, std::string_view event_type) {
    if (!ours.is_object() || !theirs.is_object()) {
      return Diff(path, "expected objects", ours, theirs);
    }
    const json::object& a = ours.get_object();
    const json::object& b = theirs.get_object();
    size_t expected_keys = b.size();
    auto it = a.begin();
    if (!event_type.empty()) {
      if (a.empty() || it->key() != "type" || it->value() != json::value(event_type)) {
        Diff(path, "our JSON must start with the \"type\"", ours, theirs);
      }
      if (it != a.end()) ++it;
      ++expected_keys;
    }
    if (a.size() != expected_keys) Diff(path, "different key sets", ours, theirs);
    // Our keys in declaration order, each known to protobuf's JSON.
    int last_index = -1;
    for (; it != a.end(); ++it) {
      const std::string key(it->key());
      const FieldDescriptor* field = d.FindFieldByName(key);
      const std::string field_path = path.empty() ? key : path + "." + key;
      if (field == nullptr) {
        Diff(field_path, "not a field", it->value(), nullptr);
        continue;
      }
      if (field->index() <= last_index) Diff(field_path, "key out of declaration order", ours, {});
      last_index = field->index();
      const json::value* other = b.if_contains(key);
      if (other == nullptr) {
        Diff(field_path, "missing in protobuf's JSON", it->value(), nullptr);
        continue;
      }
      Field(*field, it->value(), *other, field_path);
    }
    for (const auto& member : b) {
      if (!a.contains(member.key())) {
        Diff(path.empty() ? std::string(member.key()) : path + "." + std::string(member.key()),
             "missing in our JSON", nullptr, member.value());
      }
    }
  }

 private:
  void Diff(const std::string& path, std::string_view what, const json::value& ours,
            const json::value& theirs) {
    differences.push_back((path.empty() ? "<root>" : path) + ": " + std::string(what) +
                          "\n    ours:   " + Show(ours) + "\n    theirs: " + Show(theirs));
  }

  void Field(const FieldDescriptor& field, const json::value& ours, const json::value& theirs,
             const std::string& path) {
    const bool as_number = AsNumber(field);
    if (field.is_map()) {
      if (!ours.is_object() || !theirs.is_object() ||
          ours.get_object().size() != theirs.get_object().size()) {
        return Diff(path, "maps differ", ours, theirs);
      }
      const FieldDescriptor& value = *field.message_type()->map_value();
      for (const auto& member : ours.get_object()) {
        const std::string entry_path = path + "[" + std::string(member.key()) + "]";
        const json::value* other = theirs.get_object().if_contains(member.key());
        if (other == nullptr) {
          Diff(entry_path, "map key missing in protobuf's JSON", member.value(), nullptr);
          continue;
        }
        Value(value, member.value(), *other, entry_path, as_number);
      }
      return;
    }
    if (field.is_repeated()) {
      if (!ours.is_array() || !theirs.is_array() ||
          ours.get_array().size() != theirs.get_array().size()) {
        return Diff(path, "arrays differ", ours, theirs);
      }
      for (size_t i = 0; i < ours.get_array().size(); ++i) {
        Value(field, ours.get_array()[i], theirs.get_array()[i],
              path + "[" + std::to_string(i) + "]", as_number);
      }
      return;
    }
    Value(field, ours, theirs, path, as_number);
  }

  void Value(const FieldDescriptor& field, const json::value& ours, const json::value& theirs,
             const std::string& path, bool as_number) {
    switch (field.cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT64:
      case FieldDescriptor::CPPTYPE_UINT64:
        if (as_number) {
          // Ours: a JSON number; protobuf's: the same digits as a string.
          if (!theirs.is_string() || !(ours.is_int64() || ours.is_uint64()) ||
              json::serialize(ours) != theirs.get_string()) {
            Diff(path, "int64_as_number: expected the number protobuf quotes", ours, theirs);
          }
          return;
        }
        if (ours != theirs) Diff(path, "64-bit integers differ", ours, theirs);
        return;
      case FieldDescriptor::CPPTYPE_FLOAT:
      case FieldDescriptor::CPPTYPE_DOUBLE: {
        double a, b;
        if (!ToDouble(ours, a) || !ToDouble(theirs, b)) {
          return Diff(path, "not numbers", ours, theirs);
        }
        if (field.cpp_type() == FieldDescriptor::CPPTYPE_FLOAT) {
          // Same precision: both texts must read back as the same float.
          a = static_cast<float>(a);
          b = static_cast<float>(b);
        }
        const bool same =
            (std::isnan(a) && std::isnan(b)) || (a == b && std::signbit(a) == std::signbit(b));
        if (!same) Diff(path, "numbers differ", ours, theirs);
        return;
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        if (field.enum_type()->full_name() == "google.protobuf.NullValue") {
          // Ours is null, as proto3 JSON says; protobuf 3.21 prints "NULL_VALUE".
          if (!ours.is_null() || !(theirs.is_null() || theirs == json::value("NULL_VALUE"))) {
            Diff(path, "a NullValue must be null", ours, theirs);
          }
          return;
        }
        if (theirs.is_string()) {
          const auto* value = field.enum_type()->FindValueByName(std::string(theirs.get_string()));
          if (value == nullptr) return Diff(path, "protobuf wrote an unknown name", ours, theirs);
          const std::string& json_value = value->options().GetExtension(pubsub::json_value);
          const json::value expected(json_value.empty() ? value->name() : json_value);
          if (ours != expected) Diff(path, "enum differs (json_value applied)", ours, theirs);
          return;
        }
        if (ours != theirs) Diff(path, "enum numbers differ", ours, theirs);
        return;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        const Descriptor& type = *field.message_type();
        const std::string& name = type.full_name();
        static const std::set<std::string> kWrappers = {
            "google.protobuf.DoubleValue", "google.protobuf.FloatValue",
            "google.protobuf.Int64Value",  "google.protobuf.UInt64Value",
            "google.protobuf.Int32Value",  "google.protobuf.UInt32Value",
            "google.protobuf.BoolValue",   "google.protobuf.StringValue",
            "google.protobuf.BytesValue"};
        if (kWrappers.contains(name)) {
          return Value(*type.FindFieldByName("value"), ours, theirs, path, as_number);
        }
        if (name == "google.protobuf.Timestamp" || name == "google.protobuf.Duration" ||
            name == "google.protobuf.FieldMask" || name == "google.protobuf.Empty") {
          if (ours != theirs) Diff(path, "well-known type differs", ours, theirs);
          return;
        }
        return Message(type, ours, theirs, path, "");
      }
      default:  // int32, uint32, bool, string, bytes
        if (ours != theirs) Diff(path, "values differ", ours, theirs);
        return;
    }
  }
};

}  // namespace

json::value ParseExact(std::string_view text, std::string& error) {
  json::basic_parser<ExactHandler> parser(json::parse_options{});
  json::error_code ec;
  const std::size_t n = parser.write_some(false, text.data(), text.size(), ec);
  if (ec || n != text.size()) {
    error = "invalid JSON at byte " + std::to_string(n) + ": " + ec.message();
    return nullptr;
  }
  if (!parser.handler().duplicate().empty()) {
    error = "duplicate key \"" + parser.handler().duplicate() + "\"";
    return nullptr;
  }
  return parser.handler().Release();
}

std::vector<std::string> CompareJson(const Descriptor& descriptor, const json::value& ours,
                                     const json::value& theirs, std::string_view event_type) {
  Comparer comparer;
  comparer.Message(descriptor, ours, theirs, "", event_type);
  return comparer.differences;
}

}  // namespace pubsub_test
