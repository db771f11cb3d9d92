// Registry::ParseJson: good bodies of every field kind, and every class of
// error with its exact text (publishers see these in 400 responses and gRPC
// statuses), with and without a type given beside the JSON.
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

#include "pubsub/internal/json_writer.h"
#include "pubsub/registry.h"
#include "test_schema.h"

namespace pubsub_runtime_test {
namespace {

using google::protobuf::util::MessageDifferencer;

class ParseJsonTest : public ::testing::Test {
 protected:
  ParseJsonTest() { RegisterTestSchema(registry_); }

  // Parses a "kitchen" event (room "r1") with the given extra members.
  Kitchen ParseKitchen(std::string_view members) {
    const std::string json = R"({"type":"kitchen","room":"r1")" +
                             (members.empty() ? "" : "," + std::string(members)) + "}";
    auto parsed = registry_.ParseJson(json);
    EXPECT_TRUE(parsed.ok()) << json << "\n" << parsed.status();
    if (!parsed.ok()) return Kitchen();
    EXPECT_EQ(parsed->info, &kKitchenEvent);
    return static_cast<const Kitchen&>(*parsed->message);
  }

  // The error message for a whole body.
  std::string Error(std::string_view json) {
    auto parsed = registry_.ParseJson(json);
    if (parsed.ok()) return "<ok>";
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    return std::string(parsed.status().message());
  }

  // The error message for a body parsed with `type` given beside it.
  std::string TypedError(std::string_view type, std::string_view json) {
    auto parsed = registry_.ParseJson(json, type);
    if (parsed.ok()) return "<ok>";
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
    return std::string(parsed.status().message());
  }

  // The error message for a "kitchen" event with the given extra members.
  std::string KitchenError(std::string_view members) {
    return Error(R"({"type":"kitchen","room":"r1",)" + std::string(members) + "}");
  }

  // Reads the "kitchen" members both ways, with ParseJson and with
  // protobuf's JsonStringToMessage (the reference for proto3 JSON): both
  // accept them, into equal messages, or both refuse them.
  void ExpectAsProtobuf(const std::string& members) {
    const std::string body = R"("room":"r1",)" + members;
    Kitchen theirs;
    const auto status = google::protobuf::util::JsonStringToMessage("{" + body + "}", &theirs);
    auto parsed = registry_.ParseJson(R"({"type":"kitchen",)" + body + "}");
    ASSERT_EQ(parsed.ok(), status.ok())
        << members << "\nParseJson: " << (parsed.ok() ? "ok" : parsed.status().ToString())
        << "\nprotobuf:  " << status;
    if (!parsed.ok()) return;
    std::string report;
    MessageDifferencer differencer;
    differencer.ReportDifferencesToString(&report);
    EXPECT_TRUE(differencer.Compare(*parsed->message, theirs))
        << members << "\n"
        << report << "ours:   " << parsed->message->ShortDebugString()
        << "\ntheirs: " << theirs.ShortDebugString();
  }

