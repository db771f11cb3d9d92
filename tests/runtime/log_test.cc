// pubsub/log.h: the one log format and the LogLimiter.
#include "pubsub/log.h"

#include <atomic>
#include <regex>
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "spdlog/spdlog.h"

namespace pubsub {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using Clock = LogLimiter::Clock;

TEST(LogLimiterTest, LetsMaxLinesThroughPerIntervalAndCountsTheRest) {
  LogLimiter limiter(3, seconds(1));
  const Clock::time_point t0 = Clock::now();
  for (int i = 0; i < 3; ++i) {
    LogLimiter::Permit permit = limiter.Allow(t0 + milliseconds(i));
    EXPECT_TRUE(permit) << i;
    EXPECT_EQ(permit.suppressed, 0u);
  }
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(limiter.Allow(t0 + milliseconds(10 + i)));
  EXPECT_EQ(limiter.suppressed(), 5u);
  // Still inside the window opened at t0.
  EXPECT_FALSE(limiter.Allow(t0 + milliseconds(999)));

  // The next window: the first line carries the count, and resets it.
  LogLimiter::Permit next = limiter.Allow(t0 + milliseconds(1000));
  EXPECT_TRUE(next);
  EXPECT_EQ(next.suppressed, 6u);
  EXPECT_EQ(limiter.suppressed(), 0u);
  LogLimiter::Permit again = limiter.Allow(t0 + milliseconds(1001));
  EXPECT_TRUE(again);
  EXPECT_EQ(again.suppressed, 0u);
}

TEST(LogLimiterTest, AWindowOpensAtTheFirstLineAfterAQuietPeriod) {
  LogLimiter limiter(1, seconds(10));
  const Clock::time_point t0 = Clock::now();
  EXPECT_TRUE(limiter.Allow(t0));
  EXPECT_FALSE(limiter.Allow(t0 + seconds(9)));
  // Long after: a new window starts here, not at a multiple of the interval.
  const Clock::time_point later = t0 + seconds(95);
  LogLimiter::Permit permit = limiter.Allow(later);
  EXPECT_TRUE(permit);
  EXPECT_EQ(permit.suppressed, 1u);
  EXPECT_FALSE(limiter.Allow(later + seconds(9)));
  EXPECT_TRUE(limiter.Allow(later + seconds(10)));
}

TEST(LogLimiterTest, ZeroLinesMeansOne) {
  LogLimiter limiter(0, seconds(1));
  const Clock::time_point t0 = Clock::now();
  EXPECT_TRUE(limiter.Allow(t0));
  EXPECT_FALSE(limiter.Allow(t0));
}

TEST(LogLimiterTest, CountsEveryLineFromManyThreads) {
  LogLimiter limiter(100, std::chrono::hours(1));
  std::atomic<uint64_t> allowed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) {
        if (limiter.Allow()) allowed.fetch_add(1);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(allowed.load(), 100u);
  EXPECT_EQ(limiter.suppressed(), 3900u);
}

TEST(LogLimiterTest, SuppressedNote) {
  EXPECT_EQ(SuppressedNote(0), "");
  EXPECT_EQ(SuppressedNote(1), " (1 similar line suppressed)");
  EXPECT_EQ(SuppressedNote(42), " (42 similar lines suppressed)");
}

TEST(ConfigureLoggingTest, OneFormatOnStderrAtTheGivenLevel) {
  ASSERT_TRUE(ConfigureLogging("log-test", "info").ok());
  ::testing::internal::CaptureStderr();
  spdlog::debug("not shown");
  spdlog::warn("disk {} full", "/var");
  const std::string err = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(std::regex_match(
      err,
      std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z log-test warning: disk /var full\n)")))
      << err;
}

TEST(ConfigureLoggingTest, CanBeCalledAgainAndRefusesUnknownLevels) {
  ASSERT_TRUE(ConfigureLogging("log-test", "warning").ok());
  ASSERT_TRUE(ConfigureLogging("log-test", "error").ok());  // same name: no throw
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::err);
  absl::Status bad = ConfigureLogging("log-test", "verbose");
  EXPECT_TRUE(absl::IsInvalidArgument(bad));
  EXPECT_NE(bad.message().find("'verbose'"), std::string::npos) << bad;
  EXPECT_EQ(spdlog::default_logger()->level(), spdlog::level::err);  // unchanged
}

}  // namespace
}  // namespace pubsub
