// protoc-gen-pubsub run in-process through protoc's own CommandLineInterface
// (the way protobuf tests its C++ plugin): each schema under bad/ must fail
// with its `file:line: message`, and the sample schema must generate.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "generator.h"
#include "google/protobuf/compiler/command_line_interface.h"
#include "gtest/gtest.h"

namespace {

namespace fs = std::filesystem;

struct ProtocResult {
  int exit_code;
  std::string errors;  // protoc's stderr
};

// Runs protoc with --pubsub_out on `protos` (relative to `proto_root`) into a
// fresh directory `out`.
ProtocResult RunProtoc(const std::string& proto_root, const std::vector<std::string>& protos,
                       const fs::path& out, const std::string& parameter = "") {
  fs::remove_all(out);
  fs::create_directories(out);
  google::protobuf::compiler::CommandLineInterface cli;
  pubsub::codegen::Generator generator;
  cli.RegisterGenerator("--pubsub_out", "--pubsub_opt", &generator, "Generate pub/sub C++.");

  std::vector<std::string> args = {
      "protoc",
      "--pubsub_out=" + (parameter.empty() ? "" : parameter + ":") + out.string(),
      "-I" + proto_root,
      "-I" PUBSUB_PROTO_DIR,
      "-I" PUBSUB_WKT_PROTO_DIR,
  };
  args.insert(args.end(), protos.begin(), protos.end());
  std::vector<const char*> argv;
  for (const std::string& arg : args) argv.push_back(arg.c_str());

  testing::internal::CaptureStderr();
  const int exit_code = cli.Run(static_cast<int>(argv.size()), argv.data());
  return ProtocResult{exit_code, testing::internal::GetCapturedStderr()};
}

fs::path OutDir(const std::string& name) {
  return fs::path(testing::TempDir()) / ("pubsub_codegen_" + name);
}

struct BadSchema {
  std::string name;                 // the test's name
  std::vector<std::string> protos;  // files of the run, under bad/
  std::vector<std::string> errors;  // every expected "file:line: message", in order
};

std::ostream& operator<<(std::ostream& out, const BadSchema& schema) { return out << schema.name; }

class SchemaErrorTest : public testing::TestWithParam<BadSchema> {};

TEST_P(SchemaErrorTest, FailsWithFileLineMessage) {
  const BadSchema& schema = GetParam();
  const fs::path out = OutDir(schema.name);
  const ProtocResult result = RunProtoc(PUBSUB_BAD_PROTO_DIR, schema.protos, out);

  EXPECT_NE(result.exit_code, 0);
  size_t position = 0;
  for (const std::string& error : schema.errors) {
    const size_t found = result.errors.find(error, position);
    EXPECT_NE(found, std::string::npos) << "expected, in order: " << error << "\nstderr:\n"
                                        << result.errors;
    if (found != std::string::npos) position = found + error.size();
  }
  // Nothing is written when the schema is rejected.
  EXPECT_TRUE(fs::is_empty(out)) << "generated files despite errors";
}

INSTANTIATE_TEST_SUITE_P(
    BadSchemas, SchemaErrorTest,
    testing::Values(
        BadSchema{"EventWithoutChannel",
                  {"event_without_channel.proto"},
                  {"event_without_channel.proto:6: event Orphan has no channel"}},
        BadSchema{"EventUnknownChannel",
                  {"event_unknown_channel.proto"},
                  {"event_unknown_channel.proto:6: event Lost names unknown channel \"nowhere\""}},
        BadSchema{"EventChannelNotImported",
                  {"channel_elsewhere.proto", "event_channel_not_imported.proto"},
                  {"event_channel_not_imported.proto:7: event Stray names channel \"elsewhere\", "
                   "declared in channel_elsewhere.proto, which event_channel_not_imported.proto "
                   "does not import"}},
        BadSchema{"EventWithoutType",
                  {"event_without_type.proto"},
                  {"event_without_type.proto:10: event Untyped has no type string"}},
        BadSchema{"EventBadType",
                  {"event_bad_type.proto"},
                  {"event_bad_type.proto:10: event Shouting: type \"New-Message\" must consist of "
                   "lowercase letters, digits and underscores"}},
        BadSchema{"EventFieldNamedType",
                  {"event_field_named_type.proto"},
                  {"event_field_named_type.proto:13: event Typed has a field named \"type\", which "
                   "is reserved for the type string in the JSON"}},
        BadSchema{"DuplicateType",
                  {"duplicate_type.proto"},
                  {"duplicate_type.proto:14: message Hi: duplicate event type \"hello\", already "
                   "used by message Hello at duplicate_type.proto:10"}},
        BadSchema{"DuplicateTypeAcrossFiles",
                  {"duplicate_type_a.proto", "duplicate_type_b.proto"},
                  {"duplicate_type_b.proto:10: message PingB: duplicate event type \"ping\", "
                   "already used by message PingA at duplicate_type_a.proto:11"}},
        BadSchema{"DuplicateChannelName",
                  {"duplicate_channel_name.proto"},
                  {"duplicate_channel_name.proto:10: message OtherLobby: duplicate channel name "
                   "\"lobby\", already used by message Lobby at duplicate_channel_name.proto:6"}},
        BadSchema{
            "DuplicateChannelPath",
            {"duplicate_channel_path.proto"},
            {"duplicate_channel_path.proto:10: message Hall: duplicate channel path "
             "\"/ws/lobby\", already used by message Lobby at duplicate_channel_path.proto:6"}},
        BadSchema{"ScopeFieldMissing",
                  {"scope_missing.proto"},
                  {"scope_missing.proto:15: event Post lacks the scope field \"thread_id\" of its "
                   "channel \"thread\""}},
        BadSchema{"ScopeFieldWrongType",
                  {"scope_wrong_type.proto"},
                  {"scope_wrong_type.proto:17: event Post: scope field \"thread_id\" of channel "
                   "\"thread\" must be a string or integer field, not bool"}},
        BadSchema{"ScopeFieldRepeated",
                  {"scope_repeated.proto"},
                  {"scope_repeated.proto:17: event Post: scope field \"thread_id\" of channel "
                   "\"thread\" must be a single string or integer, not a repeated field or map"}},
        BadSchema{"PathVariableNotScope",
                  {"path_variable_not_scope.proto"},
                  {"path_variable_not_scope.proto:6: channel Thread: path variable {id} is not the "
                   "scope field (scope: \"thread_id\")"}},
        BadSchema{"PathVariableOnUnscopedChannel",
                  {"path_variable_unscoped.proto"},
                  {"path_variable_unscoped.proto:6: channel Thread: path variable {id} is not the "
                   "scope field (the channel has no scope)"}},
        BadSchema{"ScopedPathWithoutVariable",
                  {"scoped_path_without_variable.proto"},
                  {"scoped_path_without_variable.proto:6: channel Thread is scoped by "
                   "\"thread_id\" but its path \"/ws/thread\" has no {thread_id} segment"}},
        BadSchema{"PathMalformed",
                  {"path_malformed.proto"},
                  {"path_malformed.proto:6: channel Thread: path \"/ws/thread-{thread_id}\" is "
                   "malformed"}},
        BadSchema{
            "PathRelative",
            {"path_relative.proto"},
            {"path_relative.proto:6: channel Lobby: path \"ws/lobby\" must start with \"/\""}},
        BadSchema{"ChannelWithoutName",
                  {"channel_without_name.proto"},
                  {"channel_without_name.proto:6: channel Lobby has no name"}},
        BadSchema{"ChannelBadName",
                  {"channel_bad_name.proto"},
                  {"channel_bad_name.proto:6: channel Lobby: name \"Main-Lobby\" must consist of "
                   "lowercase letters, digits and underscores"}},
        BadSchema{"ChannelWithoutPath",
                  {"channel_without_path.proto"},
                  {"channel_without_path.proto:6: channel Lobby has no path"}},
        BadSchema{"ChannelAccessUnspecified",
                  {"channel_access_unspecified.proto"},
                  {"channel_access_unspecified.proto:6: channel Lobby has no access rule"}},
        BadSchema{"ChannelRoleWithoutRole",
                  {"channel_role_without_role.proto"},
                  {"channel_role_without_role.proto:6: channel Admin has access ACCESS_ROLE but "
                   "no role"}},
        BadSchema{"ChannelRoleWithoutAccessRole",
                  {"channel_role_without_access_role.proto"},
                  {"channel_role_without_access_role.proto:7: channel Admin sets role "
                   "\"creator\" but its access is not ACCESS_ROLE"}},
        BadSchema{"PersonalChannelWithScope",
                  {"channel_personal_with_scope.proto"},
                  {"channel_personal_with_scope.proto:6: channel Inbox is personal "
                   "(ACCESS_PERSONAL) and cannot also have a scope"}},
        BadSchema{"ChannelWithFields",
                  {"channel_with_fields.proto"},
                  {"channel_with_fields.proto:6: channel Lobby has fields"}},
        BadSchema{"ChannelAndEvent",
                  {"channel_and_event.proto"},
                  {"channel_and_event.proto:6: message Lobby is both a channel and an event"}},
        BadSchema{"UnsupportedAny",
                  {"unsupported_any.proto"},
                  {"unsupported_any.proto:7: field Envelope.payload: google.protobuf.Any is not "
                   "supported by the JSON writer yet"}},
        BadSchema{"UnsupportedValueInMap",
                  {"unsupported_struct_map.proto"},
                  {"unsupported_struct_map.proto:7: field Bag.values: google.protobuf.Value is "
                   "not supported by the JSON writer yet"}},
        BadSchema{"UnsupportedSdkMessage",
                  {"unsupported_sdk_message.proto"},
                  {"unsupported_sdk_message.proto:7: field Holder.options: pubsub.ChannelOptions "
                   "is one of the SDK's own messages, which have no JSON writer"}},
        BadSchema{"Int64AsNumberOnString",
                  {"int64_as_number_on_string.proto"},
                  {"int64_as_number_on_string.proto:7: field Data.id: (pubsub.json)."
                   "int64_as_number applies to 64-bit integer fields only, not string"}},
        BadSchema{"EnumDuplicateJsonValue",
                  {"enum_duplicate_json_value.proto"},
                  {"enum_duplicate_json_value.proto:9: enum Status: values STATUS_OPEN and "
                   "STATUS_REOPENED are both written as \"open\""}},
        BadSchema{"GeneratedNameCollision",
                  {"name_collision.proto"},
                  {"name_collision.proto:10: message LobbyPublisher has the C++ name "
                   "LobbyPublisher of a generated class of channel Lobby"}},
        BadSchema{"Proto2",
                  {"proto2.proto"},
                  {"proto2.proto:3: syntax \"proto2\" is not supported: protoc-gen-pubsub "
                   "generates proto3 files only (proto2 defaults, groups, extensions and required "
                   "fields have no JSON rules); use syntax = \"proto3\""}},
        BadSchema{"Proto2WithoutSyntaxStatement",
                  {"proto2_no_syntax.proto"},
                  {"proto2_no_syntax.proto:1: no syntax statement means syntax \"proto2\", which "
                   "is not supported"}},
        BadSchema{"FieldOfAProto2Type",
                  {"proto2_import.proto"},
                  {"proto2_import.proto:8: field Modern.legacy: bad.legacy.Legacy is declared in "
                   "proto2_types.proto, a proto2 file, which protoc-gen-pubsub does not support"}},
        BadSchema{"EventFieldWithJsonNameType",
                  {"event_json_name_type.proto"},
                  {"event_json_name_type.proto:14: event Typed: field kind has the JSON name "
                   "\"type\" (its json_name), which is reserved for the type string in the JSON",
                   "\nevent_json_name_type.proto:20: event Underscored: field type_ has the JSON "
                   "name \"type\""}},
        BadSchema{"CppKeywordsProtobufDoesNotEscape",
                  {"cpp_keywords.proto"},
                  {"cpp_keywords.proto:8: field Constraints.requires: \"requires\" is a C++ "
                   "keyword that protobuf 3.21's C++ generator does not escape",
                   "\ncpp_keywords.proto:9: field Constraints.Concept: \"concept\" is a C++ "
                   "keyword",
                   "\ncpp_keywords.proto:13: message char8_t: the name is a C++ keyword",
                   "\ncpp_keywords.proto:19: enum value co_await: the name is a C++ keyword"}},
        BadSchema{"CppKeywordInPackage",
                  {"cpp_keyword_package.proto"},
                  {"cpp_keyword_package.proto:4: package acme.new.events: \"new\" is a C++ "
                   "keyword"}},
        BadSchema{"EnumValueNamedLikeGeneratedCode",
                  {"enum_value_collision.proto"},
                  {"enum_value_collision.proto:13: enum value WriteJson of Step is a C++ constant "
                   "of the namespace named like a generated JSON writer function",
                   "\nenum_value_collision.proto:14: enum value LobbyPublisher of Step is a C++ "
                   "constant of the namespace named like a generated class of channel Lobby"}},
        BadSchema{"PathWithBackslash",
                  {"path_backslash.proto"},
                  {"path_backslash.proto:6: channel Lobby: path \"/ws/lobby\\\" may not contain "
                   "spaces, control characters, \"?\", \"#\" or \"\\\""}},
        BadSchema{"HistoryRules",
                  {"history_bad.proto"},
                  {"history_bad.proto:7: channel Huge: history size 100001 is more than 100000 "
                   "events per topic",
                   "\nhistory_bad.proto:13: channel Forever: history sets ttl_seconds but no size "
                   "(events kept per topic)",
                   "\nhistory_bad.proto:19: event Typing is live_only, but its channel "
                   "\"forever\" keeps no history: every event of it is live only"}},
        BadSchema{"EveryErrorIsReportedInLineOrder",
                  {"multiple_errors.proto"},
                  {"multiple_errors.proto:6: channel Lobby has no access rule",
                   "\nmultiple_errors.proto:12: event Typed has a field named \"type\"",
                   "\nmultiple_errors.proto:15: event Orphan has no channel"}}));

TEST(GeneratorOptionsTest, UnknownOptionIsAnError) {
  const ProtocResult result = RunProtoc(PUBSUB_SAMPLE_PROTO_DIR, {"broadcasts.proto"},
                                        OutDir("unknown_option"), "fast_mode=true");
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.errors.find("unknown option \"fast_mode\""), std::string::npos) << result.errors;
}