  pubsub::Registry registry_;
};

TEST_F(ParseJsonTest, SimpleEvent) {
  auto parsed = registry_.ParseJson(R"({"type":"note","text":"hi \u00e9\n","id":7})");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->info, &kNoteEvent);
  const auto& note = static_cast<const Note&>(*parsed->message);
  EXPECT_EQ(note.text(), "hi \u00e9\n");
  EXPECT_EQ(note.id(), 7);
  // Key order does not matter; "type" may come last; whitespace is fine.
  parsed = registry_.ParseJson(" {\n\"id\": \"8\", \"type\" : \"note\" }\n");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(static_cast<const Note&>(*parsed->message).id(), 8);
  // Only "type": every field keeps its default.
  parsed = registry_.ParseJson(R"({"type":"letter"})");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(static_cast<const Letter&>(*parsed->message).text(), "");
}

TEST_F(ParseJsonTest, Integers) {
  Kitchen k =
      ParseKitchen(R"("i32":-2147483648,"i64":"-9223372036854775808","u32":4294967295,)"
                   R"("u64":"18446744073709551615","s32":2147483647,"s64":9223372036854775807,)"
                   R"("f32":"4294967295","f64":18446744073709551615,"sf32":-1,"sf64":"-1")");
  EXPECT_EQ(k.i32(), INT32_MIN);
  EXPECT_EQ(k.i64(), INT64_MIN);
  EXPECT_EQ(k.u32(), UINT32_MAX);
  EXPECT_EQ(k.u64(), UINT64_MAX);
  EXPECT_EQ(k.s32(), INT32_MAX);
  EXPECT_EQ(k.s64(), INT64_MAX);
  EXPECT_EQ(k.f32(), UINT32_MAX);
  EXPECT_EQ(k.f64(), UINT64_MAX);
  EXPECT_EQ(k.sf32(), -1);
  EXPECT_EQ(k.sf64(), -1);
  // Integral doubles, exponents and -0 are integers too.
  k = ParseKitchen(R"("i32":7.0,"i64":"1e3","u32":-0,"u64":2.5e1,"s64":-1E2)");
  EXPECT_EQ(k.i32(), 7);
  EXPECT_EQ(k.i64(), 1000);
  EXPECT_EQ(k.u32(), 0u);
  EXPECT_EQ(k.u64(), 25u);
  EXPECT_EQ(k.s64(), -100);
}

TEST_F(ParseJsonTest, FloatsAndDoubles) {
  Kitchen k = ParseKitchen(R"("fl":0.1,"db":0.30000000000000004)");
  EXPECT_EQ(k.fl(), 0.1f);
  EXPECT_EQ(k.db(), 0.1 + 0.2);  // exact: not off by an ulp
  k = ParseKitchen(R"("fl":"NaN","db":"-Infinity","r_db":["Infinity",-0.0,"1.5",5e-324])");
  EXPECT_TRUE(std::isnan(k.fl()));
  EXPECT_EQ(k.db(), -std::numeric_limits<double>::infinity());
  ASSERT_EQ(k.r_db_size(), 4);
  EXPECT_EQ(k.r_db(0), std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::signbit(k.r_db(1)));
  EXPECT_EQ(k.r_db(2), 1.5);
  EXPECT_EQ(k.r_db(3), std::numeric_limits<double>::denorm_min());
}

TEST_F(ParseJsonTest, FloatLimits) {
  Kitchen k = ParseKitchen(R"("fl":3.4028235e+38,"db":1.7976931348623157e+308)");
  EXPECT_EQ(k.fl(), std::numeric_limits<float>::max());
  EXPECT_EQ(k.db(), std::numeric_limits<double>::max());
  k = ParseKitchen(R"("fl":1e-45,"db":5e-324)");
  EXPECT_EQ(k.fl(), std::numeric_limits<float>::denorm_min());
  EXPECT_EQ(k.db(), std::numeric_limits<double>::denorm_min());
  k = ParseKitchen(R"("fl":-1e-50,"db":1e-400)");  // underflow reads as zero
  EXPECT_EQ(k.fl(), 0.0f);
  EXPECT_TRUE(std::signbit(k.fl()));
  EXPECT_EQ(k.db(), 0.0);
  k = ParseKitchen(R"("r_db":[-0.0])");
  EXPECT_TRUE(std::signbit(k.r_db(0)));
}

TEST_F(ParseJsonTest, StringsBoolsAndBytes) {
  Kitchen k = ParseKitchen(
      R"("b":true,"s":"\"\\\/\b\f\n\r\t\u0000\u2028\ud83d\ude00 \u00e9","by":"Zm9vYg==")");
  EXPECT_TRUE(k.b());
  EXPECT_EQ(k.s(), std::string("\"\\/\b\f\n\r\t\0\u2028\U0001F600 \u00e9", 19));
  EXPECT_EQ(k.by(), "foob");
  EXPECT_EQ(ParseKitchen(R"("by":"Zm9vYg")").by(), "foob");        // padding optional
  EXPECT_EQ(ParseKitchen(R"("by":"-_-_")").by(), "\xfb\xff\xbf");  // URL-safe
  EXPECT_EQ(ParseKitchen(R"("by":"+/+/")").by(), "\xfb\xff\xbf");  // standard
  EXPECT_EQ(ParseKitchen(R"("by":"")").by(), "");
}

TEST_F(ParseJsonTest, Enums) {
  EXPECT_EQ(ParseKitchen(R"("color":"red")").color(), COLOR_RED);        // json_value
  EXPECT_EQ(ParseKitchen(R"("color":"COLOR_RED")").color(), COLOR_RED);  // proto name
  EXPECT_EQ(ParseKitchen(R"("color":"COLOR_GREEN")").color(), COLOR_GREEN);
  EXPECT_EQ(ParseKitchen(R"("color":2)").color(), COLOR_GREEN);            // number
  EXPECT_EQ(static_cast<int>(ParseKitchen(R"("color":99)").color()), 99);  // proto3 enums are open
  Kitchen k = ParseKitchen(R"("r_color":["red",0,"COLOR_GREEN"],"m_u32":{"5":"red"})");
  ASSERT_EQ(k.r_color_size(), 3);
  EXPECT_EQ(k.r_color(0), COLOR_RED);
  EXPECT_EQ(k.r_color(1), COLOR_UNSPECIFIED);
  EXPECT_EQ(k.r_color(2), COLOR_GREEN);
  EXPECT_EQ(k.m_u32().at(5), COLOR_RED);
}

TEST_F(ParseJsonTest, JsonNamesAndOptionalFields) {
  EXPECT_EQ(ParseKitchen(R"("camel_case_name":"a")").camel_case_name(), "a");
  EXPECT_EQ(ParseKitchen(R"("camelCaseName":"b")").camel_case_name(), "b");
  Kitchen k = ParseKitchen(R"("opt_i32":0)");
  EXPECT_TRUE(k.has_opt_i32());
  EXPECT_FALSE(ParseKitchen("").has_opt_i32());
}

TEST_F(ParseJsonTest, NullLeavesFieldsUnset) {
  Kitchen k =
      ParseKitchen(R"("i32":null,"s":null,"opt_i32":null,"inner":null,"r_i32":null,"m_str":null,)"
                   R"("ts":null,"w_i64":null,"choice_text":null,"choice_num":5)");
  EXPECT_TRUE(MessageDifferencer::Equals(k, ParseKitchen(R"("choice_num":5)")));
  EXPECT_FALSE(k.has_opt_i32());
  EXPECT_FALSE(k.has_inner());
  EXPECT_FALSE(k.has_w_i64());
  EXPECT_EQ(k.choice_case(), Kitchen::kChoiceNum);
}

TEST_F(ParseJsonTest, RepeatedNestedAndOneof) {
  Kitchen k = ParseKitchen(
      R"("r_i32":[1,"2",3.0],"r_s":[],"r_inner":[{"id":1},{}],)"
      R"("inner":{"id":"5","name":"n","child":{"child":{"id":9}}},"choice_inner":{"name":"c"})");
  EXPECT_EQ(k.r_i32_size(), 3);
  EXPECT_EQ(k.r_i32(1), 2);
  EXPECT_EQ(k.r_s_size(), 0);
  ASSERT_EQ(k.r_inner_size(), 2);
  EXPECT_EQ(k.r_inner(0).id(), 1);
  EXPECT_EQ(k.inner().child().child().id(), 9);
  EXPECT_TRUE(k.inner().child().has_child());
  EXPECT_EQ(k.choice_inner().name(), "c");
  EXPECT_TRUE(ParseKitchen(R"("inner":{})").has_inner());  // {} sets an empty message
}

TEST_F(ParseJsonTest, Maps) {
  Kitchen k = ParseKitchen(
      R"("m_str":{"a":1,"":2},"m_i32":{"-5":"x","7":"y"},"m_i64":{"9223372036854775807":{"id":1}},)"
      R"("m_u64":{"18446744073709551615":true},"m_bool":{"true":"t","false":"f"})");
  EXPECT_EQ(k.m_str().at("a"), 1);
  EXPECT_EQ(k.m_str().at(""), 2);
  EXPECT_EQ(k.m_i32().at(-5), "x");
  EXPECT_EQ(k.m_i32().at(7), "y");
  EXPECT_EQ(k.m_i64().at(INT64_MAX).id(), 1);
  EXPECT_TRUE(k.m_u64().at(UINT64_MAX));
  EXPECT_EQ(k.m_bool().at(true), "t");
  EXPECT_EQ(k.m_bool().at(false), "f");
  EXPECT_TRUE(ParseKitchen(R"("m_str":{})").m_str().empty());
}

TEST_F(ParseJsonTest, TimestampsAndDurations) {
  Kitchen k = ParseKitchen(R"("ts":"2026-11-25T10:00:00Z","dur":"1.5s")");
  EXPECT_EQ(k.ts().seconds(), 1795600800);
  EXPECT_EQ(k.ts().nanos(), 0);
  EXPECT_EQ(k.dur().seconds(), 1);
  EXPECT_EQ(k.dur().nanos(), 500000000);
  k = ParseKitchen(R"("ts":"1969-12-31T23:59:59.000000001z","dur":"-0.000000001s")");
  EXPECT_EQ(k.ts().seconds(), -1);
  EXPECT_EQ(k.ts().nanos(), 1);
  EXPECT_EQ(k.dur().seconds(), 0);
  EXPECT_EQ(k.dur().nanos(), -1);
  k = ParseKitchen(R"("ts":"2026-11-25T11:30:00.5+01:30","dur":"-3.25s")");
  EXPECT_EQ(k.ts().seconds(), 1795600800);
  EXPECT_EQ(k.ts().nanos(), 500000000);
  EXPECT_EQ(k.dur().seconds(), -3);
  EXPECT_EQ(k.dur().nanos(), -250000000);
  k = ParseKitchen(R"("ts":"0001-01-01T00:00:00Z","dur":"315576000000.999999999s")");
  EXPECT_EQ(k.ts().seconds(), -62135596800);
  EXPECT_EQ(k.dur().seconds(), 315576000000);
  k = ParseKitchen(R"("ts":"9999-12-31T23:59:59.999999999Z","dur":"0s")");
  EXPECT_EQ(k.ts().seconds(), 253402300799);
  EXPECT_EQ(k.ts().nanos(), 999999999);
  EXPECT_TRUE(k.has_dur());
  EXPECT_EQ(ParseKitchen(R"("ts":"2024-02-29T00:00:00Z")").ts().seconds(), 1709164800);
}

TEST_F(ParseJsonTest, WrappersAndStructs) {
  Kitchen k = ParseKitchen(
      R"("w_i64":"-5","w_db":"NaN","w_b":false,"w_s":"","w_by":"AA==","w_u32":0,)"
      R"("st":{"a":[1,"x",null,true,{"b":{}}]},"val":null,"lv":[1,[]],"fm":"a.bC,d","empty":{})");
  EXPECT_EQ(k.w_i64().value(), -5);
  EXPECT_TRUE(std::isnan(k.w_db().value()));
  EXPECT_TRUE(k.has_w_b());
  EXPECT_FALSE(k.w_b().value());
  EXPECT_TRUE(k.has_w_s());
  EXPECT_EQ(k.w_by().value(), std::string(1, '\0'));
  EXPECT_TRUE(k.has_w_u32());
  const auto& list = k.st().fields().at("a").list_value();
  ASSERT_EQ(list.values_size(), 5);
  EXPECT_EQ(list.values(0).number_value(), 1);
  EXPECT_EQ(list.values(1).string_value(), "x");
  EXPECT_TRUE(list.values(2).has_null_value());
  EXPECT_TRUE(list.values(3).bool_value());
  EXPECT_TRUE(list.values(4).struct_value().fields().at("b").has_struct_value());
  EXPECT_TRUE(k.has_val());
  EXPECT_TRUE(k.val().has_null_value());
  EXPECT_EQ(k.lv().values_size(), 2);
  ASSERT_EQ(k.fm().paths_size(), 2);
  EXPECT_EQ(k.fm().paths(0), "a.b_c");
  EXPECT_EQ(k.fm().paths(1), "d");
  EXPECT_TRUE(k.has_empty());
}

// google.protobuf.NullValue reads JSON null as its value, so an optional or
// oneof NullValue keeps its presence, and null is an element or map value.
TEST_F(ParseJsonTest, NullValueAsProtobufReadsIt) {
  for (const char* members : {R"("nv":null)", R"("nv":"NULL_VALUE")", R"("nv":0)", R"("o_nv":null)",
                              R"("o_nv":"NULL_VALUE")", R"("c_nv":null)", R"("c_nv":0)",
                              R"("c_text":"x")", R"("r_nv":[null,null,"NULL_VALUE",0])",
                              R"("r_nv":[])", R"("m_nv":{"a":null,"b":"NULL_VALUE","":0})"}) {
    ExpectAsProtobuf(members);
  }
  Kitchen k = ParseKitchen(R"("o_nv":null,"c_nv":null,"r_nv":[null],"m_nv":{"k":null})");
  EXPECT_TRUE(k.has_o_nv());
  EXPECT_EQ(k.nullable_case(), Kitchen::kCNv);
  EXPECT_EQ(k.r_nv_size(), 1);
  EXPECT_EQ(k.m_nv().count("k"), 1u);
}

// A FieldMask's text reads back as protobuf's parser reads it: paths split
// at ',', "a(b,c)" expanded, lowerCamelCase to snake_case with protobuf's
// rules, map keys and quoted parts kept; what protobuf refuses is refused.
TEST_F(ParseJsonTest, FieldMaskAsProtobufReadsIt) {
  for (const char* text : {"",
                           "a",
                           "fooBar",
                           "a.bC,d",
                           "userDisplayName.createdAt",
                           "FooBar",
                           "fooBAR",
                           "ABc",
                           "aBC",
                           "foo1bar",
                           "a1B",
                           "aB.cD,eF",
                           "a(bC,d)",
                           "a(b(c,dE),f)",
                           "a(b)c",
                           "a(,b)",
                           R"(m["k_Ey"].vW)",
                           R"(m["k"],n["a,b"])",
                           R"(q."quotedPart".rS)",
                           R"(m["a\"]"].b)",
                           ",a",
                           "a,",
                           "a,,b",
                           "_a",
                           "a_b",
                           "a__bC",
                           "h\u00e9Llo",
                           "a(b",
                           "a)b",
                           "a(b))",
                           R"(m["k"]x)",
                           "m[k]",
                           R"(m["k)",
                           R"(m[")"}) {
    std::string quoted;
    pubsub::internal::JsonWriter(quoted).String(text);
    ExpectAsProtobuf(R"("fm":)" + quoted);
  }
  EXPECT_EQ(KitchenError(R"("fm":"a(b")"),
            R"(fm: expected a field mask such as "user.displayName,createdAt" (a '(' without )"
            R"(its ')'), got "a(b")");
}

// --- errors -----------------------------------------------------------------

TEST_F(ParseJsonTest, NotJson) {
  EXPECT_EQ(Error(""), "invalid JSON at byte 0: incomplete JSON");
  EXPECT_EQ(Error("{"), "invalid JSON at byte 1: incomplete JSON");
  EXPECT_EQ(Error(R"({"type":"note",})"), "invalid JSON at byte 15: syntax error");
  EXPECT_EQ(Error(R"({"type":"note"} x)"),
            "invalid JSON at byte 16: unexpected data after the value");
  EXPECT_EQ(Error(R"({"type":'note'})"), "invalid JSON at byte 8: syntax error");
  EXPECT_EQ(Error("{\"type\":\"note\",\"text\":\"a\nb\"}"),
            "invalid JSON at byte 24: syntax error");
}

TEST_F(ParseJsonTest, InvalidUtf8) {
  EXPECT_EQ(Error("{\"type\":\"note\",\"text\":\"caf\xe9\"}"), "invalid UTF-8 at byte 26");
  EXPECT_EQ(Error("{\"type\":\"note\",\"text\":\"\xed\xa0\x80\"}"), "invalid UTF-8 at byte 23");
  EXPECT_EQ(Error("{\"type\":\"note\",\"te\xc0\xafxt\":1}"), "invalid UTF-8 at byte 18");
  // An escaped lone surrogate is not a character either.
  EXPECT_EQ(Error(R"({"type":"note","text":"\ud800"})"), "invalid JSON at byte 29: syntax error");
}

TEST_F(ParseJsonTest, DepthIsBounded) {
  std::string deep = R"({"type":"kitchen","room":"r","st":)";
  for (int i = 0; i < 100000; ++i) deep += "[";
  EXPECT_EQ(Error(deep), "JSON nested deeper than 64 levels");
  // Nesting within the limit is fine.
  std::string ok = R"({"type":"kitchen","room":"r","inner":)";
  for (int i = 0; i < 60; ++i) ok += R"({"child":)";
  ok += "{}";
  for (int i = 0; i < 60; ++i) ok += "}";
  EXPECT_EQ(Error(ok + "}"), "<ok>");
}

TEST_F(ParseJsonTest, TypeProblems) {
  EXPECT_EQ(Error("[]"), R"(expected a JSON object with a "type", got an array)");
  EXPECT_EQ(Error(R"("note")"), R"(expected a JSON object with a "type", got "note")");
  EXPECT_EQ(Error("{}"), R"(missing "type")");
  EXPECT_EQ(Error(R"({"text":"x"})"), R"(missing "type")");
  EXPECT_EQ(Error(R"({"type":7})"), "type: expected a string, got 7");
  EXPECT_EQ(Error(R"({"type":null})"), "type: expected a string, got null");
  EXPECT_EQ(Error(R"({"type":"nope"})"), R"(type: unknown event type "nope")");
  EXPECT_EQ(Error(R"({"type":"note","type":"note"})"), "type: duplicate field");
}

TEST_F(ParseJsonTest, UnknownAndDuplicateFields) {
  EXPECT_EQ(Error(R"({"type":"note","txt":"x"})"), "txt: unknown field");
  EXPECT_EQ(KitchenError(R"("inner":{"id":1,"nmae":"x"})"), "inner.nmae: unknown field");
  EXPECT_EQ(KitchenError(R"("r_inner":[{},{"x":1}])"), "r_inner[1].x: unknown field");
  EXPECT_EQ(KitchenError(R"("i32":1,"i32":2)"), "i32: duplicate field");
  EXPECT_EQ(KitchenError(R"("camel_case_name":"a","camelCaseName":"b")"),
            "camelCaseName: duplicate field");
  // "type" is reserved at the top level only.
  EXPECT_EQ(KitchenError(R"("inner":{"type":"x"})"), "inner.type: unknown field");
}

TEST_F(ParseJsonTest, IntegerErrors) {
  EXPECT_EQ(KitchenError(R"("i32":"abc")"), R"(i32: expected an integer, got "abc")");
  EXPECT_EQ(KitchenError(R"("i32":7.5)"), "i32: expected an integer, got 7.5");
  EXPECT_EQ(KitchenError(R"("i64":"7.5")"), R"(i64: expected an integer, got "7.5")");
  EXPECT_EQ(KitchenError(R"("i32":true)"), "i32: expected an integer, got true");
  EXPECT_EQ(KitchenError(R"("i32":[1])"), "i32: expected an integer, got an array");
  EXPECT_EQ(KitchenError(R"("i32":{})"), "i32: expected an integer, got an object");
  EXPECT_EQ(KitchenError(R"("i64":" 1")"), R"(i64: expected an integer, got " 1")");
  EXPECT_EQ(KitchenError(R"("i64":"")"), R"(i64: expected an integer, got "")");
  EXPECT_EQ(KitchenError(R"("i64":"0x10")"), R"(i64: expected an integer, got "0x10")");
  EXPECT_EQ(KitchenError(R"("i64":"NaN")"), R"(i64: expected an integer, got "NaN")");
  EXPECT_EQ(KitchenError(R"("i32":2147483648)"), "i32: out of range for int32, got 2147483648");
  EXPECT_EQ(KitchenError(R"("s32":-2147483649)"), "s32: out of range for sint32, got -2147483649");
  EXPECT_EQ(KitchenError(R"("u32":4294967296)"), "u32: out of range for uint32, got 4294967296");
  EXPECT_EQ(KitchenError(R"("u32":-1)"), "u32: out of range for uint32, got -1");
  EXPECT_EQ(KitchenError(R"("u64":"-1")"), R"(u64: out of range for uint64, got "-1")");
  EXPECT_EQ(KitchenError(R"("i64":"9223372036854775808")"),
            R"(i64: out of range for int64, got "9223372036854775808")");
  EXPECT_EQ(KitchenError(R"("i64":9223372036854775807.0)"),
            "i64: out of range for int64, got 9223372036854775807.0");
  EXPECT_EQ(KitchenError(R"("f64":18446744073709551616)"),
            "f64: out of range for fixed64, got 18446744073709551616");
  EXPECT_EQ(KitchenError(R"("sf64":1e19)"), "sf64: out of range for sfixed64, got 1e19");
  EXPECT_EQ(KitchenError(R"("i32":1e400)"), "i32: out of range for int32, got 1e400");
}

TEST_F(ParseJsonTest, FloatErrors) {
  EXPECT_EQ(KitchenError(R"("fl":1e39)"), "fl: out of range for float, got 1e39");
  EXPECT_EQ(KitchenError(R"("fl":-3.5e38)"), "fl: out of range for float, got -3.5e38");
  EXPECT_EQ(KitchenError(R"("db":1e309)"), "db: out of range for double, got 1e309");
  EXPECT_EQ(KitchenError(R"("r_db":[1e400])"), "r_db[0]: out of range for double, got 1e400");
  EXPECT_EQ(KitchenError(R"("db":"nan")"), R"(db: expected a number, got "nan")");
  EXPECT_EQ(KitchenError(R"("db":"inf")"), R"(db: expected a number, got "inf")");
  EXPECT_EQ(KitchenError(R"("db":true)"), "db: expected a number, got true");
}

TEST_F(ParseJsonTest, OtherScalarErrors) {
  EXPECT_EQ(KitchenError(R"("b":"true")"), R"(b: expected true or false, got "true")");
  EXPECT_EQ(KitchenError(R"("b":1)"), "b: expected true or false, got 1");
  EXPECT_EQ(KitchenError(R"("s":5)"), "s: expected a string, got 5");
  EXPECT_EQ(KitchenError(R"("s":["a"])"), "s: expected a string, got an array");
  EXPECT_EQ(KitchenError(R"("by":"!!!!")"), R"(by: expected a base64 string, got "!!!!")");
  EXPECT_EQ(KitchenError(R"("by":"Zm9vY")"), R"(by: expected a base64 string, got "Zm9vY")");
  EXPECT_EQ(KitchenError(R"("by":5)"), "by: expected a base64 string, got 5");
  EXPECT_EQ(KitchenError(R"("color":"purple")"),
            R"(color: unknown value "purple" of enum pubsub_runtime_test.Color)");
  EXPECT_EQ(KitchenError(R"("color":"Red")"),
            R"(color: unknown value "Red" of enum pubsub_runtime_test.Color)");
  EXPECT_EQ(KitchenError(R"("color":1.5)"), "color: expected an integer, got 1.5");
  EXPECT_EQ(KitchenError(R"("color":4294967296)"), "color: out of range for enum, got 4294967296");
  EXPECT_EQ(KitchenError(R"("color":true)"),
            "color: expected an enum value name or number, got true");
}

TEST_F(ParseJsonTest, LongValuesAreShortenedInErrors) {
  const std::string long_text(100, 'x');
  EXPECT_EQ(KitchenError(R"("i32":")" + long_text + "\""),
            "i32: expected an integer, got \"" + std::string(40, 'x') + "...\"");
  // Shortened on a character boundary, and escaped.
  EXPECT_EQ(KitchenError(R"("i32":")" + std::string(39, 'x') + "\u00e9\\n\""),
            "i32: expected an integer, got \"" + std::string(39, 'x') + "...\"");
}

