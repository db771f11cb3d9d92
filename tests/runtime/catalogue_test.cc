// The catalogue assembler (pubsub/catalogue.h) on hand-made registry entries:
// what it takes from each fact, its order, and its pretty-printer. The
// generated facts and the real AsyncAPI parser are tested in
// tests/codegen/catalogue_test.cc and tests/catalogue/.
#include "pubsub/catalogue.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "boost/json.hpp"

namespace {

namespace json = boost::json;
using pubsub::Access;
using pubsub::ChannelInfo;
using pubsub::EventInfo;
using pubsub::SchemaDefinition;

constexpr SchemaDefinition kPointDefinitions[] = {
    {"t.Point", R"({"type":"object","properties":{"x":{"type":"integer"}}})"},
};

const ChannelInfo kRooms{.name = "rooms",
                         .path = "/ws/rooms/{room}",
                         .scope_field = "room",
                         .access = Access::kRole,
                         .role = "member",
                         .description = "Rooms \"of\" people.",
                         .history = {.size = 50, .ttl_seconds = 60}};
const ChannelInfo kInbox{.name = "inbox",
                         .path = "/ws/inbox",
                         .scope_field = "",
                         .access = Access::kPersonal,
                         .role = ""};
const ChannelInfo kElsewhere{.name = "elsewhere",
                             .path = "/ws/elsewhere",
                             .scope_field = "",
                             .access = Access::kAuthenticated,
                             .role = ""};

EventInfo Event(std::string_view type, const ChannelInfo& channel) {
  return EventInfo{.type = type,
                   .channel = &channel,
                   .descriptor = nullptr,
                   .default_instance = nullptr,
                   .scope_value = nullptr,
                   .write_json = nullptr};
}

const EventInfo kMoved = [] {
  EventInfo info = Event("moved", kRooms);
  info.catalogue = {
      .message_name = "t.Moved",
      .description = "Somebody moved.",
      .payload_schema =
          R"({"type":"object","properties":{"to":{"$ref":"#/components/schemas/t.Point"}}})",
      .definitions = kPointDefinitions,
      .sample = "",
      .example = R"({"type":"moved","room":"1","to":{"x":1}})",
  };
  return info;
}();
const EventInfo kAlsoMoved = [] {
  EventInfo info = kMoved;
  info.type = "also_moved";
  info.live_only = true;
  return info;
}();
const EventInfo kLetter = Event("letter", kInbox);    // no catalogue facts
const EventInfo kStray = Event("stray", kElsewhere);  // its channel is not given

json::value Document(std::vector<const ChannelInfo*> channels,
                     std::vector<const EventInfo*> events) {
  return json::parse(
      pubsub::WriteAsyncApi(channels, events, {.title = "t", .version = "1", .description = "D"}));
}

TEST(CatalogueTest, ChannelsCarryAddressParametersAndAccess) {
  const json::value doc = Document({&kRooms, &kInbox}, {&kMoved, &kLetter});
  EXPECT_EQ(doc.at("asyncapi"), "3.0.0");
  EXPECT_EQ(doc.at("info").at("title"), "t");
  EXPECT_TRUE(doc.at("info").at("description").as_string().starts_with("D\n\n"));
  const json::value& rooms = doc.at("channels").at("rooms");
  EXPECT_EQ(rooms.at("address"), "/ws/rooms/{room}");
  EXPECT_EQ(rooms.at("parameters").at("room").at("location"), "$message.payload#/room");
  EXPECT_EQ(rooms.at("x-pubsub-access"), json::parse(R"({"rule":"role","role":"member"})"));
  const std::string description(rooms.at("description").as_string());
  EXPECT_TRUE(description.starts_with("Rooms \"of\" people.\n\nAccess: users whose token"))
      << description;
  EXPECT_EQ(rooms.at("x-pubsub-history"), json::parse(R"({"size":50,"ttl_seconds":60})"));
  const json::value& inbox = doc.at("channels").at("inbox");
  EXPECT_FALSE(inbox.as_object().contains("parameters"));
  EXPECT_FALSE(inbox.as_object().contains("x-pubsub-history"));
  EXPECT_EQ(inbox.at("x-pubsub-access").at("rule"), "personal");
  EXPECT_EQ(doc.at("operations").at("inbox").at("messages").at(0).at("$ref"),
            "#/channels/inbox/messages/letter");
}

TEST(CatalogueTest, MessagesSpliceTheFactsIn) {
  const json::value doc = Document({&kRooms, &kInbox}, {&kMoved, &kLetter});
  const json::value& moved = doc.at("components").at("messages").at("moved");
  EXPECT_EQ(moved.at("title"), "t.Moved");
  EXPECT_EQ(moved.at("description"), "Somebody moved.");
  EXPECT_EQ(moved.at("payload").at("properties").at("to").at("$ref"),
            "#/components/schemas/t.Point");
  EXPECT_EQ(moved.at("examples").at(0).at("payload"),
            json::parse(R"({"type":"moved","room":"1","to":{"x":1}})"));
  EXPECT_EQ(doc.at("components").at("schemas").at("t.Point").at("type"), "object");
  // An entry without facts still gets a message, with an open payload.
  const json::value& letter = doc.at("components").at("messages").at("letter");
  EXPECT_EQ(letter.at("payload"), json::object());
  EXPECT_FALSE(letter.as_object().contains("examples"));
  EXPECT_FALSE(moved.as_object().contains("x-pubsub-live-only"));
}

TEST(CatalogueTest, LiveOnlyEventsAreMarked) {
  const json::value doc = Document({&kRooms}, {&kMoved, &kAlsoMoved});
  EXPECT_EQ(doc.at("components").at("messages").at("also_moved").at("x-pubsub-live-only"), true);
  const std::string page = pubsub::WriteChannelMarkdown(
      kRooms, std::vector<const EventInfo*>{&kMoved, &kAlsoMoved}, {.title = "t", .version = "1"});
  EXPECT_NE(page.find("- **History:** the last 50 events of each topic, kept 60 s"),
            std::string::npos)
      << page;
  EXPECT_NE(page.find("Live only: not kept"), std::string::npos) << page;
}

TEST(CatalogueTest, OrderIsByNameAndDefinitionsAreShared) {
  const std::string forward =
      pubsub::WriteAsyncApi(std::vector<const ChannelInfo*>{&kRooms, &kInbox},
                            std::vector<const EventInfo*>{&kMoved, &kAlsoMoved, &kLetter},
                            {.title = "t", .version = "1"});
  const std::string backward =
      pubsub::WriteAsyncApi(std::vector<const ChannelInfo*>{&kInbox, &kRooms},
                            std::vector<const EventInfo*>{&kLetter, &kAlsoMoved, &kMoved},
                            {.title = "t", .version = "1"});
  EXPECT_EQ(forward, backward);
  EXPECT_LT(forward.find("\"inbox\": {"), forward.find("\"rooms\": {"));
  EXPECT_LT(forward.find("\"also_moved\": {"), forward.find("\"moved\": {"));
  const json::value doc = json::parse(forward);
  EXPECT_EQ(doc.at("components").at("schemas").as_object().size(), 1u);
}

TEST(CatalogueTest, EventsOfChannelsNotGivenAreLeftOut) {
  const json::value doc = Document({&kRooms}, {&kMoved, &kStray});
  EXPECT_FALSE(doc.at("components").at("messages").as_object().contains("stray"));
  EXPECT_FALSE(doc.at("channels").as_object().contains("elsewhere"));
}

TEST(CatalogueTest, MarkdownShowsAddressAccessAndPrettyExamples) {
  const std::vector<const EventInfo*> events = {&kMoved, &kLetter, &kStray};
  const std::string page =
      pubsub::WriteChannelMarkdown(kRooms, events, {.title = "t", .version = "1"});
  EXPECT_TRUE(page.starts_with("# Channel `rooms`\n\nRooms \"of\" people.\n\n")) << page;
  EXPECT_NE(page.find("- **Address:** `/ws/rooms/{room}`"), std::string::npos) << page;
  EXPECT_NE(page.find("- **Scope:** `room`"), std::string::npos) << page;
  EXPECT_NE(page.find("role \"member\""), std::string::npos) << page;
  EXPECT_NE(page.find("## `moved`\n\nSomebody moved.\n\nMessage `t.Moved`.\n\n```json\n{\n"
                      "  \"type\": \"moved\",\n  \"room\": \"1\",\n  \"to\": {\"x\": 1}\n}\n```\n"),
            std::string::npos)
      << page;
  EXPECT_EQ(page.find("letter"), std::string::npos);

  const std::string empty =
      pubsub::WriteChannelMarkdown(kElsewhere, {}, {.title = "t", .version = "1"});
  EXPECT_NE(empty.find("No events are declared on this channel."), std::string::npos);
}

TEST(PrettyJsonTest, IndentsContainersAndKeepsTokens) {
  using pubsub::internal::PrettyJson;
  EXPECT_EQ(PrettyJson("{}"), "{}");
  EXPECT_EQ(PrettyJson("[]"), "[]");
  EXPECT_EQ(PrettyJson("42"), "42");
  EXPECT_EQ(PrettyJson(R"({"a":1,"b":"x"})"), "{\"a\": 1, \"b\": \"x\"}");
  EXPECT_EQ(PrettyJson(R"({"a":[1,2],"b":{}})"), "{\n  \"a\": [1, 2],\n  \"b\": {}\n}");
  EXPECT_EQ(PrettyJson(R"({"a":{"b":[{"c":1}]}})"),
            "{\n  \"a\": {\n    \"b\": [\n      {\"c\": 1}\n    ]\n  }\n}");
  // Punctuation inside strings is not structure.
  EXPECT_EQ(PrettyJson(R"({"k{":"v,\"}[","n":null})"), R"({"k{": "v,\"}[", "n": null})");
  // A long object of scalars is spread over lines.
  const std::string long_value(80, 'x');
  EXPECT_EQ(PrettyJson("{\"a\":\"" + long_value + "\",\"b\":-1.5e3}"),
            "{\n  \"a\": \"" + long_value + "\",\n  \"b\": -1.5e3\n}");
  // Spaces in the input are not kept.
  EXPECT_EQ(PrettyJson(" { \"a\" : [ true , false ] } "), "{\n  \"a\": [true, false]\n}");
}

TEST(PrettyJsonTest, MalformedInputEndsWithoutOverrunning) {
  using pubsub::internal::PrettyJson;
  for (std::string_view bad : {"{", "[", "{\"a\"", "{\"a\":", "\"open", "[1,", "}", "{]", "[{]]",
                               "{\"a\":\"\\", ",,,", ""}) {
    static_cast<void>(PrettyJson(bad));  // terminates; the text is unspecified
  }
}

}  // namespace
