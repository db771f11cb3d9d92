#include "server/routing/router.h"

#include <gtest/gtest.h>

#include "tests/server/routing/sample_channels.h"

namespace pubsub::routing {
namespace {

using testing::kBookRequests;
using testing::kBookRequestsAdmin;
using testing::kBroadcasts;
using testing::kForum;
using testing::kNotifications;
using testing::kTrackComments;
using testing::SampleChannels;

class RouterTest : public ::testing::Test {
 protected:
  Router router_{SampleChannels()};

  void ExpectRoute(std::string_view path, const ChannelInfo& channel, std::string_view scope) {
    auto match = router_.Match(path);
    ASSERT_TRUE(match.ok()) << path << ": " << match.status();
    EXPECT_EQ(match->channel, &channel) << path;
    EXPECT_EQ(match->scope_value, scope) << path;
  }
  void ExpectNotFound(std::string_view path) {
    auto match = router_.Match(path);
    EXPECT_TRUE(absl::IsNotFound(match.status())) << path << ": " << match.status();
  }
  void ExpectBadScope(std::string_view path, std::string_view message_part) {
    auto match = router_.Match(path);
    EXPECT_TRUE(absl::IsInvalidArgument(match.status())) << path << ": " << match.status();
    EXPECT_NE(std::string(match.status().message()).find(message_part), std::string::npos)
        << match.status();
  }
};

TEST_F(RouterTest, SampleSchemaPathsAreValid) {
  EXPECT_TRUE(Router::CheckPaths(SampleChannels()).ok());
  EXPECT_EQ(router_.size(), 6u);
}

TEST_F(RouterTest, MatchesEveryChannel) {
  ExpectRoute("/ws/broadcasts", kBroadcasts, "");
  ExpectRoute("/ws/comments/42", kTrackComments, "42");
  ExpectRoute("/ws/forum/7", kForum, "7");
  ExpectRoute("/ws/book-requests", kBookRequests, "");
  ExpectRoute("/ws/book-requests/admin", kBookRequestsAdmin, "");
  ExpectRoute("/ws/notifications", kNotifications, "");
}

TEST_F(RouterTest, UnknownPathsAreNotFound) {
  ExpectNotFound("/");
  ExpectNotFound("");
  ExpectNotFound("ws/broadcasts");
  ExpectNotFound("/ws");
  ExpectNotFound("/ws/");
  ExpectNotFound("/ws/nothing");
  ExpectNotFound("/ws/comments");      // scope missing
  ExpectNotFound("/ws/comments/1/2");  // too deep
  ExpectNotFound("/WS/broadcasts");    // case matters
  ExpectNotFound("//ws/broadcasts");
  ExpectNotFound("/ws//broadcasts");
  ExpectNotFound("/ws/book-requests/admin/x");
  ExpectNotFound("/ws/comm%65nts/1");  // literals are compared encoded
  ExpectNotFound("/" + std::string(5000, 'a'));
}

TEST_F(RouterTest, TrailingSlashIsADifferentPath) {
  ExpectNotFound("/ws/broadcasts/");
  ExpectNotFound("/ws/comments/42/");
  ExpectBadScope("/ws/comments/", "empty track_id");
}

TEST_F(RouterTest, ScopeIsPercentDecoded) {
  ExpectRoute("/ws/comments/track%20one", kTrackComments, "track one");
  ExpectRoute("/ws/comments/a+b", kTrackComments, "a+b");  // '+' is literal in a path
  ExpectRoute("/ws/comments/%C3%A9t%C3%A9", kTrackComments, "\u00e9t\u00e9");
  ExpectRoute("/ws/comments/\xc3\xa9", kTrackComments, "\u00e9");  // raw UTF-8 accepted
  ExpectRoute("/ws/forum/a%2Fb", kForum, "a/b");  // an encoded '/' stays in the value
  ExpectRoute("/ws/forum/%2f", kForum, "/");
}

TEST_F(RouterTest, BadScopeValues) {
  ExpectBadScope("/ws/comments/%zz", "percent-encoding");
  ExpectBadScope("/ws/comments/%4", "percent-encoding");
  ExpectBadScope("/ws/comments/abc%", "percent-encoding");
  ExpectBadScope("/ws/comments/%00", "control");
  ExpectBadScope("/ws/comments/a%0Ab", "control");
  ExpectBadScope("/ws/comments/%7F", "control");
  ExpectBadScope("/ws/comments/%C3%28", "UTF-8");
  ExpectBadScope("/ws/comments/%ED%A0%80", "UTF-8");  // surrogate
  ExpectBadScope("/ws/comments/" + std::string(257, 'x'), "longer than 256");
  ExpectRoute("/ws/comments/" + std::string(256, 'x'), kTrackComments, std::string(256, 'x'));
  // The limit applies to the decoded value.
  std::string encoded;
  for (int i = 0; i < 86; ++i) encoded += "%C3%A9";  // 172 bytes decoded
  auto match = router_.Match("/ws/comments/" + encoded);
  EXPECT_TRUE(match.ok()) << match.status();
}

TEST(RouterPrecedenceTest, LiteralBeatsVariable) {
  ChannelInfo items{"items", "/ws/items/{id}", "id", Access::kAuthenticated, ""};
  ChannelInfo admin{"items_admin", "/ws/items/admin", "", Access::kRole, "creator"};
  ChannelInfo deep{"deep", "/ws/{id}/items", "id", Access::kAuthenticated, ""};
  for (auto channels : {std::vector<const ChannelInfo*>{&items, &admin, &deep},
                        std::vector<const ChannelInfo*>{&deep, &admin, &items}}) {
    Router router(channels);
    EXPECT_EQ(router.Match("/ws/items/admin")->channel, &admin);
    EXPECT_EQ(router.Match("/ws/items/9")->channel, &items);
    EXPECT_EQ(router.Match("/ws/9/items")->channel, &deep);
    // Both scoped routes match "/ws/items/items": the longer literal prefix wins.
    EXPECT_EQ(router.Match("/ws/items/items")->channel, &items);
  }
}

TEST(RouterCheckPathsTest, RejectsBadTemplates) {
  auto check = [](ChannelInfo channel, std::string_view message_part) {
    absl::Status status = Router::CheckPaths({&channel});
    EXPECT_TRUE(absl::IsInvalidArgument(status)) << channel.path;
    EXPECT_NE(std::string(status.message()).find(message_part), std::string::npos) << status;
    // The router leaves such a channel out.
    Router router(std::vector<const ChannelInfo*>{&channel});
    EXPECT_EQ(router.size(), 0u);
  };
  check({"a", "ws/a", "", Access::kAuthenticated, ""}, "start with '/'");
  check({"a", "", "", Access::kAuthenticated, ""}, "start with '/'");
  check({"a", "/ws//a", "", Access::kAuthenticated, ""}, "empty segment");
  check({"a", "/ws/a/", "", Access::kAuthenticated, ""}, "empty segment");
  check({"a", "/ws/a b", "", Access::kAuthenticated, ""}, "character");
  check({"a", "/ws/{id}", "", Access::kAuthenticated, ""}, "no scope");
  check({"a", "/ws/{other}", "id", Access::kAuthenticated, ""}, "scope field is id");
  check({"a", "/ws/a", "id", Access::kAuthenticated, ""}, "lacks the {id}");
  check({"a", "/ws/{id}/{id}", "id", Access::kAuthenticated, ""}, "more than one");
  check({"a", "/ws/{id", "id", Access::kAuthenticated, ""}, "malformed");
  check({"a", "/ws/{}", "id", Access::kAuthenticated, ""}, "malformed");
}

TEST(RouterCheckPathsTest, RejectsDuplicates) {
  ChannelInfo a{"a", "/ws/{x}", "x", Access::kAuthenticated, ""};
  ChannelInfo b{"b", "/ws/{y}", "y", Access::kAuthenticated, ""};
  absl::Status status = Router::CheckPaths({&a, &b});
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_NE(status.message().find("same path"), std::string_view::npos) << status;
}

}  // namespace
}  // namespace pubsub::routing