TEST_F(ParseJsonTest, ContainerErrors) {
  EXPECT_EQ(KitchenError(R"("r_i32":1)"), "r_i32: expected an array, got 1");
  EXPECT_EQ(KitchenError(R"("r_i32":[1,null])"),
            "r_i32[1]: null is not allowed in a repeated field");
  EXPECT_EQ(KitchenError(R"("r_i32":[1,2,"x"])"), R"(r_i32[2]: expected an integer, got "x")");
  EXPECT_EQ(KitchenError(R"("r_inner":[{"id":"y"}])"),
            R"(r_inner[0].id: expected an integer, got "y")");
  EXPECT_EQ(KitchenError(R"("inner":[])"), "inner: expected an object, got an array");
  EXPECT_EQ(KitchenError(R"("inner":{"child":{"id":true}})"),
            "inner.child.id: expected an integer, got true");
  EXPECT_EQ(KitchenError(R"("m_str":[])"), "m_str: expected an object (map), got an array");
  EXPECT_EQ(KitchenError(R"("m_str":{"a":"x"})"), R"(m_str["a"]: expected an integer, got "x")");
  EXPECT_EQ(KitchenError(R"("m_str":{"a":null})"),
            R"(m_str["a"]: null is not allowed as a map value)");
  EXPECT_EQ(KitchenError(R"("m_i32":{"x":"a"})"), R"(m_i32["x"]: expected an integer, got "x")");
  EXPECT_EQ(KitchenError(R"("m_i32":{"0":"a","-0":"b"})"), R"(m_i32["-0"]: duplicate map key)");
  EXPECT_EQ(KitchenError(R"("m_i32":{"007":"a"})"),
            R"(m_i32["007"]: expected an integer, got "007")");
  EXPECT_EQ(KitchenError(R"("m_str":{"a":1,"a":2})"), R"(m_str["a"]: duplicate map key)");
  EXPECT_EQ(KitchenError(R"("m_u32":{"-1":0})"),
            R"(m_u32["-1"]: out of range for uint32, got "-1")");
  EXPECT_EQ(KitchenError(R"("m_bool":{"yes":"a"})"),
            R"(m_bool["yes"]: expected a map key of true or false, got "yes")");
  EXPECT_EQ(KitchenError(R"("m_i64":{"1":{"nope":1}})"), R"(m_i64["1"].nope: unknown field)");
  EXPECT_EQ(KitchenError(R"("m_str":{"a\"b":"x"})"),
            R"(m_str["a\"b"]: expected an integer, got "x")");
}

