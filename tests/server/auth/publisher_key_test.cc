// The publisher-key rule (server/auth/publisher_key.h): who may publish, and
// the status everybody else gets.
#include "server/auth/publisher_key.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace pubsub::auth {
namespace {

using ::testing::HasSubstr;

TEST(PublisherKeyPolicyTest, KeyIsRequiredWhenSet) {
  PublisherKeyPolicy policy{.key = "s3cret", .allow_without_key = true};
  EXPECT_TRUE(policy.Check("Bearer s3cret").ok());
  EXPECT_TRUE(policy.Check("bearer s3cret").ok());  // the scheme is case-insensitive
  EXPECT_TRUE(policy.Check("BEARER s3cret").ok());
  EXPECT_EQ(policy.Check(std::nullopt).code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(policy.Check("Bearer wrong").code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(policy.Check("Bearer s3cre").code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(policy.Check("Bearer s3cret ").code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(policy.Check("Bearer S3CRET").code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(policy.Check("s3cret").code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(policy.Check("Basic s3cret").code(), absl::StatusCode::kUnauthenticated);
  EXPECT_EQ(policy.Check("").code(), absl::StatusCode::kUnauthenticated);
}

TEST(PublisherKeyPolicyTest, MessagesNameTheProblem) {
  PublisherKeyPolicy policy{.key = "s3cret"};
  EXPECT_THAT(policy.Check(std::nullopt).message(), HasSubstr("missing publisher key"));
  EXPECT_THAT(policy.Check("Token s3cret").message(), HasSubstr("expected \"Bearer KEY\""));
  EXPECT_EQ(policy.Check("Bearer nope").message(), "wrong publisher key");
}

TEST(PublisherKeyPolicyTest, WithoutKeyOnlyDevelopmentModePublishes) {
  const PublisherKeyPolicy development{.key = "", .allow_without_key = true};
  EXPECT_TRUE(development.Check(std::nullopt).ok());
  EXPECT_TRUE(development.Check("Bearer anything").ok());
  const absl::Status refused = PublisherKeyPolicy{}.Check("Bearer anything");
  EXPECT_EQ(refused.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_THAT(refused.message(), HasSubstr("--publisher-key-file"));
  EXPECT_EQ(PublisherKeyPolicy{}.Check(std::nullopt).code(), absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace pubsub::auth
