#include "server/config/settings.h"

#include <set>
#include <string>

#include <gtest/gtest.h>

namespace pubsub::gateway::internal {
namespace {

TEST(SettingsTest, NamesAreUniqueFlagNames) {
  std::set<std::string_view> names;
  for (const Setting& setting : Settings()) {
    EXPECT_TRUE(names.insert(setting.name).second) << setting.name;
    EXPECT_EQ(setting.name.find_first_not_of("abcdefghijklmnopqrstuvwxyz-"), std::string::npos)
        << setting.name;
    EXPECT_EQ(FindSetting(setting.name), &setting);
    EXPECT_TRUE(setting.apply && setting.show) << setting.name;
    EXPECT_EQ(static_cast<bool>(setting.clear), setting.kind == SettingKind::kList) << setting.name;
    EXPECT_FALSE(setting.show(DefaultGatewayConfig()).empty()) << setting.name;
  }
  EXPECT_EQ(FindSetting("--listen"), nullptr);
  EXPECT_EQ(FindSetting(kConfigOption), nullptr);
  EXPECT_EQ(FindSetting(kPrintConfigOption), nullptr);
}

TEST(SettingsTest, EnvironmentVariable) {
  EXPECT_EQ(EnvironmentVariable("listen"), "PUBSUB_LISTEN");
  EXPECT_EQ(EnvironmentVariable("handshake-timeout-seconds"), "PUBSUB_HANDSHAKE_TIMEOUT_SECONDS");
  EXPECT_EQ(EnvironmentVariable(kConfigOption), "PUBSUB_CONFIG");
}

TEST(SettingsTest, SuggestsOnlyCloseNames) {
  EXPECT_EQ(SuggestName("lisen"), "listen");
  EXPECT_EQ(SuggestName("allowed-origins"), "allowed-origin");
  EXPECT_EQ(SuggestName("jwt-secret"), "");  // five letters away
  EXPECT_EQ(SuggestName("theads"), "threads");
  EXPECT_EQ(SuggestName("bux"), "bus");
  EXPECT_EQ(SuggestName("cli"), "");  // short names: one edit at most
  EXPECT_EQ(SuggestName("gateway"), "");
  EXPECT_EQ(SuggestName("print-confg"), "");
  EXPECT_EQ(SuggestName("print-confg", true), "print-config");
  EXPECT_EQ(SuggestName("confg", true), "config");
}

}  // namespace
}  // namespace pubsub::gateway::internal