TEST_F(ParseJsonTest, OneofErrors) {
  EXPECT_EQ(KitchenError(R"("choice_text":"a","choice_num":1)"),
            R"(choice_num: more than one field of oneof "choice" is set)");
  EXPECT_EQ(KitchenError(R"("choice_inner":{},"choice_text":"")"),
            R"(choice_text: more than one field of oneof "choice" is set)");
}

TEST_F(ParseJsonTest, WellKnownTypeErrors) {
  const std::string ts =
      R"(ts: expected an RFC 3339 timestamp such as "2026-11-25T10:00:00Z" (years 0001 to 9999), got )";
  EXPECT_EQ(KitchenError(R"("ts":"yesterday")"), ts + R"("yesterday")");
  EXPECT_EQ(KitchenError(R"("ts":"2026-02-29T00:00:00Z")"), ts + R"("2026-02-29T00:00:00Z")");
  EXPECT_EQ(KitchenError(R"("ts":"2026-11-25T24:00:00Z")"), ts + R"("2026-11-25T24:00:00Z")");
  EXPECT_EQ(KitchenError(R"("ts":"2026-11-25T10:00:00")"), ts + R"("2026-11-25T10:00:00")");
  EXPECT_EQ(KitchenError(R"("ts":"2026-11-25 10:00:00Z")"), ts + R"("2026-11-25 10:00:00Z")");
  EXPECT_EQ(KitchenError(R"("ts":"2026-11-25T10:00:00.Z")"), ts + R"("2026-11-25T10:00:00.Z")");
  EXPECT_EQ(KitchenError(R"("ts":"2026-11-25T10:00:00.1234567890Z")"),
            ts + R"("2026-11-25T10:00:00.1234567890Z")");
  EXPECT_EQ(KitchenError(R"("ts":"0001-01-01T00:00:00+00:01")"),
            ts + R"("0001-01-01T00:00:00+00:01")");  // before year 1
  EXPECT_EQ(KitchenError(R"("ts":1795600800)"), ts + "1795600800");
  const std::string dur = R"(dur: expected a duration such as "1.5s", got )";
  EXPECT_EQ(KitchenError(R"("dur":"1.5")"), dur + R"("1.5")");
  EXPECT_EQ(KitchenError(R"("dur":"1.5 s")"), dur + R"("1.5 s")");
  EXPECT_EQ(KitchenError(R"("dur":"s")"), dur + R"("s")");
  EXPECT_EQ(KitchenError(R"("dur":"-s")"), dur + R"("-s")");
  EXPECT_EQ(KitchenError(R"("dur":"315576000001s")"), dur + R"("315576000001s")");
  EXPECT_EQ(KitchenError(R"("dur":1.5)"), dur + "1.5");
  EXPECT_EQ(KitchenError(R"("w_i64":"x")"), R"(w_i64: expected an integer, got "x")");
  EXPECT_EQ(KitchenError(R"("w_b":{"value":true})"), "w_b: expected true or false, got an object");
  EXPECT_EQ(KitchenError(R"("st":[])"), "st: expected an object, got an array");
  EXPECT_EQ(KitchenError(R"("lv":{})"), "lv: expected an array, got an object");
  EXPECT_EQ(KitchenError(R"("fm":1)"), "fm: expected a field mask string, got 1");
  EXPECT_EQ(KitchenError(R"("empty":{"a":1})"), "empty.a: unknown field");
}

