// The generated JSON writers on the generator's test schema
// (proto/codegen_test/kitchen.proto): exact output for each kind of field,
// including the comma logic around fields that may be absent.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "codegen_test/imports_channel.pubsub.h"
#include "codegen_test/kitchen.pubsub.h"
#include "codegen_test/types.pubsub.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "pubsub/registry.h"

namespace {

template <class M>
std::string Json(const M& message) {
  std::string out;
  pubsub::internal::JsonWriter writer(out);
  using codegen_test::WriteJson;
  WriteJson(message, writer);
  return out;
}

TEST(KitchenJsonTest, ScalarDefaultsAreAllWritten) {
  EXPECT_EQ(Json(codegen_test::Scalars()),
            R"({"f_double":0,"f_float":0,"f_int32":0,"f_int64":"0","f_uint32":0,)"
            R"("f_uint64":"0","f_sint32":0,"f_sint64":"0","f_fixed32":0,"f_fixed64":"0",)"
            R"("f_sfixed32":0,"f_sfixed64":"0","f_bool":false,"f_string":"","f_bytes":"",)"
            R"("id":0,"big":0,"color":"COLOR_UNSPECIFIED"})");
}

TEST(KitchenJsonTest, IntegerLimits) {
  codegen_test::Scalars m;
  m.set_f_int32(std::numeric_limits<int32_t>::min());
  m.set_f_int64(std::numeric_limits<int64_t>::min());
  m.set_f_uint32(std::numeric_limits<uint32_t>::max());
  m.set_f_uint64(std::numeric_limits<uint64_t>::max());
  m.set_f_sint64(std::numeric_limits<int64_t>::max());
  m.set_id(9007199254740993);  // 2^53 + 1: exact as a number here, not in a browser
  m.set_big(std::numeric_limits<uint64_t>::max());
  const std::string json = Json(m);
  EXPECT_NE(json.find(R"("f_int32":-2147483648,)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("f_int64":"-9223372036854775808",)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("f_uint32":4294967295,)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("f_uint64":"18446744073709551615",)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("f_sint64":"9223372036854775807",)"), std::string::npos) << json;
  EXPECT_NE(json.find(R"("id":9007199254740993,"big":18446744073709551615,)"), std::string::npos)
      << json;
}

TEST(KitchenJsonTest, NonFiniteFloatsAreStrings) {
  codegen_test::Scalars m;
  m.set_f_double(std::numeric_limits<double>::quiet_NaN());
  m.set_f_float(-std::numeric_limits<float>::infinity());
  const std::string json = Json(m);
  EXPECT_EQ(json.substr(0, 40), R"({"f_double":"NaN","f_float":"-Infinity",)");
}

TEST(KitchenJsonTest, BytesAreBase64AndStringsEscaped) {
  codegen_test::Scalars m;
  m.set_f_bytes(std::string("\x00\xff\x10", 3));
  m.set_f_string(std::string("a\"b\\c\n\x01\0d\xe2\x80\xa8", 12));
  const std::string json = Json(m);
  EXPECT_NE(json.find(R"("f_string":"a\"b\\c\n\u0001\u0000d\u2028","f_bytes":"AP8Q",)"),
            std::string::npos)
      << json;
}

TEST(KitchenJsonTest, EnumsUseJsonValueThenNameThenNumber) {
  codegen_test::Scalars m;
  m.set_color(codegen_test::types::COLOR_CRIMSON);  // an alias of COLOR_RED
  EXPECT_NE(Json(m).find(R"("color":"red"})"), std::string::npos);
  m.set_color(codegen_test::types::COLOR_GREEN);
  EXPECT_NE(Json(m).find(R"("color":"COLOR_GREEN"})"), std::string::npos);
  m.set_color(static_cast<codegen_test::types::Color>(77));  // unknown to this schema
  EXPECT_NE(Json(m).find(R"("color":77})"), std::string::npos);
  m.set_color(codegen_test::types::COLOR_ODD);
  EXPECT_NE(Json(m).find("\"color\":\"quote\\\" backslash\\\\ \xc3\xa9 ?? \\u2028\"}"),
            std::string::npos)
      << Json(m);
}

TEST(KitchenJsonTest, RepeatedFields) {
  codegen_test::Repeateds m;
  EXPECT_EQ(Json(m),
            R"({"r_int32":[],"r_int64":[],"r_ids":[],"r_double":[],"r_string":[],"r_bytes":[],)"
            R"("r_bool":[],"r_color":[],"r_point":[],"r_timestamp":[],"r_empty":[],"r_float":[],)"
            R"("r_uint64":[]})");
  m.add_r_int32(1);
  m.add_r_int32(-2);
  m.add_r_int64(3);
  m.add_r_ids(4);
  m.add_r_ids(5);
  m.add_r_string("x");
  m.add_r_bool(true);
  m.add_r_color(codegen_test::types::COLOR_RED);
  m.add_r_color(codegen_test::types::COLOR_GREEN);
  m.add_r_point()->set_x(1);
  m.add_r_point();
  m.add_r_timestamp()->set_seconds(1);
  m.add_r_empty();
  m.add_r_empty();
  m.add_r_float(0.1f);
  m.add_r_uint64(18446744073709551615u);
  EXPECT_EQ(Json(m),
            R"({"r_int32":[1,-2],"r_int64":["3"],"r_ids":[4,5],"r_double":[],"r_string":["x"],)"
            R"("r_bytes":[],"r_bool":[true],"r_color":["red","COLOR_GREEN"],)"
            R"("r_point":[{"x":1,"y":0},{"x":0,"y":0}],"r_timestamp":["1970-01-01T00:00:01Z"],)"
            R"("r_empty":[{},{}],"r_float":[0.1],"r_uint64":["18446744073709551615"]})");
}

TEST(KitchenJsonTest, MapKeysAreAlwaysStrings) {
  codegen_test::Maps m;
  (*m.mutable_m_string())["k\"ey"] = "v";
  (*m.mutable_m_int32())[-1] = 2;
  (*m.mutable_m_int64())[-5] = 6;
  (*m.mutable_m_uint32())[7] = true;
  (*m.mutable_m_uint64())[18446744073709551615u] = 0.5;
  (*m.mutable_m_sint32())[3] = "\x01";
  (*m.mutable_m_fixed64())[9] = 1.5f;
  (*m.mutable_m_bool())[true] = "yes";
  (*m.mutable_m_point())["p"].set_y(4);
  (*m.mutable_m_color())["c"] = codegen_test::types::COLOR_RED;
  (*m.mutable_m_timestamp())["t"].set_nanos(1000000);
  (*m.mutable_m_ids())["i"] = 8;
  EXPECT_EQ(Json(m), R"({"m_string":{"k\"ey":"v"},"m_int32":{"-1":2},"m_int64":{"-5":"6"},)"
                     R"("m_uint32":{"7":true},"m_uint64":{"18446744073709551615":0.5},)"
                     R"("m_sint32":{"3":"AQ=="},"m_fixed64":{"9":1.5},"m_bool":{"true":"yes"},)"
                     R"("m_point":{"p":{"x":0,"y":4}},"m_color":{"c":"red"},)"
                     R"("m_timestamp":{"t":"1970-01-01T00:00:00.001Z"},"m_ids":{"i":8}})");
}

