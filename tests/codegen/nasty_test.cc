// The generated code of the nasty schema (proto/codegen_test/nasty.proto,
// nasty-no-package.proto): that it compiles at all is most of the test (with
// -Werror, see CMakeLists.txt); here, the exact JSON of the cases it exists
// for, and the typed API of events named like the generated code's members.
#include <string>
#include <vector>

#include "codegen_test/nasty-no-package.pubsub.h"
#include "codegen_test/nasty.pubsub.h"
#include "gtest/gtest.h"
#include "pubsub/embedded_bus.h"
#include "pubsub/publisher.h"
#include "pubsub/registry.h"

namespace {

namespace nasty = codegen_test::nasty;

template <class M>
std::string Json(const M& message) {
  std::string out;
  pubsub::internal::JsonWriter writer(out);
  using nasty::WriteJson;
  WriteJson(message, writer);
  return out;
}

TEST(NastyJsonTest, FieldlessEventIsJustItsType) {
  EXPECT_EQ(nasty::RenderJson(nasty::Nothing()), R"({"type":"nothing"})");
  EXPECT_EQ(Json(nasty::Hollow()), "{}");
}

TEST(NastyJsonTest, OnlyAbsentFieldsNeedNoCommaBeforeTheFirst) {
  nasty::Sparse sparse;
  EXPECT_EQ(nasty::RenderJson(sparse), R"({"type":"sparse"})");
  sparse.mutable_c();
  EXPECT_EQ(nasty::RenderJson(sparse), R"({"type":"sparse","c":{}})");
  sparse.mutable_b_hollow();
  sparse.set_a("");
  EXPECT_EQ(nasty::RenderJson(sparse), R"({"type":"sparse","a":"","b_hollow":{},"c":{}})");

  nasty::AllAbsent absent;
  EXPECT_EQ(Json(absent), "{}");
  absent.set_d(google::protobuf::NULL_VALUE);
  EXPECT_EQ(Json(absent), R"({"d":null})");
  absent.set_c_null(google::protobuf::NULL_VALUE);
  EXPECT_EQ(Json(absent), R"({"c_null":null,"d":null})");
}

TEST(NastyJsonTest, NullValueIsNullInEveryPosition) {
  nasty::Nulls nulls;
  EXPECT_EQ(nasty::RenderJson(nulls),
            R"({"type":"nulls","plain":null,"many":[],"by_key":{},"by_number":{},"masks":[]})");
  nulls.set_maybe(google::protobuf::NULL_VALUE);
  nulls.set_either_null(google::protobuf::NULL_VALUE);
  nulls.add_many(google::protobuf::NULL_VALUE);
  nulls.add_many(google::protobuf::NULL_VALUE);
  (*nulls.mutable_by_key())["k"] = google::protobuf::NULL_VALUE;
  (*nulls.mutable_by_number())[-7] = google::protobuf::NULL_VALUE;
  EXPECT_EQ(nasty::RenderJson(nulls),
            R"({"type":"nulls","plain":null,"maybe":null,"either_null":null,"many":[null,null],)"
            R"("by_key":{"k":null},"by_number":{"-7":null},"masks":[]})");
}

TEST(NastyJsonTest, NamesAreTheProtoNamesWhateverTheirCppAccessors) {
  nasty::Names names;
  names.set_class_(1);
  names.set_null(2);      // NULL: protobuf lowercases the accessor
  names.set_foobar("f");  // FooBar
  names.set__leading("l");
  names.set_with_json_name("j");
  const std::string json = Json(names);
  for (const char* key :
       {R"("class":1,)", R"("NULL":2,)", R"("nullptr":false,)", R"("this":0,)", R"("message":"",)",
        R"("writer":"",)", R"("first":false,)", R"("type":"",)", R"("FooBar":"f",)",
        R"("_leading":"l",)", R"("trailing_":"",)", R"("double__underscore":"",)", R"("a_1b":"",)",
        R"("ALLCAPS":"",)", R"("camelCase":"",)", R"("with_json_name":"j",)",
        R"("descriptor_":"")"}) {
    EXPECT_NE(json.find(key), std::string::npos) << key << " in " << json;
  }
}

TEST(NastyJsonTest, EnumEdges) {
  nasty::Scalars scalars;
  auto weird = [&](nasty::Weird value) {
    scalars.set_f_weird(value);
    const std::string json = Json(scalars);
    const size_t at = json.find(R"("f_weird":)");
    return json.substr(at + 10, json.find(",\"f_null\"") - at - 10);
  };
  EXPECT_EQ(weird(nasty::WEIRD_MIN), "\"m\xc3\xafn \xc3\xbc\"");
  EXPECT_EQ(weird(nasty::WEIRD_MAX), "\"\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xf0\x9f\x98\x80\"");
  EXPECT_EQ(weird(nasty::WEIRD_ALIAS_OF_MAX), weird(nasty::WEIRD_MAX));
  EXPECT_EQ(weird(nasty::WEIRD_QUOTE), R"("\"quoted\" \\ */ $x$ \u2028")");
  EXPECT_EQ(weird(nasty::and_eq_), R"("and_eq")");
  EXPECT_EQ(weird(static_cast<nasty::Weird>(99)), "99");
}

TEST(NastyJsonTest, DeprecatedFieldsAreStillWritten) {
  nasty::Old old;
  old.set_kept(1);
  old.set_retired(nasty::RETIRED_UNSPECIFIED);
  EXPECT_EQ(Json(old), R"({"kept":1,"gone":0,"many_gone":[],"map_gone":{},)"
                       R"("retired":"RETIRED_UNSPECIFIED","retired_gone":"RETIRED_UNSPECIFIED"})");
}

TEST(NastyJsonTest, FieldMaskPathsInLowerCamelCase) {
  nasty::Nulls nulls;
  nulls.mutable_mask()->add_paths("user.display_name");
  nulls.mutable_mask()->add_paths("foo_1bar");
  nulls.add_masks()->add_paths("m[\"k_1\"].v_w");
  EXPECT_EQ(nasty::RenderJson(nulls),
            R"({"type":"nulls","plain":null,"many":[],"by_key":{},"by_number":{},)"
            R"("mask":"user.displayName,foo1bar","masks":["m[\"k_1\"].vW"]})");
}

