#include "server/config/environment.h"

#include <cstdlib>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace pubsub::gateway::internal {
namespace {

std::vector<std::string> Summary(const std::vector<Assignment>& assignments) {
  std::vector<std::string> out;
  for (const Assignment& a : assignments) {
    out.push_back(std::string(a.setting->name) + "=" + a.value + "@" + a.source.Describe());
  }
  return out;
}

TEST(EnvironmentTest, EverySettingFromItsVariable) {
  EnvironmentSettings read = ReadEnvironment({{"PUBSUB_THREADS", "4"},
                                              {"PUBSUB_LISTEN", "0.0.0.0:8080"},
                                              {"PUBSUB_DEV_AUTH", "true"},
                                              {"PUBSUB_JWT_LEEWAY_SECONDS", "5"}});
  // In the order of the settings, whatever the environment's.
  EXPECT_EQ(Summary(read.assignments),
            (std::vector<std::string>{"listen=0.0.0.0:8080@env PUBSUB_LISTEN",
                                      "jwt-leeway-seconds=5@env PUBSUB_JWT_LEEWAY_SECONDS",
                                      "dev-auth=true@env PUBSUB_DEV_AUTH",
                                      "threads=4@env PUBSUB_THREADS"}));
  EXPECT_EQ(read.assignments[0].source.ErrorLabel("listen"), "environment PUBSUB_LISTEN");
  EXPECT_FALSE(read.config_file.has_value());
  EXPECT_TRUE(read.ignored.empty());
  EXPECT_TRUE(read.warnings.empty());
}

TEST(EnvironmentTest, AListTakesSeveralValues) {
  EnvironmentSettings read =
      ReadEnvironment({{"PUBSUB_ALLOWED_ORIGIN",
                        " https://a.example.com,https://b.example.com  https://c.example.com,"}});
  EXPECT_EQ(
      Summary(read.assignments),
      (std::vector<std::string>{"allowed-origin=https://a.example.com@env PUBSUB_ALLOWED_ORIGIN",
                                "allowed-origin=https://b.example.com@env PUBSUB_ALLOWED_ORIGIN",
                                "allowed-origin=https://c.example.com@env PUBSUB_ALLOWED_ORIGIN"}));
}

TEST(EnvironmentTest, ConfigFileEmptyAndOtherVariables) {
  EnvironmentSettings read = ReadEnvironment({{"PUBSUB_CONFIG", "/etc/pubsub/gateway.conf"},
                                              {"PUBSUB_BUS", ""},
                                              {"PUBSUB_SECRETS_DIR", "/run/secrets"},
                                              {"PUBSUB_THRADS", "4"},
                                              {"PUBSUB_CONFG", "x"}});
  EXPECT_TRUE(read.assignments.empty());
  EXPECT_EQ(read.config_file, "/etc/pubsub/gateway.conf");
  EXPECT_EQ(read.ignored,
            (std::vector<std::string>{
                "PUBSUB_BUS (empty)", "PUBSUB_CONFG (not a setting; did you mean PUBSUB_CONFIG?)",
                "PUBSUB_SECRETS_DIR (not a setting)",
                "PUBSUB_THRADS (not a setting; did you mean PUBSUB_THREADS?)"}));
  EXPECT_EQ(read.warnings.size(), 2u);
  EXPECT_FALSE(ReadEnvironment({{"PUBSUB_CONFIG", ""}}).config_file.has_value());
}

TEST(EnvironmentTest, ProcessEnvironmentHoldsOnlyPubsubVariables) {
  ASSERT_EQ(setenv("PUBSUB_ENVIRONMENT_TEST", "a=b", 1), 0);
  ASSERT_EQ(setenv("NOT_PUBSUB_ENVIRONMENT_TEST", "x", 1), 0);
  Environment environment = ProcessEnvironment();
  EXPECT_EQ(environment["PUBSUB_ENVIRONMENT_TEST"], "a=b");
  EXPECT_EQ(environment.count("NOT_PUBSUB_ENVIRONMENT_TEST"), 0u);
  for (const auto& [name, value] : environment) EXPECT_TRUE(name.starts_with("PUBSUB_")) << name;
  unsetenv("PUBSUB_ENVIRONMENT_TEST");
  unsetenv("NOT_PUBSUB_ENVIRONMENT_TEST");
}

}  // namespace
}  // namespace pubsub::gateway::internal
