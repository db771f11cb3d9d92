// JsonWriter: every formatting rule of the generated JSON writers.
#include "pubsub/internal/json_writer.h"

#include <google/protobuf/duration.pb.h>
#include <google/protobuf/timestamp.pb.h>
#include <google/protobuf/util/time_util.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>

namespace pubsub::internal {
namespace {

template <class F>
std::string Write(F&& f) {
  std::string out;
  JsonWriter writer(out);
  f(writer);
  return out;
}

std::string Str(std::string_view s) {
  return Write([&](JsonWriter& w) { w.String(s); });
}

TEST(JsonWriterStringTest, PlainTextIsCopied) {
  EXPECT_EQ(Str(""), R"("")");
  EXPECT_EQ(Str("hello, world"), R"("hello, world")");
  EXPECT_EQ(Str("a long line of plain text that spans several eight-byte words"),
            R"("a long line of plain text that spans several eight-byte words")");
}

TEST(JsonWriterStringTest, QuotesAndBackslashes) {
  EXPECT_EQ(Str(R"(say "hi")"), R"("say \"hi\"")");
  EXPECT_EQ(Str(R"(C:\path\)"), R"("C:\\path\\")");
  EXPECT_EQ(Str("\"\\\"\\"), R"("\"\\\"\\")");
  // Quotes and backslashes past the first eight-byte word.
  EXPECT_EQ(Str("01234567\"89abcdef\\"), R"("01234567\"89abcdef\\")");
  // Slash and DEL need no escaping.
  EXPECT_EQ(Str("a/b\x7f"), "\"a/b\x7f\"");
}

TEST(JsonWriterStringTest, EveryControlCharacter) {
  for (int c = 0; c < 0x20; ++c) {
    std::string expected;
    switch (c) {
      case '\b':
        expected = R"(\b)";
        break;
      case '\f':
        expected = R"(\f)";
        break;
      case '\n':
        expected = R"(\n)";
        break;
      case '\r':
        expected = R"(\r)";
        break;
      case '\t':
        expected = R"(\t)";
        break;
      default: {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "\\u%04x", c);
        expected = buf;
      }
    }
    const std::string in(1, static_cast<char>(c));
    EXPECT_EQ(Str(in), "\"" + expected + "\"") << "char " << c;
    // The same character in the middle of a longer run.
    EXPECT_EQ(Str("abcdefgh" + in + "ijklmnop"), "\"abcdefgh" + expected + "ijklmnop\"")
        << "char " << c;
  }
}

TEST(JsonWriterStringTest, EmbeddedNul) {
  EXPECT_EQ(Str(std::string_view("a\0b", 3)), R"("a\u0000b")");
  EXPECT_EQ(Str(std::string_view("\0", 1)), R"("\u0000")");
}

TEST(JsonWriterStringTest, LineAndParagraphSeparatorsAreEscaped) {
  EXPECT_EQ(Str("a\u2028b\u2029c"), R"("a\u2028b\u2029c")");
  // Their neighbours U+2027 and U+202A are ordinary characters.
  EXPECT_EQ(Str("\u2027\u202a"), "\"\u2027\u202a\"");
}

TEST(JsonWriterStringTest, ValidMultiByteIsKept) {
  const std::string text = "caf\u00e9 \u20ac \u4e2d\u6587 \U0001F600 \U0010FFFF \u0080 \uFFFD";
  EXPECT_EQ(Str(text), "\"" + text + "\"");
}

TEST(JsonWriterStringTest, InvalidUtf8IsReplaced) {
  const std::string r = "\xEF\xBF\xBD";  // U+FFFD
  EXPECT_EQ(Str("a\xFF"
                "b"),
            "\"a" + r + "b\"");                                     // never a UTF-8 byte
  EXPECT_EQ(Str("\x80"), "\"" + r + "\"");                          // lone continuation
  EXPECT_EQ(Str("\xC0\xAF"), "\"" + r + r + "\"");                  // overlong '/'
  EXPECT_EQ(Str("\xC3"), "\"" + r + "\"");                          // truncated at the end
  EXPECT_EQ(Str("\xC3z"), "\"" + r + "z\"");                        // truncated
  EXPECT_EQ(Str("\xE2\x82z"), "\"" + r + "z\"");                    // maximal subpart: one U+FFFD
  EXPECT_EQ(Str("\xED\xA0\x80"), "\"" + r + r + r + "\"");          // UTF-16 surrogate
  EXPECT_EQ(Str("\xF4\x90\x80\x80"), "\"" + r + r + r + r + "\"");  // above U+10FFFF
  EXPECT_EQ(Str("\xF0\x9F\x98"), "\"" + r + "\"");                  // truncated emoji
  EXPECT_EQ(Str("ok\xF0\x9F\x98\x80ok\xFE"), "\"ok\xF0\x9F\x98\x80ok" + r + "\"");
}

TEST(JsonWriterNumberTest, Integers) {
  EXPECT_EQ(Write([](JsonWriter& w) { w.Int32(0); }), "0");
  EXPECT_EQ(Write([](JsonWriter& w) { w.Int32(INT32_MIN); }), "-2147483648");
  EXPECT_EQ(Write([](JsonWriter& w) { w.Int32(INT32_MAX); }), "2147483647");
  EXPECT_EQ(Write([](JsonWriter& w) { w.UInt32(UINT32_MAX); }), "4294967295");
  EXPECT_EQ(Write([](JsonWriter& w) { w.Int64(INT64_MIN); }), R"("-9223372036854775808")");
  EXPECT_EQ(Write([](JsonWriter& w) { w.Int64(INT64_MAX); }), R"("9223372036854775807")");
  EXPECT_EQ(Write([](JsonWriter& w) { w.Int64(0); }), R"("0")");
  EXPECT_EQ(Write([](JsonWriter& w) { w.UInt64(UINT64_MAX); }), R"("18446744073709551615")");
  EXPECT_EQ(Write([](JsonWriter& w) { w.Int64AsNumber(INT64_MIN); }), "-9223372036854775808");
  EXPECT_EQ(Write([](JsonWriter& w) { w.Int64AsNumber(7); }), "7");
  EXPECT_EQ(Write([](JsonWriter& w) { w.UInt64AsNumber(UINT64_MAX); }), "18446744073709551615");
}

TEST(JsonWriterNumberTest, DoublesAreShortestRoundTrip) {
  auto d = [](double v) { return Write([&](JsonWriter& w) { w.Double(v); }); };
  EXPECT_EQ(d(0.0), "0");
  EXPECT_EQ(d(-0.0), "-0");
  EXPECT_EQ(d(12.5), "12.5");
  EXPECT_EQ(d(0.1), "0.1");
  EXPECT_EQ(d(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(d(1e21), "1e+21");
  EXPECT_EQ(d(123456789.0), "123456789");
  EXPECT_EQ(d(std::numeric_limits<double>::max()), "1.7976931348623157e+308");
  EXPECT_EQ(d(std::numeric_limits<double>::lowest()), "-1.7976931348623157e+308");
  EXPECT_EQ(d(std::numeric_limits<double>::min()), "2.2250738585072014e-308");
  EXPECT_EQ(d(std::numeric_limits<double>::denorm_min()), "5e-324");
  EXPECT_EQ(d(std::numeric_limits<double>::quiet_NaN()), R"("NaN")");
  EXPECT_EQ(d(-std::numeric_limits<double>::quiet_NaN()), R"("NaN")");
  EXPECT_EQ(d(std::numeric_limits<double>::infinity()), R"("Infinity")");
  EXPECT_EQ(d(-std::numeric_limits<double>::infinity()), R"("-Infinity")");
}

TEST(JsonWriterNumberTest, FloatsAreShortestForFloat) {
  auto f = [](float v) { return Write([&](JsonWriter& w) { w.Float(v); }); };
  EXPECT_EQ(f(0.1f), "0.1");  // not 0.10000000149011612
  EXPECT_EQ(f(-0.0f), "-0");
  EXPECT_EQ(f(1.5f), "1.5");
  EXPECT_EQ(f(16777216.0f), "16777216");
  EXPECT_EQ(f(std::numeric_limits<float>::max()), "3.4028235e+38");
  EXPECT_EQ(f(std::numeric_limits<float>::min()), "1.1754944e-38");
  EXPECT_EQ(f(std::numeric_limits<float>::denorm_min()), "1e-45");
  EXPECT_EQ(f(std::numeric_limits<float>::quiet_NaN()), R"("NaN")");
  EXPECT_EQ(f(std::numeric_limits<float>::infinity()), R"("Infinity")");
  EXPECT_EQ(f(-std::numeric_limits<float>::infinity()), R"("-Infinity")");
}

TEST(JsonWriterTest, BoolAndNull) {
  EXPECT_EQ(Write([](JsonWriter& w) {
              w.Bool(true);
              w.Char(',');
              w.Bool(false);
              w.Char(',');
              w.Null();
            }),
            "true,false,null");
}

TEST(JsonWriterBytesTest, Rfc4648Vectors) {
  auto b = [](std::string_view v) { return Write([&](JsonWriter& w) { w.Bytes(v); }); };
  EXPECT_EQ(b(""), R"("")");
  EXPECT_EQ(b("f"), R"("Zg==")");
  EXPECT_EQ(b("fo"), R"("Zm8=")");
  EXPECT_EQ(b("foo"), R"("Zm9v")");
  EXPECT_EQ(b("foob"), R"("Zm9vYg==")");
  EXPECT_EQ(b("fooba"), R"("Zm9vYmE=")");
  EXPECT_EQ(b("foobar"), R"("Zm9vYmFy")");
  // The two characters that differ from the URL-safe alphabet, and binary.
  EXPECT_EQ(b("\xfb\xff\xbf"), R"("+/+/")");
  EXPECT_EQ(b(std::string_view("\0\0\0\0", 4)), R"("AAAAAA==")");
}

TEST(JsonWriterBytesTest, AppendsAfterExistingOutput) {
  std::string out = "[";
  JsonWriter w(out);
  w.Bytes("foobar");
  w.Char(',');
  w.Bytes("f");
  w.Char(']');
  EXPECT_EQ(out, R"(["Zm9vYmFy","Zg=="])");
}

std::string Ts(int64_t seconds, int32_t nanos) {
  return Write([&](JsonWriter& w) { w.Timestamp(seconds, nanos); });
}

TEST(JsonWriterTimestampTest, Rfc3339Utc) {
  EXPECT_EQ(Ts(0, 0), R"("1970-01-01T00:00:00Z")");
  EXPECT_EQ(Ts(1795600800, 0), R"("2026-11-25T10:00:00Z")");
  EXPECT_EQ(Ts(951782400, 0), R"("2000-02-29T00:00:00Z")");   // leap year divisible by 400
  EXPECT_EQ(Ts(4107542400, 0), R"("2100-03-01T00:00:00Z")");  // 2100 is not a leap year
  EXPECT_EQ(Ts(4107456000, 0), R"("2100-02-28T00:00:00Z")");
  EXPECT_EQ(Ts(1709164800, 0), R"("2024-02-29T00:00:00Z")");
  EXPECT_EQ(Ts(1735689599, 0), R"("2024-12-31T23:59:59Z")");
}

TEST(JsonWriterTimestampTest, BeforeTheEpoch) {
  EXPECT_EQ(Ts(-1, 0), R"("1969-12-31T23:59:59Z")");
  EXPECT_EQ(Ts(-1, 500000000), R"("1969-12-31T23:59:59.500Z")");
  EXPECT_EQ(Ts(-86400, 0), R"("1969-12-31T00:00:00Z")");
  EXPECT_EQ(Ts(-86401, 0), R"("1969-12-30T23:59:59Z")");
  EXPECT_EQ(Ts(-2208988800, 0), R"("1900-01-01T00:00:00Z")");
  EXPECT_EQ(Ts(-11670998400, 0), R"("1600-02-29T00:00:00Z")");
}

TEST(JsonWriterTimestampTest, RangeLimits) {
  EXPECT_EQ(Ts(-62135596800, 0), R"("0001-01-01T00:00:00Z")");
  EXPECT_EQ(Ts(253402300799, 999999999), R"("9999-12-31T23:59:59.999999999Z")");
  // Out of range (protobuf refuses these): clamped, still valid RFC 3339.
  EXPECT_EQ(Ts(-62135596801, 0), R"("0001-01-01T00:00:00Z")");
  EXPECT_EQ(Ts(INT64_MIN, 5), R"("0001-01-01T00:00:00Z")");
  EXPECT_EQ(Ts(INT64_MAX, 0), R"("9999-12-31T23:59:59.999999999Z")");
  EXPECT_EQ(Ts(0, -1), R"("1970-01-01T00:00:00Z")");
  EXPECT_EQ(Ts(0, 1000000000), R"("1970-01-01T00:00:00.999999999Z")");
}

TEST(JsonWriterTimestampTest, FractionalDigitsInGroupsOfThree) {
  EXPECT_EQ(Ts(0, 0), R"("1970-01-01T00:00:00Z")");
  EXPECT_EQ(Ts(0, 500000000), R"("1970-01-01T00:00:00.500Z")");
  EXPECT_EQ(Ts(0, 1000000), R"("1970-01-01T00:00:00.001Z")");
  EXPECT_EQ(Ts(0, 1000), R"("1970-01-01T00:00:00.000001Z")");
  EXPECT_EQ(Ts(0, 123456000), R"("1970-01-01T00:00:00.123456Z")");
  EXPECT_EQ(Ts(0, 1), R"("1970-01-01T00:00:00.000000001Z")");
  EXPECT_EQ(Ts(0, 123456789), R"("1970-01-01T00:00:00.123456789Z")");
}

// Protobuf's own formatter agrees over the whole valid range.
TEST(JsonWriterTimestampTest, MatchesProtobufTimeUtil) {
  std::mt19937_64 rng(20261125);
  std::uniform_int_distribution<int64_t> seconds(-62135596800, 253402300799);
  const int32_t kNanos[] = {0, 1, 999, 1000, 120000, 999000000, 5000000, 123456789};
  for (int i = 0; i < 20000; ++i) {
    google::protobuf::Timestamp ts;
    ts.set_seconds(seconds(rng));
    ts.set_nanos(kNanos[i % 8]);
    ASSERT_EQ(Ts(ts.seconds(), ts.nanos()),
              "\"" + google::protobuf::util::TimeUtil::ToString(ts) + "\"")
        << ts.ShortDebugString();
  }
}

std::string Dur(int64_t seconds, int32_t nanos) {
  return Write([&](JsonWriter& w) { w.Duration(seconds, nanos); });
}

TEST(JsonWriterDurationTest, AsProtobufPrintsIt) {
  EXPECT_EQ(Dur(0, 0), R"("0s")");
  EXPECT_EQ(Dur(1, 0), R"("1s")");
  EXPECT_EQ(Dur(1, 500000000), R"("1.500s")");
  EXPECT_EQ(Dur(0, -500000000), R"("-0.500s")");
  EXPECT_EQ(Dur(-3, -1000), R"("-3.000001s")");
  EXPECT_EQ(Dur(0, 1), R"("0.000000001s")");
  EXPECT_EQ(Dur(315576000000, 999999999), R"("315576000000.999999999s")");
  EXPECT_EQ(Dur(-315576000000, -999999999), R"("-315576000000.999999999s")");
}

TEST(JsonWriterDurationTest, InvalidValuesAreNormalized) {
  EXPECT_EQ(Dur(1, -500000000), R"("0.500s")");  // mixed signs: the sum
  EXPECT_EQ(Dur(INT64_MAX, 0), R"("315576000000.999999999s")");
  EXPECT_EQ(Dur(INT64_MIN, 0), R"("-315576000000.999999999s")");
}

}  // namespace
}  // namespace pubsub::internal