TEST(GeneratorOptionsTest, SchemaNameMustBeAnIdentifier) {
  for (const char* bad : {"schema=my-events", "schema=1st", "schema=class", "schema="}) {
    const ProtocResult result =
        RunProtoc(PUBSUB_SAMPLE_PROTO_DIR, {"broadcasts.proto"}, OutDir("bad_schema_name"), bad);
    EXPECT_NE(result.exit_code, 0) << bad;
    EXPECT_NE(result.errors.find("a schema name must be a C++ identifier"), std::string::npos)
        << bad << ": " << result.errors;
  }
}

TEST(GeneratorOptionsTest, SchemaOptionWritesTheSchemaFilesInDependencyOrder) {
  // comments.proto before broadcasts.proto on the command line: the output
  // does not depend on it.
  const fs::path out = OutDir("schema_option");
  const ProtocResult result = RunProtoc(PUBSUB_SAMPLE_PROTO_DIR,
                                        {"comments.proto", "broadcasts.proto"}, out, "schema=news");
  ASSERT_EQ(result.exit_code, 0) << result.errors;
  ASSERT_TRUE(fs::exists(out / "news.schema.h"));
  std::ifstream in(out / "news.schema.cc");
  const std::string source((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const size_t broadcasts = source.find("RegisterBroadcastsSchema(registry)");
  const size_t comments = source.find("RegisterCommentsSchema(registry)");
  ASSERT_NE(broadcasts, std::string::npos) << source;
  ASSERT_NE(comments, std::string::npos) << source;
  EXPECT_LT(broadcasts, comments);
  EXPECT_NE(source.find("static constexpr ::pubsub::Schema kSchema{\"news\", &RegisterAll};"),
            std::string::npos)
      << source;
}

// schema=NAME also writes the schema for browsers: NAME.d.ts and NAME.js
// (tests/typescript compiles them; here: that they are written, and only then).
TEST(GeneratorOptionsTest, SchemaOptionWritesTheTypeScript) {
  const fs::path out = OutDir("schema_typescript");
  const ProtocResult result = RunProtoc(PUBSUB_SAMPLE_PROTO_DIR,
                                        {"comments.proto", "broadcasts.proto"}, out, "schema=news");
  ASSERT_EQ(result.exit_code, 0) << result.errors;
  std::ifstream in(out / "news.d.ts");
  const std::string declarations((std::istreambuf_iterator<char>(in)),
                                 std::istreambuf_iterator<char>());
  EXPECT_TRUE(
      declarations.starts_with("// Generated by protoc-gen-pubsub. DO NOT EDIT.\n// schema: news\n"
                               "// source: broadcasts.proto\n// source: comments.proto\n"))
      << declarations;
  for (const char* expected : {"export interface NewComment {\n  type: \"new_comment\";\n",
                               "export type Channels = {\n", "export type EventType =",
                               "export type AnyEvent =", "export declare const channels: {\n"}) {
    EXPECT_NE(declarations.find(expected), std::string::npos) << expected;
  }
  EXPECT_TRUE(fs::exists(out / "news.js"));

  const fs::path without = OutDir("no_schema_typescript");
  ASSERT_EQ(RunProtoc(PUBSUB_SAMPLE_PROTO_DIR, {"broadcasts.proto"}, without, "").exit_code, 0);
  for (const auto& entry : fs::directory_iterator(without)) {
    EXPECT_FALSE(entry.path().string().ends_with(".d.ts")) << entry.path();
    EXPECT_FALSE(entry.path().string().ends_with(".js")) << entry.path();
  }
}

TEST(GoodSchemaTest, SampleSchemaGeneratesEveryFile) {
  const std::vector<std::string> protos = {"broadcasts.proto", "comments.proto", "forum.proto",
                                           "book_requests.proto", "notifications.proto"};
  const fs::path out = OutDir("sample");
  const ProtocResult result = RunProtoc(PUBSUB_SAMPLE_PROTO_DIR, protos, out);

  ASSERT_EQ(result.exit_code, 0) << result.errors;
  EXPECT_EQ(result.errors, "");
  for (const std::string& proto : protos) {
    const std::string stem = proto.substr(0, proto.size() - std::string(".proto").size());
    for (const char* suffix : {".pubsub.h", ".pubsub.cc"}) {
      const fs::path file = out / (stem + suffix);
      ASSERT_TRUE(fs::exists(file)) << file;
      std::ifstream in(file);
      std::stringstream text;
      text << in.rdbuf();
      EXPECT_NE(text.str().find(
                    "// Generated by protoc-gen-pubsub. DO NOT EDIT.\n// source: " + proto + "\n"),
                std::string::npos)
          << file << " lacks its banner";
    }
  }
}

// The nasty schema (see proto/codegen_test/nasty.proto) is accepted as a
// whole, without a word on stderr.
TEST(GoodSchemaTest, NastySchemaGenerates) {
  const ProtocResult result = RunProtoc(
      PUBSUB_GOOD_PROTO_DIR, {"codegen_test/nasty.proto", "codegen_test/nasty-no-package.proto"},
      OutDir("nasty"));
  EXPECT_EQ(result.exit_code, 0) << result.errors;
  EXPECT_EQ(result.errors, "");
}

// The plugin only sees the files it generates and their imports: a channel
// in an imported file is visible, so this run succeeds.
TEST(GoodSchemaTest, EventMayNameAChannelOfAnImportedFile) {
  const ProtocResult result = RunProtoc(
      PUBSUB_GOOD_PROTO_DIR, {"codegen_test/imports_channel.proto"}, OutDir("imports_channel"));
  EXPECT_EQ(result.exit_code, 0) << result.errors;
}

}  // namespace
