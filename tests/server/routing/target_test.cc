#include "server/routing/target.h"

#include <gtest/gtest.h>

namespace pubsub::routing {
namespace {

TEST(ParseTargetTest, PathAndQuery) {
  auto target = ParseTarget("/ws/comments/42?token=a.b.c&to=ann&to=bob");
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ(target->path, "/ws/comments/42");
  EXPECT_EQ(target->query.token, "a.b.c");
  EXPECT_EQ(target->query.to, (std::vector<std::string>{"ann", "bob"}));
  EXPECT_FALSE(target->query.user_id.has_value());
  EXPECT_FALSE(target->query.user.has_value());
}

TEST(ParseTargetTest, NoQuery) {
  auto target = ParseTarget("/healthz");
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->path, "/healthz");
  EXPECT_TRUE(target->query.to.empty());
  target = ParseTarget("/api/stats?");
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->path, "/api/stats");
}

TEST(ParseTargetTest, PathStaysEncoded) {
  auto target = ParseTarget("/ws/forum/a%2Fb?x=1");
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->path, "/ws/forum/a%2Fb");
}

TEST(ParseTargetTest, DevAuthAndStatsParameters) {
  auto target = ParseTarget("/ws/book-requests/admin?user_id=ann&role=creator&role=reader");
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ(target->query.user_id, "ann");
  EXPECT_EQ(target->query.roles, (std::vector<std::string>{"creator", "reader"}));
  target = ParseTarget("/api/stats?user=bob");
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->query.user, "bob");
}

TEST(ParseTargetTest, AnAdminTailIsAskedForWithTailTrue) {
  auto target = ParseTarget("/ws/notifications?tail=true&user=ann");
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_TRUE(target->query.tail);
  EXPECT_EQ(target->query.user, "ann");
  EXPECT_FALSE(ParseTarget("/ws/notifications")->query.tail);
  for (std::string_view bad : {"/ws/x?tail=1", "/ws/x?tail", "/ws/x?tail=true&tail=true"}) {
    EXPECT_FALSE(ParseTarget(bad).ok()) << bad;
  }
}

TEST(ParseTargetTest, ValuesAreDecodedFormStyle) {
  auto target = ParseTarget("/api/publish?to=ann%20lee&to=b+c&to=%C3%A9&to=a%2Bb&to=x%26y%3Dz");
  ASSERT_TRUE(target.ok()) << target.status();
  EXPECT_EQ(target->query.to,
            (std::vector<std::string>{"ann lee", "b c", "\u00e9", "a+b", "x&y=z"}));
}

TEST(ParseTargetTest, UnknownParametersIgnored) {
  auto target = ParseTarget("/ws/broadcasts?_=12345&v=2&token=t");
  ASSERT_TRUE(target.ok());
  EXPECT_EQ(target->query.token, "t");
}

TEST(ParseTargetTest, MalformedTargets) {
  for (std::string_view bad : {"", "*", "ws/broadcasts", "http://host/ws/broadcasts", "/ws/x#frag",
                               "/ws/%zz", "/ws/a b", "/ws/x?to=%G0", "/ws/x?to=%", "/ws\x01"}) {
    auto target = ParseTarget(bad);
    EXPECT_TRUE(absl::IsInvalidArgument(target.status())) << bad;
  }
}

TEST(ParseTargetTest, BadParameterValues) {
  auto expect_bad = [](std::string_view target, std::string_view message_part) {
    auto parsed = ParseTarget(target);
    EXPECT_TRUE(absl::IsInvalidArgument(parsed.status())) << target;
    EXPECT_NE(std::string(parsed.status().message()).find(message_part), std::string::npos)
        << target << ": " << parsed.status();
  };
  expect_bad("/p?to=", "empty query parameter 'to'");
  expect_bad("/p?to", "empty query parameter 'to'");
  expect_bad("/p?token=", "empty query parameter 'token'");
  expect_bad("/p?user_id=", "empty");
  expect_bad("/p?to=a%00b", "control character");
  expect_bad("/p?user=%0A", "control character");
  expect_bad("/p?role=%FF", "UTF-8");
  expect_bad("/p?to=" + std::string(257, 'u'), "longer than 256");
  expect_bad("/p?token=a&token=b", "repeated query parameter 'token'");
  expect_bad("/p?user_id=a&user_id=a", "repeated query parameter 'user_id'");
  expect_bad("/p?user=a&user=b", "repeated query parameter 'user'");
  expect_bad("/p?token=" + std::string(8 * 1024 + 1, 't'), "too long");
}

TEST(ParseTargetTest, TargetCountIsBounded) {
  std::string target = "/api/publish?";
  for (size_t i = 0; i < kMaxTargets; ++i) target += "to=u" + std::to_string(i) + "&";
  auto parsed = ParseTarget(target);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->query.to.size(), kMaxTargets);
  parsed = ParseTarget(target + "to=one_more");
  EXPECT_TRUE(absl::IsInvalidArgument(parsed.status()));
  std::string roles = "/ws/x?";
  for (size_t i = 0; i <= kMaxRoles; ++i) roles += "role=r&";
  EXPECT_TRUE(absl::IsInvalidArgument(ParseTarget(roles).status()));
}

TEST(ParseQueryTest, QueryStringAlone) {
  auto query = ParseQuery("to=a&to=b&user=c");
  ASSERT_TRUE(query.ok()) << query.status();
  EXPECT_EQ(query->to, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(query->user, "c");
  EXPECT_TRUE(ParseQuery("").ok());
  EXPECT_TRUE(ParseQuery(std::string_view()).ok());  // null data pointer
  EXPECT_FALSE(ParseTarget(std::string_view()).ok());
  EXPECT_FALSE(ParseQuery("to=%").ok());
}

}  // namespace
}  // namespace pubsub::routing