TEST(KitchenJsonTest, MapWithSeveralEntriesHasCommasBetween) {
  codegen_test::Maps m;
  for (int i = 0; i < 5; ++i) (*m.mutable_m_int32())[i] = i * 10;
  const std::string json = Json(m);
  const std::string expected_start = R"({"m_string":{},"m_int32":{)";
  ASSERT_EQ(json.substr(0, expected_start.size()), expected_start);
  const size_t end = json.find('}', expected_start.size());
  const std::string entries = json.substr(expected_start.size(), end - expected_start.size());
  // Five "k":v entries in some order, four commas.
  EXPECT_EQ(std::count(entries.begin(), entries.end(), ','), 4) << entries;
  for (int i = 0; i < 5; ++i) {
    EXPECT_NE(entries.find("\"" + std::to_string(i) + "\":" + std::to_string(i * 10)),
              std::string::npos);
  }
}

TEST(KitchenJsonTest, FieldsThatMayBeAbsentGetTheirCommasRight) {
  codegen_test::Presence m;
  EXPECT_EQ(Json(m), "{}");
  m.set_o_string("s");
  EXPECT_EQ(Json(m), R"({"o_string":"s"})");
  m.set_o_id(0);  // set to its default: still written
  EXPECT_EQ(Json(m), R"({"o_string":"s","o_id":0})");
  m.set_o_int32(0);
  m.mutable_point();
  m.set_o_color(codegen_test::types::COLOR_RED);
  EXPECT_EQ(Json(m),
            R"({"o_int32":0,"o_string":"s","point":{"x":0,"y":0},"o_color":"red","o_id":0})");
  m.clear_o_string();
  m.clear_o_int32();
  EXPECT_EQ(Json(m), R"({"point":{"x":0,"y":0},"o_color":"red","o_id":0})");
}

