// The differential test of issue 2: thousands of randomized messages covering
// every field kind, rendered by our generated writer and by protobuf's
// MessageToJsonString, parsed back and compared as JSON values after applying
// our documented differences (int64_as_number, json_value enums, NullValue,
// "type"). Also: our JSON -> Registry::ParseJson -> the original message.
// Over proto/all_types.proto, and over every event of the generator's nasty
// schema (tests/codegen/proto/codegen_test/nasty*.proto).
#include <google/protobuf/util/field_comparator.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "all_types.pubsub.h"
#include "codegen_test/nasty-no-package.pubsub.h"
#include "codegen_test/nasty.pubsub.h"
#include "json_compare.h"
#include "pubsub/registry.h"
#include "random_message.h"

namespace pubsub_test {
namespace {

using google::protobuf::util::DefaultFieldComparator;
using google::protobuf::util::JsonPrintOptions;
using google::protobuf::util::MessageDifferencer;
using google::protobuf::util::MessageToJsonString;

constexpr uint64_t kSeed = 20261125;
constexpr int kMessages = 3000;

std::string Shorten(const std::string& s) {
  return s.size() > 2000 ? s.substr(0, 2000) + "...(" + std::to_string(s.size()) + " bytes)" : s;
}

JsonPrintOptions ProtobufOptions() {
  JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  return options;
}

// Equal, with NaN equal to NaN (a float field may hold NaN).
bool SameMessage(const google::protobuf::Message& a, const google::protobuf::Message& b,
                 std::string* report) {
  DefaultFieldComparator comparator;
  comparator.set_treat_nan_as_equal(true);
  MessageDifferencer differencer;
  differencer.set_field_comparator(&comparator);
  differencer.ReportDifferencesToString(report);
  return differencer.Compare(a, b);
}

class DifferentialTest : public ::testing::Test {
 protected:
  DifferentialTest() {
    for (const absl::Status& status :
         {RegisterAllTypesSchema(registry_), codegen_test::nasty::RegisterNastySchema(registry_),
          RegisterNastyNoPackageSchema(registry_)}) {
      EXPECT_TRUE(status.ok()) << status;
    }
  }

  // Compares our rendering of `event` with protobuf's; false (and test
  // failures naming the case) when they differ.
  template <class Event>
  bool CheckEvent(const Event& event, int index) {
    const std::string ours = RenderJson(event);
    std::string theirs;
    const auto printed = MessageToJsonString(event, &theirs, ProtobufOptions());
    if (!printed.ok()) {
      ADD_FAILURE() << "case " << index << ": protobuf cannot print it: " << printed;
      return false;
    }
    std::string error;
    const boost::json::value our_value = ParseExact(ours, error);
    if (!error.empty()) {
      ADD_FAILURE() << "case " << index << ": our JSON does not parse: " << error << "\n"
                    << Shorten(ours);
      return false;
    }
    const boost::json::value their_value = ParseExact(theirs, error);
    if (!error.empty()) {
      ADD_FAILURE() << "case " << index << ": protobuf's JSON does not parse: " << error;
      return false;
    }
    const std::vector<std::string> differences = CompareJson(
        *Event::descriptor(), our_value, their_value, pubsub::EventTraits<Event>::Info().type);
    if (!differences.empty()) {
      std::string all;
      for (const std::string& d : differences) all += d + "\n";
      ADD_FAILURE() << "case " << index << ": " << differences.size() << " differences:\n"
                    << Shorten(all) << "ours:   " << Shorten(ours)
                    << "\ntheirs: " << Shorten(theirs);
      return false;
    }
    // The registry renders through the same generated writer.
    const std::string via_registry =
        pubsub::Registry::RenderJson(pubsub::EventTraits<Event>::Info(), event);
    if (via_registry != ours) {
      ADD_FAILURE() << "case " << index << ": Registry::RenderJson differs from RenderJson";
      return false;
    }
    return true;
  }

  // Our JSON parses back into exactly the original message.
  template <class Event>
  bool CheckRoundTrip(const Event& event, int index) {
    const std::string ours = RenderJson(event);
    auto parsed = registry_.ParseJson(ours);
    if (!parsed.ok()) {
      ADD_FAILURE() << "case " << index << ": ParseJson refused our JSON: " << parsed.status()
                    << "\n"
                    << Shorten(ours);
      return false;
    }
    EXPECT_EQ(parsed->info, &pubsub::EventTraits<Event>::Info());
    std::string report;
    if (!SameMessage(*parsed->message, event, &report)) {
      ADD_FAILURE() << "case " << index << ": round trip changed the message:\n"
                    << Shorten(report) << "\nJSON: " << Shorten(ours);
      return false;
    }
    return true;
  }