TEST(NastyJsonTest, NestedEventsAndGlobalNamespace) {
  nasty::Container::Opened opened;
  opened.set_why(google::protobuf::NULL_VALUE);
  EXPECT_EQ(nasty::RenderJson(opened), R"({"type":"container_opened","why":null})");
  nasty::Container_Closed closed;
  closed.set_id(18446744073709551615u);
  EXPECT_EQ(nasty::RenderJson(closed), R"({"type":"class","id":18446744073709551615})");

  NpKeyed keyed;
  keyed.set_key(-3);
  keyed.set_color(NP_COLOR_RED);
  EXPECT_EQ(::RenderJson(keyed), R"({"type":"np_keyed","key":"-3","color":"r"})");
  EXPECT_EQ(pubsub::EventTraits<NpKeyed>::Info().scope_value(keyed), "-3");
}

TEST(NastyRegistryTest, EveryFileRegisters) {
  pubsub::Registry registry;
  ASSERT_TRUE(nasty::RegisterNastySchema(registry).ok());
  ASSERT_TRUE(RegisterNastyNoPackageSchema(registry).ok());
  for (const char* type :
       {"nothing", "everything", "nulls", "handlers", "publish", "publish_to_user", "topical",
        "container_opened", "class", "sparse", "np_visitor", "np_keyed"}) {
    EXPECT_NE(registry.FindEvent(type), nullptr) << type;
  }
  EXPECT_EQ(pubsub::ChannelTraits<nasty::ById>::Info().role, "r\xc3\xb4le \"quoted\" \\ $x$");
}

// Events named Handlers, Publish and PublishToUser, and scopes named id and
// topic (Subscribe's locals), through the typed API.
TEST(NastyTypedApiTest, EventsNamedLikeTheGeneratedMembers) {
  pubsub::EmbeddedBus bus;
  pubsub::Publisher publisher(bus);
  std::vector<std::string> calls;

  auto lobby = nasty::LobbySubscriber::Subscribe(
      bus, {.on_nothing = [&](const nasty::Nothing&,
                              const pubsub::EventMeta&) { calls.push_back("nothing"); },
            .on_handlers =
                [&](const nasty::Handlers& event, const pubsub::EventMeta&) {
                  calls.push_back("handlers " + std::to_string(event.count()));
                }});
  auto by_id = nasty::ByIdSubscriber::Subscribe(
      bus, "7",
      {.on_publish =
           [&](const nasty::Publish& event, const pubsub::EventMeta&) {
             calls.push_back("publish " + std::to_string(event.id()));
           },
       .on_class =
           [&](const nasty::Container::Closed& event, const pubsub::EventMeta&) {
             calls.push_back("class " + std::to_string(event.id()));
           }});
  auto by_topic = nasty::ByTopicSubscriber::Subscribe(
      bus, "t", {.on_topical = [&](const nasty::Topical&, const pubsub::EventMeta&) {
        calls.push_back("topical");
      }});
  auto mailbox = nasty::MailboxSubscriber::Subscribe(
      bus, "u1", {.on_publish_to_user = [&](const nasty::PublishToUser&, const pubsub::EventMeta&) {
        calls.push_back("publish_to_user");
      }});

  nasty::LobbyPublisher(publisher).Publish(nasty::Nothing());
  nasty::Handlers handlers;
  handlers.set_count(2);
  nasty::LobbyPublisher(publisher).Publish(handlers);
  nasty::Publish publish;
  publish.set_id(7);
  nasty::ByIdPublisher(publisher).Publish(publish);
  publish.set_id(8);  // another scope: not delivered
  nasty::ByIdPublisher(publisher).Publish(publish);
  nasty::Container::Closed closed;
  closed.set_id(7);
  nasty::ByIdPublisher(publisher).Publish(closed);
  nasty::Topical topical;  // its scope field is deprecated: set it without a warning
  topical.GetReflection()->SetString(&topical, topical.GetDescriptor()->FindFieldByName("topic"),
                                     "t");
  nasty::ByTopicPublisher(publisher).Publish(topical);
  nasty::MailboxPublisher(publisher).PublishToUser("u1", nasty::PublishToUser());

  EXPECT_EQ(calls, (std::vector<std::string>{"nothing", "handlers 2", "publish 7", "class 7",
                                             "topical", "publish_to_user"}));
}

}  // namespace
