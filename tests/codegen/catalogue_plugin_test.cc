// protoc-gen-pubsub's catalogue option, protoc run in-process: which files
// catalogue=NAME writes, that one document covers every file of the run, and
// how bad option values fail.
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "boost/json.hpp"
#include "generator.h"
#include "google/protobuf/compiler/command_line_interface.h"
#include "gtest/gtest.h"

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;

struct ProtocResult {
  int exit_code;
  std::string errors;  // protoc's stderr
};

ProtocResult RunProtoc(const std::string& proto_root, const std::vector<std::string>& protos,
                       const fs::path& out, const std::string& parameter) {
  fs::remove_all(out);
  fs::create_directories(out);
  google::protobuf::compiler::CommandLineInterface cli;
  pubsub::codegen::Generator generator;
  cli.RegisterGenerator("--pubsub_out", "--pubsub_opt", &generator, "Generate pub/sub C++.");
  std::vector<std::string> args = {
      "protoc",
      "--pubsub_out=" + parameter + ":" + out.string(),
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
  return fs::path(testing::TempDir()) / ("pubsub_catalogue_" + name);
}

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(CatalogueOptionTest, WritesOneDocumentAndAPagePerChannelForTheWholeRun) {
  const fs::path out = OutDir("sample");
  const ProtocResult result = RunProtoc(PUBSUB_SAMPLE_PROTO_DIR,
                                        {"broadcasts.proto", "comments.proto", "forum.proto",
                                         "book_requests.proto", "notifications.proto"},
                                        out, "catalogue=shop,catalogue_version=2.1.0");
  ASSERT_EQ(result.exit_code, 0) << result.errors;

  const json::value doc = json::parse(ReadFile(out / "shop.asyncapi.json"));
  EXPECT_EQ(doc.at("info").at("title"), "shop");
  EXPECT_EQ(doc.at("info").at("version"), "2.1.0");
  // Every file's channels and events are in the one document.
  EXPECT_EQ(doc.at("channels").as_object().size(), 6u);
  EXPECT_EQ(doc.at("components").at("messages").as_object().size(), 11u);
  for (const auto& channel : doc.at("channels").as_object()) {
    const fs::path page = out / "shop" / (std::string(channel.key()) + ".md");
    EXPECT_TRUE(fs::exists(page)) << page;
  }
  EXPECT_NE(ReadFile(out / "shop" / "track_comments.md").find("## `new_comment`"),
            std::string::npos);
}

TEST(CatalogueOptionTest, WithoutTheOptionNoCatalogueIsWritten) {
  const fs::path out = OutDir("none");
  ASSERT_EQ(RunProtoc(PUBSUB_SAMPLE_PROTO_DIR, {"broadcasts.proto"}, out, "").exit_code, 0);
  for (const auto& entry : fs::directory_iterator(out)) {
    const std::string name = entry.path().filename().string();
    EXPECT_TRUE(name.ends_with(".pubsub.h") || name.ends_with(".pubsub.cc")) << name;
  }
}

// An event on a channel of an imported file that is not generated in this
// run: the catalogue describes that channel too, with this run's events.
TEST(CatalogueOptionTest, AChannelOfAnImportedFileIsDescribed) {
  const fs::path out = OutDir("imports");
  const ProtocResult result = RunProtoc(
      PUBSUB_GOOD_PROTO_DIR, {"codegen_test/imports_channel.proto"}, out, "catalogue=more");
  ASSERT_EQ(result.exit_code, 0) << result.errors;
  const json::value doc = json::parse(ReadFile(out / "more.asyncapi.json"));
  EXPECT_EQ(doc.at("channels").as_object().size(), 1u);
  EXPECT_EQ(doc.at("channels").at("rooms").at("messages").as_object().size(), 1u);
  EXPECT_TRUE(doc.at("channels").at("rooms").at("messages").as_object().contains("knock"));
}

TEST(CatalogueOptionTest, BadValuesAreErrors) {
  struct Case {
    std::string parameter;
    std::string error;
  };
  for (const Case& c : {
           Case{"catalogue=", "catalogue=\"\": the name must be"},
           Case{"catalogue=a/b", "catalogue=\"a/b\": the name must be"},
           Case{"catalogue=.hidden", "catalogue=\".hidden\": the name must be"},
           Case{"catalogue_version=1", "catalogue_version needs catalogue=NAME"},
           Case{"catalogue=x,catalogue_version=", "catalogue_version: the version must not"},
           Case{"catalog=x", "unknown option \"catalog\""},
       }) {
    const fs::path out = OutDir("bad");
    const ProtocResult result =
        RunProtoc(PUBSUB_SAMPLE_PROTO_DIR, {"broadcasts.proto"}, out, c.parameter);
    EXPECT_NE(result.exit_code, 0) << c.parameter;
    EXPECT_NE(result.errors.find(c.error), std::string::npos)
        << c.parameter << ": " << result.errors;
    EXPECT_TRUE(fs::is_empty(out)) << c.parameter;
  }
}

}  // namespace