TEST_F(ParseJsonTest, ScopeIsRequired) {
  EXPECT_EQ(Error(R"({"type":"kitchen"})"),
            R"(room: must not be empty (the scope of channel "rooms"))");
  EXPECT_EQ(Error(R"({"type":"kitchen","room":""})"),
            R"(room: must not be empty (the scope of channel "rooms"))");
  EXPECT_EQ(Error(R"({"type":"kitchen","room":null})"),
            R"(room: must not be empty (the scope of channel "rooms"))");
  EXPECT_EQ(Error(R"({"type":"kitchen","room":"r"})"), "<ok>");
}

TEST_F(ParseJsonTest, TypeGivenBesideTheJson) {
  // "type" may be left out...
  auto parsed = registry_.ParseJson(R"({"text":"hi","id":7})", "note");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->info, &kNoteEvent);
  EXPECT_EQ(static_cast<const Note&>(*parsed->message).id(), 7);
  EXPECT_EQ(pubsub::Registry::RenderJson(*parsed->info, *parsed->message),
            R"({"type":"note","text":"hi","id":7})");
  // ...or given, equal (escapes decoded first), anywhere in the object.
  parsed = registry_.ParseJson(R"({"text":"hi","type":"n\u006fte"})", "note");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->info, &kNoteEvent);
  parsed = registry_.ParseJson(" { } ", "letter");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->info, &kLetterEvent);
  // Field errors keep their paths; the scope is still required.
  EXPECT_EQ(TypedError("kitchen", R"({"room":"r","inner":{"nmae":1}})"),
            "inner.nmae: unknown field");
  EXPECT_EQ(TypedError("kitchen", "{}"),
            R"(room: must not be empty (the scope of channel "rooms"))");
  EXPECT_EQ(TypedError("kitchen", R"({"type":"kitchen","room":"r"})"), "<ok>");
}

