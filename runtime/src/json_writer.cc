// JsonWriter: the formatting half of the generated JSON writers. Everything
// here is on the fan-out hot path, so strings are scanned with a lookup table
// (eight bytes at a time while they need no escaping) and copied in runs.
#include "pubsub/internal/json_writer.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstring>

#include "pubsub/internal/utf8.h"

namespace pubsub::internal {
namespace {

// What String() does with each byte: copy it, escape it, or check the
// multi-byte UTF-8 sequence that it starts.
enum ByteClass : uint8_t { kCopy = 0, kEscape = 1, kMultiByte = 2 };

constexpr std::array<uint8_t, 256> MakeByteClasses() {
  std::array<uint8_t, 256> classes{};
  for (int c = 0; c < 256; ++c) {
    if (c < 0x20 || c == '"' || c == '\\') {
      classes[c] = kEscape;
    } else if (c >= 0x80) {
      classes[c] = kMultiByte;
    } else {
      classes[c] = kCopy;
    }
  }
  return classes;
}
constexpr std::array<uint8_t, 256> kByteClass = MakeByteClasses();

constexpr char kHex[] = "0123456789abcdef";

// True when one of the eight bytes of `w` is not kCopy: below 0x20, a quote,
// a backslash, or >= 0x80 (the classic "has zero byte" bit tricks; a false
// positive only costs a trip through the byte loop).
inline bool NeedsAttention(uint64_t w) {
  constexpr uint64_t kOnes = 0x0101010101010101ull;
  constexpr uint64_t kHigh = 0x8080808080808080ull;
  const uint64_t below_space = (w - kOnes * 0x20) & ~w;
  const uint64_t quote = w ^ (kOnes * '"');
  const uint64_t backslash = w ^ (kOnes * '\\');
  const uint64_t has_quote = (quote - kOnes) & ~quote;
  const uint64_t has_backslash = (backslash - kOnes) & ~backslash;
  return ((below_space | has_quote | has_backslash) & kHigh) != 0 || (w & kHigh) != 0;
}

void AppendEscape(std::string& out, unsigned char c) {
  switch (c) {
    case '"':
      out.append("\\\"", 2);
      return;
    case '\\':
      out.append("\\\\", 2);
      return;
    case '\b':
      out.append("\\b", 2);
      return;
    case '\f':
      out.append("\\f", 2);
      return;
    case '\n':
      out.append("\\n", 2);
      return;
    case '\r':
      out.append("\\r", 2);
      return;
    case '\t':
      out.append("\\t", 2);
      return;
    default: {
      const char escaped[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      out.append(escaped, 6);
    }
  }
}

template <class T>
void AppendInteger(std::string& out, T value) {
  char buf[24];
  const auto result = std::to_chars(buf, buf + sizeof(buf), value);
  out.append(buf, result.ptr);
}

template <class T>
void AppendFloating(std::string& out, T value) {
  if (std::isnan(value)) {
    out.append("\"NaN\"");
  } else if (std::isinf(value)) {
    out.append(value > 0 ? "\"Infinity\"" : "\"-Infinity\"");
  } else {
    // Without a format argument, to_chars gives the shortest text that reads
    // back as exactly `value` (as protobuf's SimpleDtoa/SimpleFtoa aim to).
    char buf[32];
    const auto result = std::to_chars(buf, buf + sizeof(buf), value);
    out.append(buf, result.ptr);
  }
}

// Writes `value` as exactly `width` decimal digits at `p`.
inline char* PutDigits(char* p, uint32_t value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    p[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return p + width;
}

// ".sss", ".ssssss" or ".sssssssss" as protobuf's JSON printer chooses:
// the fewest groups of three digits that show `nanos` exactly; nothing for 0.
inline char* PutNanos(char* p, uint32_t nanos) {
  if (nanos == 0) return p;
  *p++ = '.';
  if (nanos % 1000000 == 0) return PutDigits(p, nanos / 1000000, 3);
  if (nanos % 1000 == 0) return PutDigits(p, nanos / 1000, 6);
  return PutDigits(p, nanos, 9);
}

// Howard Hinnant's civil_from_days: proleptic Gregorian date of a day count
// since 1970-01-01, exact over the whole range, no time_t or locale involved.
struct CivilDate {
  int64_t year;
  uint32_t month;
  uint32_t day;
};
CivilDate CivilFromDays(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto doe = static_cast<uint32_t>(days - era * 146097);
  const uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const uint32_t mp = (5 * doy + 2) / 153;
  const uint32_t day = doy - (153 * mp + 2) / 5 + 1;
  const uint32_t month = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int64_t>(yoe) + era * 400 + (month <= 2 ? 1 : 0), month, day};
}

// The range google.protobuf.Timestamp and Duration allow.
constexpr int64_t kMinTimestampSeconds = -62135596800;  // 0001-01-01T00:00:00Z
constexpr int64_t kMaxTimestampSeconds = 253402300799;  // 9999-12-31T23:59:59Z
constexpr int64_t kMaxDurationSeconds = 315576000000;   // 10,000 years
constexpr int32_t kMaxNanos = 999999999;

bool IsAsciiUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsAsciiLower(char c) { return c >= 'a' && c <= 'z'; }
char AsciiToLower(char c) { return IsAsciiUpper(c) ? static_cast<char>(c - 'A' + 'a') : c; }
char AsciiToUpper(char c) { return IsAsciiLower(c) ? static_cast<char>(c - 'a' + 'A') : c; }

// protobuf 3.21's ToCamelCase (util/internal/utility.cc), rule for rule,
// quirks included: the first word is lowercased; after it, a letter that
// follows '_' is capitalized and every other one lowercased.
void AppendCamelCase(std::string_view input, std::string& out) {
  const size_t start = out.size();
  bool capitalize_next = false;
  bool was_cap = true;
  bool is_cap = false;
  bool first_word = true;
  for (size_t i = 0; i < input.size(); ++i, was_cap = is_cap) {
    const char c = input[i];
    is_cap = IsAsciiUpper(c);
    if (c == '_') {
      capitalize_next = true;
      if (out.size() > start) first_word = false;
      continue;
    }
    if (first_word) {
      // The first word ends at a capital after a lowercase letter ("aB") or
      // before one ("ABc").
      if (out.size() > start && is_cap &&
          (!was_cap || (i + 1 < input.size() && IsAsciiLower(input[i + 1])))) {
        first_word = false;
        out.push_back(c);
      } else {
        out.push_back(AsciiToLower(c));
      }
      continue;
    }
    if (capitalize_next) {
      capitalize_next = false;
      out.push_back(AsciiToUpper(c));
      continue;
    }
    out.push_back(AsciiToLower(c));
  }
}

// protobuf 3.21's ToSnakeCase, rule for rule: a capital becomes '_' and its
// lowercase letter after a lowercase letter ("aB" -> "a_b") or before one
// ("ABc" -> "a_bc"), just its lowercase letter otherwise.
void AppendSnakeCase(std::string_view input, std::string& out) {
  bool was_not_underscore = false;
  bool was_not_cap = false;
  for (size_t i = 0; i < input.size(); ++i) {
    const char c = input[i];
    if (IsAsciiUpper(c)) {
      if (was_not_underscore &&
          (was_not_cap || (i + 1 < input.size() && IsAsciiLower(input[i + 1])))) {
        out.push_back('_');
      }
      out.push_back(AsciiToLower(c));
      was_not_underscore = true;
      was_not_cap = false;
    } else {
      out.push_back(c);
      was_not_underscore = c != '_';
      was_not_cap = true;
    }
  }
}

// protobuf 3.21's ConvertFieldMaskPath: `convert` each segment between '.',
// '(', ')' and '"'; copy "quoted" parts (with their \ escapes) as they are.
void ConvertFieldMaskPath(std::string_view path, void (*convert)(std::string_view, std::string&),
                          std::string& out) {
  bool is_quoted = false;
  bool is_escaping = false;
  size_t segment_start = 0;
  for (size_t i = 0; i <= path.size(); ++i) {
    if (is_quoted) {
      if (i == path.size()) break;
      out.push_back(path[i]);
      if (is_escaping) {
        is_escaping = false;
      } else if (path[i] == '\\') {
        is_escaping = true;
      } else if (path[i] == '"') {
        segment_start = i + 1;
        is_quoted = false;
      }
      continue;
    }
    if (i == path.size() || path[i] == '.' || path[i] == '(' || path[i] == ')' || path[i] == '"') {
      convert(path.substr(segment_start, i - segment_start), out);
      if (i < path.size()) out.push_back(path[i]);
      segment_start = i + 1;
    }
    if (i < path.size() && path[i] == '"') is_quoted = true;
  }
}

}  // namespace

void AppendFieldMaskPathAsJson(std::string_view path, std::string& out) {
  ConvertFieldMaskPath(path, &AppendCamelCase, out);
}

void AppendFieldMaskPathFromJson(std::string_view json_path, std::string& out) {
  ConvertFieldMaskPath(json_path, &AppendSnakeCase, out);
}

void JsonWriter::String(std::string_view utf8) {
  std::string& out = out_;
  out.push_back('"');
  const auto* p = reinterpret_cast<const unsigned char*>(utf8.data());
  const auto* const end = p + utf8.size();
  const auto* run = p;  // start of the bytes copied as they are
  while (p < end) {
    // Skip eight plain bytes at a time: most text needs no escaping at all.
    while (end - p >= 8) {
      uint64_t word;
      std::memcpy(&word, p, 8);
      if (NeedsAttention(word)) break;
      p += 8;
    }
    if (p == end) break;
    const unsigned char c = *p;
    const uint8_t byte_class = kByteClass[c];
    if (byte_class == kCopy) {
      ++p;
      continue;
    }
    if (byte_class == kEscape) {
      out.append(reinterpret_cast<const char*>(run), p - run);
      AppendEscape(out, c);
      run = ++p;
      continue;
    }
    int invalid_length;
    const int n = Utf8SequenceLength(p, end, &invalid_length);
    if (n == 3 && c == 0xE2 && p[1] == 0x80 && (p[2] == 0xA8 || p[2] == 0xA9)) {
      // U+2028/U+2029 are valid JSON but end a line in older JavaScript.
      out.append(reinterpret_cast<const char*>(run), p - run);
      out.append(p[2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
      run = p += 3;
    } else if (n > 0) {
      p += n;
    } else {
      out.append(reinterpret_cast<const char*>(run), p - run);
      out.append("\xEF\xBF\xBD", 3);  // U+FFFD REPLACEMENT CHARACTER
      run = p += invalid_length;
    }
  }
  out.append(reinterpret_cast<const char*>(run), p - run);
  out.push_back('"');
}

void JsonWriter::Int32(int32_t value) { AppendInteger(out_, value); }
void JsonWriter::UInt32(uint32_t value) { AppendInteger(out_, value); }
void JsonWriter::Int64AsNumber(int64_t value) { AppendInteger(out_, value); }
void JsonWriter::UInt64AsNumber(uint64_t value) { AppendInteger(out_, value); }

void JsonWriter::Int64(int64_t value) {
  out_.push_back('"');
  AppendInteger(out_, value);
  out_.push_back('"');
}

void JsonWriter::UInt64(uint64_t value) {
  out_.push_back('"');
  AppendInteger(out_, value);
  out_.push_back('"');
}

void JsonWriter::Float(float value) { AppendFloating(out_, value); }
void JsonWriter::Double(double value) { AppendFloating(out_, value); }

void JsonWriter::Bytes(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto* in = reinterpret_cast<const unsigned char*>(bytes.data());
  const size_t n = bytes.size();
  const size_t start = out_.size();
  out_.resize(start + 2 + (n + 2) / 3 * 4);
  char* p = out_.data() + start;
  *p++ = '"';
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const uint32_t v = (uint32_t{in[i]} << 16) | (uint32_t{in[i + 1]} << 8) | in[i + 2];
    p[0] = kAlphabet[v >> 18];
    p[1] = kAlphabet[(v >> 12) & 63];
    p[2] = kAlphabet[(v >> 6) & 63];
    p[3] = kAlphabet[v & 63];
    p += 4;
  }
  if (i + 1 == n) {
    const uint32_t v = uint32_t{in[i]} << 16;
    p[0] = kAlphabet[v >> 18];
    p[1] = kAlphabet[(v >> 12) & 63];
    p[2] = '=';
    p[3] = '=';
    p += 4;
  } else if (i + 2 == n) {
    const uint32_t v = (uint32_t{in[i]} << 16) | (uint32_t{in[i + 1]} << 8);
    p[0] = kAlphabet[v >> 18];
    p[1] = kAlphabet[(v >> 12) & 63];
    p[2] = kAlphabet[(v >> 6) & 63];
    p[3] = '=';
    p += 4;
  }
  *p = '"';
}

void JsonWriter::Timestamp(int64_t seconds, int32_t nanos) {
  // Out-of-range values (which protobuf's printer refuses) are clamped: the
  // writer cannot fail, and its output must stay a valid RFC 3339 string.
  if (seconds < kMinTimestampSeconds) {
    seconds = kMinTimestampSeconds;
    nanos = 0;
  } else if (seconds > kMaxTimestampSeconds) {
    seconds = kMaxTimestampSeconds;
    nanos = kMaxNanos;
  }
  nanos = nanos < 0 ? 0 : (nanos > kMaxNanos ? kMaxNanos : nanos);

  int64_t days = seconds / 86400;
  int64_t second_of_day = seconds % 86400;
  if (second_of_day < 0) {  // floor division for instants before 1970
    second_of_day += 86400;
    --days;
  }
  const CivilDate date = CivilFromDays(days);
  const auto sod = static_cast<uint32_t>(second_of_day);

  char buf[40];
  char* p = buf;
  *p++ = '"';
  p = PutDigits(p, static_cast<uint32_t>(date.year), 4);
  *p++ = '-';
  p = PutDigits(p, date.month, 2);
  *p++ = '-';
  p = PutDigits(p, date.day, 2);
  *p++ = 'T';
  p = PutDigits(p, sod / 3600, 2);
  *p++ = ':';
  p = PutDigits(p, sod / 60 % 60, 2);
  *p++ = ':';
  p = PutDigits(p, sod % 60, 2);
  p = PutNanos(p, static_cast<uint32_t>(nanos));
  *p++ = 'Z';
  *p++ = '"';
  out_.append(buf, p);
}

void JsonWriter::Duration(int64_t seconds, int32_t nanos) {
  // Protobuf refuses seconds and nanos of opposite signs and values beyond
  // 10,000 years; the writer cannot fail, so it prints the sum, clamped.
  constexpr __int128 kNanosPerSecond = 1000000000;
  constexpr __int128 kMaxTotal = kMaxDurationSeconds * kNanosPerSecond + kMaxNanos;
  __int128 total = static_cast<__int128>(seconds) * kNanosPerSecond + nanos;
  if (total > kMaxTotal) total = kMaxTotal;
  if (total < -kMaxTotal) total = -kMaxTotal;

  char buf[40];
  char* p = buf;
  *p++ = '"';
  if (total < 0) {
    *p++ = '-';
    total = -total;
  }
  p = std::to_chars(p, buf + sizeof(buf), static_cast<uint64_t>(total / kNanosPerSecond)).ptr;
  p = PutNanos(p, static_cast<uint32_t>(total % kNanosPerSecond));
  *p++ = 's';
  *p++ = '"';
  out_.append(buf, p);
}

}  // namespace pubsub::internal
