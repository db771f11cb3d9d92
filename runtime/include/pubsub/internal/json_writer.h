// JsonWriter: the append-only JSON emitter that generated JSON writers call.
//
// Generated code knows each event's shape at compile time, so it writes keys
// as pre-escaped literals (Raw) and only values go through the formatting
// functions below. No reflection, no allocation beyond the output string.
//
//   std::string out;
//   pubsub::internal::JsonWriter w(out);
//   w.Raw("{\"type\":\"new_comment\",\"track_id\":");
//   w.String(event.track_id());
//   w.Raw("}");
//
// Values follow proto3 JSON (see schema/pubsub/options.proto for our rules).
// Strings must be valid UTF-8 (protobuf guarantees it for proto3 `string`
// fields parsed from the wire); invalid sequences are replaced by U+FFFD so the
// output is always valid JSON.
#ifndef PUBSUB_INTERNAL_JSON_WRITER_H_
#define PUBSUB_INTERNAL_JSON_WRITER_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace pubsub::internal {

// FieldMask paths between their proto form and their JSON form, converted
// exactly as protobuf 3.21's JSON printer and parser convert them (its
// ConvertFieldMaskPath with ToCamelCase / ToSnakeCase): each segment between
// '.', '(', ')' and '"' is converted, "quoted" parts are kept as they are.
//   AppendFieldMaskPathAsJson("user.display_name", out);   // "user.displayName"
//   AppendFieldMaskPathFromJson("user.displayName", out);  // "user.display_name"
// Paths that are not lowercase words joined by single underscores do not
// survive the round trip ("foo_1bar" -> "foo1bar" -> "foo1bar"), in protobuf
// either.
void AppendFieldMaskPathAsJson(std::string_view path, std::string& out);
void AppendFieldMaskPathFromJson(std::string_view json_path, std::string& out);

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  // Appends text that is already valid JSON (keys, punctuation).
  void Raw(std::string_view json) { out_.append(json); }
  void Char(char c) { out_.push_back(c); }

  // A quoted, escaped JSON string.
  void String(std::string_view utf8);
  void Bool(bool value) { Raw(value ? "true" : "false"); }
  void Int32(int32_t value);
  void UInt32(uint32_t value);
  // 64-bit integers: proto3 JSON quotes them; AsNumber is the schema's
  // `int64_as_number` option.
  void Int64(int64_t value);
  void UInt64(uint64_t value);
  void Int64AsNumber(int64_t value);
  void UInt64AsNumber(uint64_t value);
  // Shortest round-trip representation; NaN and infinities as the strings
  // "NaN", "Infinity", "-Infinity".
  void Float(float value);
  void Double(double value);
  // Standard base64 with padding.
  void Bytes(std::string_view bytes);
  // google.protobuf.Timestamp as RFC 3339 ("2026-11-25T10:00:00Z", with 3, 6
  // or 9 fractional digits when nanos is not zero). Values outside
  // 0001-01-01..9999-12-31 (which protobuf's printer refuses) are clamped to
  // that range: the writer cannot fail and must emit a valid timestamp.
  void Timestamp(int64_t seconds, int32_t nanos);
  // google.protobuf.Duration as "1.500s", "-0.500s". Seconds and nanos of
  // opposite signs are summed; beyond +-10,000 years the value is clamped.
  void Duration(int64_t seconds, int32_t nanos);
  void Null() { Raw("null"); }
  // google.protobuf.FieldMask as protobuf's JSON printer writes it: each path
  // converted by AppendFieldMaskPathAsJson, joined by ','. `Paths` is a range
  // of strings (the message's RepeatedPtrField<std::string> paths()).
  template <class Paths>
  void FieldMask(const Paths& paths) {
    std::string joined;
    for (const auto& path : paths) {
      // As protobuf 3.21 joins them: no ',' while nothing has been written,
      // so ["", "a"] is "a" and ["a", ""] is "a,".
      if (!joined.empty()) joined.push_back(',');
      AppendFieldMaskPathAsJson(path, joined);
    }
    String(joined);
  }

  std::string& out() { return out_; }

 private:
  std::string& out_;
};

}  // namespace pubsub::internal

#endif  // PUBSUB_INTERNAL_JSON_WRITER_H_