TEST(KitchenJsonTest, OneofWritesOnlyTheSetMember) {
  codegen_test::Mixed m;
  EXPECT_EQ(Json(m), R"({"always":0})");
  m.set_c_number(-3);
  EXPECT_EQ(Json(m), R"({"c_number":"-3","always":0})");
  m.mutable_c_point()->set_x(2);
  EXPECT_EQ(Json(m), R"({"c_point":{"x":2,"y":0},"always":0})");
  m.set_first_maybe("f");
  m.set_c_color(codegen_test::types::COLOR_GREEN);
  m.set_last_maybe(false);
  m.set_s_flag(true);
  EXPECT_EQ(Json(m), R"({"first_maybe":"f","c_color":"COLOR_GREEN","always":0,"last_maybe":false,)"
                     R"("s_flag":true})");
  m.mutable_c_time()->set_seconds(-1);
  m.clear_first_maybe();
  EXPECT_NE(Json(m).find(R"({"c_time":"1969-12-31T23:59:59Z","always":0,)"), std::string::npos);
}

TEST(KitchenJsonTest, WellKnownTypes) {
  codegen_test::WellKnown m;
  EXPECT_EQ(Json(m), R"({"null_value":null})");
  *m.mutable_timestamp() =
      google::protobuf::util::TimeUtil::NanosecondsToTimestamp(1764064800123456789);
  m.mutable_duration()->set_seconds(-1);
  m.mutable_duration()->set_nanos(-500000000);
  m.mutable_w_double()->set_value(2.5);
  m.mutable_w_float()->set_value(std::numeric_limits<float>::quiet_NaN());
  m.mutable_w_int64()->set_value(-7);
  m.mutable_w_uint64()->set_value(7);
  m.mutable_w_int32()->set_value(-8);
  m.mutable_w_uint32()->set_value(8);
  m.mutable_w_bool()->set_value(false);
  m.mutable_w_string()->set_value("s");
  m.mutable_w_bytes()->set_value("hi");
  m.mutable_empty();
  m.mutable_field_mask()->add_paths("user.display_name");
  m.mutable_field_mask()->add_paths("created_at");
  m.mutable_w_id()->set_value(9);
  EXPECT_EQ(Json(m), R"({"timestamp":"2025-11-25T10:00:00.123456789Z","duration":"-1.500s",)"
                     R"("w_double":2.5,"w_float":"NaN","w_int64":"-7","w_uint64":"7","w_int32":-8,)"
                     R"("w_uint32":8,"w_bool":false,"w_string":"s","w_bytes":"aGk=","empty":{},)"
                     R"("field_mask":"user.displayName,createdAt","null_value":null,"w_id":9})");
}