TEST_F(ParseJsonTest, TypeGivenBesideTheJsonProblems) {
  EXPECT_EQ(TypedError("", R"({"type":"note"})"),
            R"(type: required (the event's type string, e.g. "new_comment"))");
  EXPECT_EQ(TypedError("nope", R"({"type":"note"})"), R"(type: unknown event type "nope")");
  // The given type is checked before the JSON is read.
  EXPECT_EQ(TypedError("nope", "{"), R"(type: unknown event type "nope")");
  EXPECT_EQ(TypedError(std::string(50, 'x'), "{}"),
            R"(type: unknown event type ")" + std::string(40, 'x') + R"(...")");
  EXPECT_EQ(TypedError("note", R"({"type":"letter"})"),
            R"(json: "type" is "letter", but type is "note")");
  // A "type" that names no event at all still reads as a mismatch.
  EXPECT_EQ(TypedError("note", R"({"type":"typo"})"),
            R"(json: "type" is "typo", but type is "note")");
  EXPECT_EQ(TypedError("note", R"({"type":7})"), "type: expected a string, got 7");
  EXPECT_EQ(TypedError("note", R"({"type":"note","type":"note"})"), "type: duplicate field");
  EXPECT_EQ(TypedError("note", "[1,2]"), "expected a JSON object, got an array");
  EXPECT_EQ(TypedError("note", R"({"text":)"), "invalid JSON at byte 8: incomplete JSON");
  EXPECT_EQ(TypedError("note", "\"\xff\""), "invalid UTF-8 at byte 1");
  EXPECT_EQ(TypedError("note", R"({"text":5})"), "text: expected a string, got 5");
}

