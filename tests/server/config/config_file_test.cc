#include "server/config/config_file.h"

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace pubsub::gateway::internal {
namespace {

// "name=value@where" for each assignment.
std::vector<std::string> Summary(const std::vector<Assignment>& assignments) {
  std::vector<std::string> out;
  for (const Assignment& a : assignments) {
    out.push_back(std::string(a.setting->name) + "=" + a.value + "@" + a.source.where);
  }
  return out;
}

std::string ErrorOf(std::string_view text) {
  absl::StatusOr<std::vector<Assignment>> parsed =
      ParseConfigFile("/etc/pubsub/gateway.conf", text);
  EXPECT_FALSE(parsed.ok()) << text;
  EXPECT_TRUE(absl::IsInvalidArgument(parsed.status()));
  return std::string(parsed.status().message());
}

TEST(ConfigFileTest, OneSettingPerLine) {
  absl::StatusOr<std::vector<Assignment>> parsed =
      ParseConfigFile("gw.conf",
                      "# The gateway\n"
                      "\n"
                      "listen = 0.0.0.0:8080\n"
                      "   # an indented comment\n"
                      "\tthreads=4  \r\n"  // tabs, no spaces, CRLF
                      "allowed-origin = https://a.example.com\n"
                      "allowed-origin = \"https://b.example.com\"\n"  // quotes removed
                      "jwt-secret-file = '/etc/pubsub/jwt secret'\n"
                      "bus = redis://10.0.0.5:6379/0#not-a-comment\n"
                      "dev-auth = no");  // no final newline
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(Summary(*parsed),
            (std::vector<std::string>{"listen=0.0.0.0:8080@gw.conf:3", "threads=4@gw.conf:5",
                                      "allowed-origin=https://a.example.com@gw.conf:6",
                                      "allowed-origin=https://b.example.com@gw.conf:7",
                                      "jwt-secret-file=/etc/pubsub/jwt secret@gw.conf:8",
                                      "bus=redis://10.0.0.5:6379/0#not-a-comment@gw.conf:9",
                                      "dev-auth=no@gw.conf:10"}));
  EXPECT_EQ((*parsed)[0].source.kind, Source::Kind::kConfigFile);
  EXPECT_EQ((*parsed)[0].source.Describe(), "file gw.conf:3");
  EXPECT_EQ((*parsed)[0].source.ErrorLabel("listen"), "config file gw.conf:3: listen");
}

TEST(ConfigFileTest, AnEmptyFileSetsNothing) {
  for (std::string_view text : {"", "\n\n", "# only comments\n#\n"}) {
    absl::StatusOr<std::vector<Assignment>> parsed = ParseConfigFile("gw.conf", text);
    ASSERT_TRUE(parsed.ok()) << parsed.status();
    EXPECT_TRUE(parsed->empty());
  }
}

TEST(ConfigFileTest, ErrorsNameTheFileAndLine) {
  EXPECT_EQ(ErrorOf("listen = 0.0.0.0:80\nlisen = 0.0.0.0:80\n"),
            "config file /etc/pubsub/gateway.conf:2: unknown setting 'lisen' (did you mean "
            "'listen'?)");
  EXPECT_EQ(ErrorOf("allowed_origin = https://a.example.com"),
            "config file /etc/pubsub/gateway.conf:1: unknown setting 'allowed_origin' (did you "
            "mean 'allowed-origin'?)");
  EXPECT_EQ(ErrorOf("colour = blue"),
            "config file /etc/pubsub/gateway.conf:1: unknown setting 'colour'");
  EXPECT_EQ(ErrorOf("--listen = 0.0.0.0:80"),
            "config file /etc/pubsub/gateway.conf:1: write the setting name without '--': "
            "'listen'");
  EXPECT_EQ(ErrorOf("\n\nlisten 0.0.0.0:80"),
            "config file /etc/pubsub/gateway.conf:3: expected 'name = value' or a # comment");
  EXPECT_EQ(ErrorOf("= 4"),
            "config file /etc/pubsub/gateway.conf:1: expected a setting name before '='");
  EXPECT_EQ(ErrorOf("threads =   "),
            "config file /etc/pubsub/gateway.conf:1: threads: missing value (comment the line "
            "out to keep the default)");
  EXPECT_EQ(ErrorOf("threads = 2\nlisten = 0.0.0.0:80\nthreads = 4\n"),
            "config file /etc/pubsub/gateway.conf:3: threads: already set on line 1 (only "
            "allowed-origin may be repeated)");
  EXPECT_EQ(ErrorOf("config = /etc/other.conf"),
            "config file /etc/pubsub/gateway.conf:1: 'config' is a command-line option, not a "
            "setting (config files do not include others)");
  EXPECT_EQ(ErrorOf("print-config = true"),
            "config file /etc/pubsub/gateway.conf:1: 'print-config' is a command-line option, "
            "not a setting");
}

TEST(ConfigFileTest, ALineWithoutNameIsNeverQuoted) {
  // A misplaced secret (a password pasted on its own line) stays out of logs.
  std::string message = ErrorOf("redis://:hunter2@10.0.0.5");
  EXPECT_EQ(message.find("hunter2"), std::string::npos) << message;
}

TEST(ConfigFileTest, ReadErrorsNameTheFile) {
  const std::string missing = testing::TempDir() + "no-such.conf";
  absl::StatusOr<std::vector<Assignment>> read = ReadConfigFile(missing);
  EXPECT_EQ(read.status().message(),
            "config file " + missing + ": cannot read: No such file or directory");
  read = ReadConfigFile(testing::TempDir());
  EXPECT_EQ(read.status().message(),
            "config file " + testing::TempDir() + ": cannot read: it is a directory");

  const std::string large = testing::TempDir() + "large.conf";
  std::ofstream(large) << std::string((1 << 20) + 1, '#');
  read = ReadConfigFile(large);
  EXPECT_EQ(read.status().message(), "config file " + large + ": cannot read: larger than 1 MiB");

  const std::string good = testing::TempDir() + "good.conf";
  std::ofstream(good) << "threads = 3\n";
  read = ReadConfigFile(good);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(Summary(*read), (std::vector<std::string>{"threads=3@" + good + ":1"}));
}

}  // namespace
}  // namespace pubsub::gateway::internal