  pubsub::Registry registry_;
};

TEST_F(DifferentialTest, RandomizedMessagesMatchProtobufsPrinter) {
  RandomMessageFiller filler(kSeed);
  int failures = 0;
  for (int i = 0; i < kMessages && failures < 5; ++i) {
    AllTypesEvent event;
    filler.Fill(event);
    if (!CheckEvent(event, i)) ++failures;
  }
}

TEST_F(DifferentialTest, RandomizedMessagesRoundTripThroughParseJson) {
  RandomMessageFiller filler(kSeed);
  int failures = 0;
  for (int i = 0; i < kMessages && failures < 5; ++i) {
    AllTypesEvent event;
    filler.Fill(event);
    if (event.scope().empty()) event.set_scope("s");  // ParseJson requires the scope
    if (!CheckRoundTrip(event, i)) ++failures;
  }
}

// The empty message and a message with every field at its edge values.
TEST_F(DifferentialTest, EmptyAndDefaultMessages) {
  AllTypesEvent event;
  EXPECT_TRUE(CheckEvent(event, -1));
  event.mutable_all();  // set but empty: {} with every scalar written
  event.mutable_all()->mutable_nested()->mutable_leaf();
  event.mutable_all()->mutable_empty();
  event.mutable_all()->mutable_w_string();
  event.mutable_count();
  event.set_flag(false);
  event.mutable_all()->set_o_string("");
  EXPECT_TRUE(CheckEvent(event, -2));
  event.set_scope("s");
  EXPECT_TRUE(CheckRoundTrip(event, -2));
}

// Every event of the nasty schema, both ways. A scoped event gets a scope
// value when the filler left it empty (ParseJson requires one).
template <class Event>
void SetScope(Event& event) {
  const pubsub::EventInfo& info = pubsub::EventTraits<Event>::Info();
  if (!info.scope_value(event).empty()) return;
  const auto* field = Event::descriptor()->FindFieldByName(std::string(info.channel->scope_field));
  if (field == nullptr) return;
  if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_STRING) {
    event.GetReflection()->SetString(&event, field, "s");
  }
}

class NastyDifferentialTest : public DifferentialTest {
 protected:
  template <class Event>
  void Check(int messages, uint64_t seed) {
    RandomMessageFiller filler(seed);
    int failures = 0;
    for (int i = 0; i < messages && failures < 3; ++i) {
      Event event;
      filler.Fill(event);
      SetScope(event);
      if (!CheckEvent(event, i) || !CheckRoundTrip(event, i)) ++failures;
    }
    SCOPED_TRACE(Event::descriptor()->full_name());
    Event empty;
    SetScope(empty);
    EXPECT_TRUE(CheckEvent(empty, -1) && CheckRoundTrip(empty, -1));
  }
};

constexpr int kNastyMessages = 300;

TEST_F(NastyDifferentialTest, Everything) {
  Check<codegen_test::nasty::Everything>(kNastyMessages, kSeed + 10);
}
TEST_F(NastyDifferentialTest, Nulls) {
  Check<codegen_test::nasty::Nulls>(kNastyMessages, kSeed + 11);
}
TEST_F(NastyDifferentialTest, FieldlessAndSparseEvents) {
  Check<codegen_test::nasty::Nothing>(10, kSeed + 12);
  Check<codegen_test::nasty::Sparse>(kNastyMessages, kSeed + 13);
  Check<codegen_test::nasty::Handlers>(10, kSeed + 14);
}
TEST_F(NastyDifferentialTest, ScopedAndNestedEvents) {
  Check<codegen_test::nasty::Publish>(kNastyMessages, kSeed + 15);
  Check<codegen_test::nasty::PublishToUser>(kNastyMessages, kSeed + 16);
  Check<codegen_test::nasty::Topical>(kNastyMessages, kSeed + 17);
  Check<codegen_test::nasty::Container::Opened>(kNastyMessages, kSeed + 18);
  Check<codegen_test::nasty::Container::Closed>(kNastyMessages, kSeed + 19);
}
TEST_F(NastyDifferentialTest, EventsWithoutAPackage) {
  Check<NpVisitor>(kNastyMessages, kSeed + 20);
  Check<NpKeyed>(kNastyMessages, kSeed + 21);
}

TEST_F(DifferentialTest, WriterMatchesProtobufForNestedMessagesToo) {
  // WriteJson of a non-event message: the same rules without "type".
  RandomMessageFiller filler(kSeed + 1);
  for (int i = 0; i < 300; ++i) {
    AllTypes all;
    filler.Fill(all, 2);
    std::string ours;
    pubsub::internal::JsonWriter writer(ours);
    WriteJson(all, writer);
    std::string theirs;
    ASSERT_TRUE(MessageToJsonString(all, &theirs, ProtobufOptions()).ok());
    std::string error;
    const auto a = ParseExact(ours, error);
    ASSERT_TRUE(error.empty()) << error;
    const auto b = ParseExact(theirs, error);
    ASSERT_TRUE(error.empty()) << error;
    const auto differences = CompareJson(*AllTypes::descriptor(), a, b, "");
    ASSERT_TRUE(differences.empty()) << "case " << i << ": " << differences.front();
  }
}

// The comparison itself must catch what it is there to catch.
TEST(CompareJsonTest, CatchesEachKindOfDifference) {
  const auto& d = *Leaf::descriptor();
  std::string error;
  auto parse = [&](std::string_view json) {
    auto value = ParseExact(json, error);
    EXPECT_TRUE(error.empty()) << error;
    return value;
  };
  const auto theirs = parse(R"({"name":"a","value":1,"style":"STYLED_BOLD"})");
  EXPECT_TRUE(
      CompareJson(d, parse(R"({"name":"a","value":1,"style":"bold"})"), theirs, "").empty());
  // json_value ignored, value changed, key missing, key added, order swapped.
  EXPECT_FALSE(
      CompareJson(d, parse(R"({"name":"a","value":1,"style":"STYLED_BOLD"})"), theirs, "").empty());
  EXPECT_FALSE(
      CompareJson(d, parse(R"({"name":"a","value":2,"style":"bold"})"), theirs, "").empty());
  EXPECT_FALSE(CompareJson(d, parse(R"({"name":"a","style":"bold"})"), theirs, "").empty());
  EXPECT_FALSE(
      CompareJson(d, parse(R"({"name":"a","value":1,"style":"bold","child":{}})"), theirs, "")
          .empty());
  EXPECT_FALSE(
      CompareJson(d, parse(R"({"value":1,"name":"a","style":"bold"})"), theirs, "").empty());
  // "type" required first for an event.
  EXPECT_FALSE(
      CompareJson(d, parse(R"({"name":"a","value":1,"style":"bold"})"), theirs, "x").empty());
  EXPECT_TRUE(
      CompareJson(d, parse(R"({"type":"x","name":"a","value":1,"style":"bold"})"), theirs, "x")
          .empty());

  const auto& all = *AllTypes::descriptor();
  auto compare = [&](std::string_view ours, std::string_view protobuf) {
    return CompareJson(all, parse(ours), parse(protobuf), "").size();
  };
  // int64_as_number: a number against protobuf's string, and nothing else.
  EXPECT_EQ(compare(R"({"n_int64":7})", R"({"n_int64":"7"})"), 0u);
  EXPECT_EQ(compare(R"({"n_int64":"7"})", R"({"n_int64":"7"})"), 1u);
  EXPECT_EQ(compare(R"({"n_int64":8})", R"({"n_int64":"7"})"), 1u);
  EXPECT_EQ(compare(R"({"f_int64":7})", R"({"f_int64":"7"})"), 1u);
  // Floats: same float, different text is fine; -0 is not 0; NaN is NaN.
  EXPECT_EQ(compare(R"({"f_float":0.1})", R"({"f_float":0.100000001})"), 0u);
  EXPECT_EQ(compare(R"({"f_double":0.1})", R"({"f_double":0.100000001})"), 1u);
  EXPECT_EQ(compare(R"({"f_double":-0})", R"({"f_double":0})"), 1u);
  EXPECT_EQ(compare(R"({"f_double":"NaN"})", R"({"f_double":"NaN"})"), 0u);
  EXPECT_EQ(compare(R"({"f_double":"NaN"})", R"({"f_double":"Infinity"})"), 1u);
  // Strings compare by value, whatever the escaping.
  EXPECT_EQ(compare(R"({"f_string":"< "})", R"({"f_string":"< "})"), 0u);
  EXPECT_EQ(compare(R"({"f_string":"a"})", R"({"f_string":"b"})"), 1u);
  // Maps by key, arrays by position.
  EXPECT_EQ(compare(R"({"m_int32_int32":{"1":2,"3":4}})", R"({"m_int32_int32":{"3":4,"1":2}})"),
            0u);
  EXPECT_EQ(compare(R"({"r_int32":[1,2]})", R"({"r_int32":[2,1]})"), 2u);
  // Duplicate keys in our JSON do not even parse.
  ParseExact(R"({"a":1,"a":2})", error);
  EXPECT_EQ(error, "duplicate key \"a\"");
}

}  // namespace
}  // namespace pubsub_test
