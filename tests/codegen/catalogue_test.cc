// The catalogue facts in generated code (EventInfo::catalogue) and the
// documents assembled from them:
// - every event's example is exactly what the generated writer renders for
//   its sample event (the sample and kitchen schemas, every kind of field);
// - the document and pages a program assembles from its registry are the
//   ones the plugin wrote into generated/ (one assembler, no drift);
// - the JSON Schemas say what the JSON rules say.
// tests/catalogue/ validates the documents with a real AsyncAPI parser.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "book_requests.pubsub.h"
#include "boost/json.hpp"
#include "broadcasts.pubsub.h"
#include "codegen_test/catalogue.pubsub.h"
#include "codegen_test/imports_channel.pubsub.h"
#include "codegen_test/kitchen.pubsub.h"
#include "codegen_test/types.pubsub.h"
#include "comments.pubsub.h"
#include "forum.pubsub.h"
#include "gtest/gtest.h"
#include "notifications.pubsub.h"
#include "pubsub/catalogue.h"
#include "pubsub/registry.h"

namespace {

namespace json = boost::json;

void RegisterSample(pubsub::Registry& registry) {
  ASSERT_TRUE(sample::RegisterBroadcastsSchema(registry).ok());
  ASSERT_TRUE(sample::RegisterCommentsSchema(registry).ok());
  ASSERT_TRUE(sample::RegisterForumSchema(registry).ok());
  ASSERT_TRUE(sample::RegisterBookRequestsSchema(registry).ok());
  ASSERT_TRUE(sample::RegisterNotificationsSchema(registry).ok());
}

void RegisterKitchen(pubsub::Registry& registry) {
  ASSERT_TRUE(codegen_test::types::RegisterTypesSchema(registry).ok());
  ASSERT_TRUE(codegen_test::RegisterKitchenSchema(registry).ok());
  ASSERT_TRUE(codegen_test::more::RegisterImportsChannelSchema(registry).ok());
  ASSERT_TRUE(codegen_test::catalogue::RegisterCatalogueSchema(registry).ok());
}

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A value at a path of object keys.
const json::value& At(const json::value& root, std::initializer_list<std::string_view> keys) {
  const json::value* value = &root;
  for (std::string_view key : keys) {
    const json::object* object = value->if_object();
    if (object == nullptr || !object->contains(key)) {
      ADD_FAILURE() << "no key " << key;
      static const json::value kNull;
      return kNull;
    }
    value = &object->at(key);
  }
  return *value;
}

class CatalogueTest : public testing::Test {
 protected:
  void SetUp() override {
    RegisterSample(sample_);
    RegisterKitchen(kitchen_);
  }
  pubsub::Registry sample_;
  pubsub::Registry kitchen_;
};

TEST_F(CatalogueTest, EveryExampleIsTheGeneratedWritersJsonOfTheSample) {
  int checked = 0;
  for (const pubsub::Registry* registry : {&sample_, &kitchen_}) {
    for (const pubsub::EventInfo* info : registry->events()) {
      SCOPED_TRACE(info->type);
      ASSERT_FALSE(info->catalogue.sample.empty());
      auto sample = registry->Decode(*info, info->catalogue.sample);
      ASSERT_TRUE(sample.ok()) << sample.status();
      EXPECT_EQ(pubsub::Registry::RenderJson(*info, **sample), info->catalogue.example);
      // The example parses back to the sample: it is a publishable event.
      auto parsed = registry->ParseJson(info->catalogue.example);
      ASSERT_TRUE(parsed.ok()) << parsed.status();
      EXPECT_EQ((*parsed->message).SerializeAsString(), (**sample).SerializeAsString());
      ++checked;
    }
  }
  EXPECT_EQ(checked, 11 + 5);  // the sample's events, the kitchen's
}

TEST_F(CatalogueTest, TheRegistrysDocumentIsThePluginsFile) {
  const pubsub::CatalogueInfo info{.title = "sample", .version = "0.0.0"};
  const std::filesystem::path generated = PUBSUB_GENERATED_DIR;
  EXPECT_EQ(pubsub::WriteAsyncApi(sample_, info), ReadFile(generated / "sample.asyncapi.json"));
  for (const pubsub::ChannelInfo* channel : sample_.channels()) {
    EXPECT_EQ(pubsub::WriteChannelMarkdown(*channel, sample_.events(), info),
              ReadFile(generated / "sample" / (std::string(channel->name) + ".md")))
        << channel->name;
  }
}

TEST_F(CatalogueTest, ChannelsCarryTheirScopeAndAccess) {
  const json::value doc =
      json::parse(pubsub::WriteAsyncApi(kitchen_, {.title = "kitchen", .version = "1"}));
  EXPECT_EQ(At(doc, {"asyncapi"}), "3.0.0");
  EXPECT_EQ(At(doc, {"info", "version"}), "1");
  const json::value& rooms = At(doc, {"channels", "rooms"});
  EXPECT_EQ(At(rooms, {"address"}), "/ws/rooms/{room_id}");
  EXPECT_EQ(At(rooms, {"parameters", "room_id", "location"}), "$message.payload#/room_id");
  EXPECT_EQ(At(rooms, {"x-pubsub-access"}), json::parse(R"({"rule":"role","role":"member"})"));
  EXPECT_EQ(At(rooms, {"messages", "knock", "$ref"}), "#/components/messages/knock");
  const json::value& inbox = At(doc, {"channels", "inbox"});
  EXPECT_FALSE(inbox.as_object().contains("parameters"));
  EXPECT_EQ(At(inbox, {"x-pubsub-access", "rule"}), "personal");
  // A channel without events is described, with no messages to send.
  EXPECT_TRUE(At(doc, {"channels", "silent", "messages"}).as_object().empty());
  EXPECT_FALSE(At(doc, {"operations", "silent"}).as_object().contains("messages"));
  EXPECT_EQ(At(doc, {"operations", "rooms", "action"}), "send");
  EXPECT_EQ(At(doc, {"components", "securitySchemes", "bearer", "bearerFormat"}), "JWT");
}

TEST_F(CatalogueTest, SchemasFollowTheJsonRules) {
  const json::value doc =
      json::parse(pubsub::WriteAsyncApi(kitchen_, {.title = "kitchen", .version = "1"}));
  const json::value& payload = At(doc, {"components", "messages", "room_event", "payload"});
  EXPECT_EQ(At(payload, {"properties", "type"}), json::parse(R"({"const":"room_event"})"));
  // Optional and message fields may be absent; the rest are always written.
  EXPECT_EQ(At(payload, {"required"}), json::parse(R"(["type","room_id"])"));
  EXPECT_EQ(At(payload, {"additionalProperties"}), false);
  EXPECT_EQ(At(payload, {"properties", "scalars", "$ref"}),
            "#/components/schemas/codegen_test.Scalars");

  const json::value& scalars = At(doc, {"components", "schemas", "codegen_test.Scalars"});
  EXPECT_EQ(At(scalars, {"properties", "f_int64", "type"}), "string");
  EXPECT_EQ(At(scalars, {"properties", "f_uint64", "pattern"}), "^[0-9]+$");
  EXPECT_EQ(At(scalars, {"properties", "id", "type"}), "integer");  // int64_as_number
  EXPECT_EQ(At(scalars, {"properties", "f_bytes", "contentEncoding"}), "base64");
  // Enum values as their json_value or name; an alias is not a second value.
  EXPECT_EQ(At(scalars, {"properties", "color", "enum"}),
            json::parse(R"(["COLOR_UNSPECIFIED","red","COLOR_GREEN",)"
                        R"("quote\" backslash\\ é ?? \u2028"])"));

  const json::value& known = At(doc, {"components", "schemas", "codegen_test.WellKnown"});
  EXPECT_EQ(At(known, {"properties", "timestamp", "format"}), "date-time");
  EXPECT_EQ(At(known, {"properties", "null_value", "type"}), "null");
  EXPECT_EQ(At(known, {"properties", "w_id", "type"}), "integer");
  EXPECT_EQ(At(known, {"properties", "w_int64", "type"}), "string");
  // Every field but the NullValue enum is a message there.
  EXPECT_EQ(At(known, {"required"}), json::parse(R"(["null_value"])"));

  const json::value& maps = At(doc, {"components", "schemas", "codegen_test.Maps"});
  EXPECT_EQ(At(maps, {"properties", "m_bool", "propertyNames", "enum"}),
            json::parse(R"(["true","false"])"));
  EXPECT_EQ(At(maps, {"properties", "m_ids", "additionalProperties", "type"}), "integer");

  // A recursive type refers to itself by name.
  EXPECT_EQ(At(doc, {"components", "schemas", "codegen_test.Tree", "properties", "children",
                     "items", "$ref"}),
            "#/components/schemas/codegen_test.Tree");
  // Oneof members and proto3 optional fields are not required.
  EXPECT_EQ(At(doc, {"components", "schemas", "codegen_test.Mixed", "required"}),
            json::parse(R"(["always"])"));
}

TEST_F(CatalogueTest, TheDocumentDoesNotDependOnRegistrationOrder) {
  pubsub::Registry reversed;
  ASSERT_TRUE(sample::RegisterNotificationsSchema(reversed).ok());
  ASSERT_TRUE(sample::RegisterBookRequestsSchema(reversed).ok());
  ASSERT_TRUE(sample::RegisterForumSchema(reversed).ok());
  ASSERT_TRUE(sample::RegisterCommentsSchema(reversed).ok());
  ASSERT_TRUE(sample::RegisterBroadcastsSchema(reversed).ok());
  const pubsub::CatalogueInfo info{.title = "t", .version = "v"};
  EXPECT_EQ(pubsub::WriteAsyncApi(reversed, info), pubsub::WriteAsyncApi(sample_, info));
}

TEST_F(CatalogueTest, ChannelsCarryTheirProtoComment) {
  EXPECT_EQ(pubsub::ChannelTraits<codegen_test::catalogue::Shelves>::Info().description,
            "Shelves, scoped by an unsigned 64-bit id (a string in the JSON).");
  const pubsub::EventInfo& inventory =
      pubsub::EventTraits<codegen_test::catalogue::Inventory>::Info();
  EXPECT_EQ(inventory.catalogue.message_name, "codegen_test.catalogue.Inventory");
  EXPECT_EQ(inventory.catalogue.description,
            "Everything on a shelf: every kind of field the JSON writer handles.");
}

}  // namespace