// Paths that FieldMaskUtil::ToJsonString refuses (digits, doubled, leading
// or trailing underscores, capitals, quoted map keys) are still written the
// way protobuf's MessageToJsonString writes them.
TEST(KitchenJsonTest, FieldMaskPathsAreWrittenAsProtobufWritesThem) {
  const std::vector<std::vector<std::string>> cases = {
      {"user.display_name", "created_at"},
      {"foo_1bar", "a__b", "x_", "_y", "__"},
      {"fooBar", "FOO_BAR", "ABc_dEF", "a.B_c.dE"},
      {"", "a", ""},
      {"a", "", "b"},
      {"m[\"some_key\"].v_w", "q.\"quoted_part\".r_s", "a(b_c,d_e)"},
      {"Ã©tÃ©_x", "a_Ã©"},
  };
  for (const auto& paths : cases) {
    codegen_test::WellKnown m;
    for (const std::string& path : paths) m.mutable_field_mask()->add_paths(path);
    google::protobuf::util::JsonPrintOptions options;
    options.preserve_proto_field_names = true;
    std::string protobuf;
    ASSERT_TRUE(google::protobuf::util::MessageToJsonString(m, &protobuf, options).ok());
    // protobuf 3.21 writes a NullValue as "NULL_VALUE" (see differential_test.cc).
    EXPECT_EQ(Json(m), protobuf.substr(0, protobuf.size() - 1) + ",\"null_value\":null}")
        << m.ShortDebugString();
  }
}

TEST(KitchenJsonTest, KeywordFieldsKeepTheirProtoNames) {
  codegen_test::Keywords m;
  m.set_class_(1);
  m.set_new_("n");
  m.set_namespace_(true);
  EXPECT_EQ(Json(m), R"({"class":1,"new":"n","namespace":true})");
}

TEST(KitchenJsonTest, RecursiveAndNestedMessages) {
  codegen_test::Tree tree;
  tree.set_name("root");
  tree.add_children()->set_name("a");
  tree.mutable_children(0)->add_children()->set_name("a1");
  tree.mutable_parent()->set_name("up");
  EXPECT_EQ(Json(tree),
            R"({"name":"root","children":[{"name":"a","children":[{"name":"a1","children":[]}]}],)"
            R"("parent":{"name":"up","children":[]}})");

  codegen_test::Outer outer;
  outer.mutable_inner()->set_kind(codegen_test::Outer::KIND_BIG);
  outer.add_inners();
  EXPECT_EQ(Json(outer), R"({"inner":{"kind":"big"},"inners":[{"kind":"KIND_UNSPECIFIED"}],)"
                         R"("kind":"KIND_UNSPECIFIED"})");
  EXPECT_EQ(Json(codegen_test::Empty()), "{}");
}

TEST(KitchenEventTest, EventJsonPutsTypeFirst) {
  codegen_test::RoomEvent event;
  event.set_room_id(12);
  EXPECT_EQ(codegen_test::RenderJson(event), R"({"type":"room_event","room_id":"12"})");
  event.set_note("n");
  event.mutable_mixed();
  EXPECT_EQ(codegen_test::RenderJson(event),
            R"({"type":"room_event","note":"n","room_id":"12","mixed":{"always":0}})");
}

TEST(KitchenEventTest, IntegerScopeValuesAreDecimal) {
  codegen_test::RoomEvent event;
  event.set_room_id(-12);
  EXPECT_EQ(pubsub::EventTraits<codegen_test::RoomEvent>::Info().scope_value(event), "-12");
  codegen_test::RoomClosed closed;
  closed.set_room_id(4000000000u);
  EXPECT_EQ(pubsub::EventTraits<codegen_test::RoomClosed>::Info().scope_value(closed),
            "4000000000");
  const pubsub::ChannelInfo& rooms = pubsub::ChannelTraits<codegen_test::Rooms>::Info();
  EXPECT_EQ(rooms.scope_field, "room_id");
  EXPECT_EQ(rooms.access, pubsub::Access::kRole);
  EXPECT_EQ(rooms.role, "member");
}

TEST(KitchenRegistryTest, ImportedChannelsRegisterFirst) {
  pubsub::Registry in_order;
  EXPECT_TRUE(codegen_test::types::RegisterTypesSchema(in_order).ok());
  EXPECT_TRUE(codegen_test::RegisterKitchenSchema(in_order).ok());
  EXPECT_TRUE(codegen_test::more::RegisterImportsChannelSchema(in_order).ok());
  ASSERT_NE(in_order.FindEvent("knock"), nullptr);
  EXPECT_EQ(in_order.FindEvent("knock")->channel->name, "rooms");

  pubsub::Registry out_of_order;
  EXPECT_EQ(codegen_test::more::RegisterImportsChannelSchema(out_of_order).code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