// Untrusted input never crashes: mutated and truncated bodies get an answer
// (run under ASan/UBSan with -DPUBSUB_SANITIZE=ON to check memory safety too).
TEST_F(ParseJsonTest, MutatedInputNeverCrashes) {
  const std::string seeds[] = {
      R"({"type":"kitchen","room":"r","i64":"-5","fl":"NaN","by":"Zm9v","color":"red",)"
      R"("r_inner":[{"id":1,"child":{"name":"x"}}],"m_i64":{"7":{"id":2}},"m_bool":{"true":"t"},)"
      R"("ts":"2026-11-25T10:00:00.5+01:00","dur":"-1.5s","w_db":1e-300,"st":{"a":[1,null]},)"
      R"("choice_text":"\u2028\ud83d\ude00","fm":"aB.c"})",
      R"({"type":"note","text":"hi","id":9007199254740993})",
  };
  static constexpr char kInserts[] = "{}[]\",:0-e.\x80";
  std::mt19937_64 rng(7);
  int accepted = 0;
  for (int i = 0; i < 20000; ++i) {
    std::string body = seeds[i % 2];
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !body.empty(); ++e) {
      const size_t at = rng() % body.size();
      switch (rng() % 4) {
        case 0:
          body[at] = static_cast<char>(rng());
          break;
        case 1:
          body.erase(at, 1 + rng() % 8);
          break;
        case 2:
          body.insert(at, 1, kInserts[rng() % (sizeof(kInserts) - 1)]);
          break;
        default:
          body.resize(at);
      }
    }
    auto parsed = registry_.ParseJson(body);
    if (parsed.ok()) {
      ++accepted;
      EXPECT_NE(parsed->message, nullptr);
    } else {
      EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument);
      EXPECT_FALSE(parsed.status().message().empty());
    }
  }
  EXPECT_GT(accepted, 0);  // some mutations keep the body valid
}

}  // namespace
}  // namespace pubsub_runtime_test
