// The load generator against a real gateway process: zero loss and a
// complete report (library and binary), plus its histogram and marker.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <boost/json/parse.hpp>

#include "tools/loadgen/event_text.h"
#include "tools/loadgen/histogram.h"
#include "tools/loadgen/loadgen.h"
#include "tools/loadgen/options.h"

extern char** environ;

namespace pubsub::loadgen {
namespace {

// A child process whose stdout we read: the gateway (startup line) or the
// loadgen binary (its JSON).
class Child {
 public:
  explicit Child(std::vector<std::string> args) {
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) throw std::runtime_error("pipe failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    if (posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ) != 0) {
      throw std::runtime_error("cannot start " + args[0]);
    }
    posix_spawn_file_actions_destroy(&actions);
    close(out[1]);
    stdout_ = fdopen(out[0], "r");
  }
  ~Child() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (stdout_ != nullptr) std::fclose(stdout_);
  }
  pid_t pid() const { return pid_; }
  std::string ReadLine() {
    char line[4096];
    return std::fgets(line, sizeof(line), stdout_) == nullptr ? "" : line;
  }
  std::string ReadAll() {
    std::string all;
    char chunk[4096];
    size_t n;
    while ((n = std::fread(chunk, 1, sizeof(chunk), stdout_)) > 0) all.append(chunk, n);
    return all;
  }
  int Wait() {
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  pid_t pid_ = -1;
  FILE* stdout_ = nullptr;
};

class Gateway {
 public:
  Gateway()
      : child_(
            {Env("PUBSUB_GATEWAY"), "--listen", "127.0.0.1:0", "--bus", "memory", "--dev-auth"}) {
    const std::string line = child_.ReadLine();
    std::smatch match;
    if (!std::regex_search(line, match, std::regex(R"(listening on http://[\d.]+:(\d+))"))) {
      throw std::runtime_error("unexpected gateway startup line: " + line);
    }
    port_ = static_cast<uint16_t>(std::stoi(match[1]));
  }
  static std::string Env(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr) throw std::runtime_error(std::string(name) + " is not set");
    return value;
  }
  uint16_t port() const { return port_; }
  pid_t pid() const { return child_.pid(); }

 private:
  Child child_;
  uint16_t port_ = 0;
};

Options SmallRun(const Gateway& gateway) {
  Options o;
  o.gateways.push_back(GatewayTarget{"127.0.0.1", gateway.port()});
  o.clients = 50;
  o.via = PublishVia::kHttp;
  o.publish_url = "http://127.0.0.1:" + std::to_string(gateway.port());
  o.rate = 50;
  o.duration_seconds = 1;
  o.drain_seconds = 10;
  o.gateway_pids.push_back(gateway.pid());
  o.quiet = true;
  return o;
}

TEST(LoadgenRun, FiftyClientsOverHttpLoseNothing) {
  Gateway gateway;
  Options o = SmallRun(gateway);
  std::ostringstream progress;
  absl::StatusOr<Report> report = RunLoadgen(o, progress);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok) << report->error;
  EXPECT_EQ(report->connected, 50u);
  EXPECT_EQ(report->failed, 0u);
  EXPECT_GT(report->events_sent, 0u);
  EXPECT_EQ(report->events_acked, report->events_sent);
  EXPECT_EQ(report->expected, report->events_sent * 50);
  EXPECT_EQ(report->received, report->expected);
  EXPECT_EQ(report->lost, 0u);
  EXPECT_EQ(report->events_with_loss, 0u);
  EXPECT_EQ(report->unexpected, 0u);
  EXPECT_EQ(report->latency_count, report->received);
  EXPECT_LE(report->latency_p50_us, report->latency_p99_us);
  EXPECT_LE(report->latency_p99_us, report->latency_max_us);
  ASSERT_EQ(report->gateways.size(), 1u);
  EXPECT_TRUE(report->gateways[0].readable);
  EXPECT_EQ(report->gateways[0].connections, 50u);
  EXPECT_GT(report->gateways[0].rss_idle_kib, 0u);
  EXPECT_GE(report->gateways[0].open_files_idle, 50u);
}

TEST(LoadgenRun, ScopedAndPersonalChannelsCountOnlyTheirRecipients) {
  Gateway gateway;
  for (const char* path : {"/ws/comments/{scope}", "/ws/notifications"}) {
    SCOPED_TRACE(path);
    Options o = SmallRun(gateway);
    o.path = path;
    o.kind = o.path == "/ws/notifications" ? ChannelKind::kPersonal : ChannelKind::kComments;
    o.scopes = 5;
    o.client_offset = o.kind == ChannelKind::kPersonal ? 1000 : 0;
    o.connect_concurrency = 1;  // new topics one by one: no 503 while subscribing
    std::ostringstream progress;
    absl::StatusOr<Report> report = RunLoadgen(o, progress);
    ASSERT_TRUE(report.ok()) << report.status();
    EXPECT_TRUE(report->ok) << report->error;
    EXPECT_GT(report->events_sent, 0u);
    // Scoped: 10 clients per scope; personal: one client per user.
    EXPECT_EQ(report->expected, report->events_sent * (o.kind == ChannelKind::kPersonal ? 1 : 10));
    EXPECT_EQ(report->received, report->expected);
    EXPECT_EQ(report->lost, 0u);
    EXPECT_EQ(report->unexpected, 0u);
  }
}

TEST(LoadgenRun, RecoveryProtocolClientsCountPositionsAndControls) {
  // comments keeps history: with --since now each client gets one recovery
  // control, then every event with its position, one after the other.
  Gateway gateway;
  Options o = SmallRun(gateway);
  o.path = "/ws/comments/{scope}";
  o.kind = ChannelKind::kComments;
  o.scopes = 5;
  o.connect_concurrency = 1;
  o.since_now = true;
  std::ostringstream progress;
  absl::StatusOr<Report> report = RunLoadgen(o, progress);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_TRUE(report->ok) << report->error;
  EXPECT_GT(report->events_sent, 0u);
  EXPECT_EQ(report->received, report->expected);
  EXPECT_EQ(report->lost, 0u);
  EXPECT_TRUE(report->recovery_protocol);
  EXPECT_EQ(report->recovery_controls, 50u);
  EXPECT_EQ(report->recovery_not_recovered, 0u);
  EXPECT_EQ(report->recovery_positioned, report->received);
  EXPECT_EQ(report->recovery_unpositioned, 0u);
  EXPECT_EQ(report->recovery_duplicates, 0u);
  EXPECT_EQ(report->recovery_gaps, 0u);
  // Controls are not events.
  EXPECT_EQ(report->frames, report->received);
}

TEST(LoadgenBinary, JsonReportHasEveryFigure) {
  Gateway gateway;
  const std::string url = "ws://127.0.0.1:" + std::to_string(gateway.port());
  Child loadgen({Gateway::Env("PUBSUB_LOADGEN"), "--url", url, "--clients", "50", "--publish-via",
                 "http", "--rate", "50", "--duration", "1", "--gateway-pid",
                 std::to_string(gateway.pid()), "--json", "--quiet", "--label", "ctest"});
  const std::string out = loadgen.ReadAll();
  EXPECT_EQ(loadgen.Wait(), 0) << out;
  boost::json::value json = boost::json::parse(out);
  const auto& root = json.as_object();
  EXPECT_TRUE(root.at("ok").as_bool());
  EXPECT_EQ(root.at("setup").at("label").as_string(), "ctest");
  EXPECT_EQ(root.at("setup").at("clients").to_number<int64_t>(), 50);
  EXPECT_EQ(root.at("connect").at("connected").to_number<int64_t>(), 50);
  const auto& deliveries = root.at("deliveries").as_object();
  EXPECT_EQ(deliveries.at("lost").to_number<int64_t>(), 0);
  EXPECT_GT(deliveries.at("received").to_number<int64_t>(), 0);
  EXPECT_EQ(deliveries.at("received").to_number<int64_t>(),
            deliveries.at("expected").to_number<int64_t>());
  for (const char* key : {"p50", "p90", "p99", "p99_9", "max", "count"}) {
    EXPECT_TRUE(root.at("latency_us").as_object().contains(key)) << key;
  }
  for (const char* key : {"idle_kib_per_connection", "cpu_seconds", "cpu_us_per_delivery"}) {
    EXPECT_TRUE(root.at("gateway").as_object().contains(key)) << key;
  }
  EXPECT_EQ(root.at("gateways").as_array().size(), 1u);
}

TEST(LoadgenBinary, RefusesMoreClientsThanItsFileLimitWithAClearError) {
  Options o;
  o.gateways.push_back(GatewayTarget{"127.0.0.1", 9});
  o.clients = 5'000'000;
  o.quiet = true;
  std::ostringstream progress;
  absl::StatusOr<Report> report = RunLoadgen(o, progress);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(report.status().message().find("several pubsub-loadgen processes"), std::string::npos)
      << report.status();
}

TEST(LoadgenOptions, RejectsBadFlagsWithTheirName) {
  auto parse = [](std::vector<std::string> args) {
    args.insert(args.begin(), "pubsub-loadgen");
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    return ParseOptions(static_cast<int>(argv.size()), argv.data());
  };
  EXPECT_TRUE(parse({"--url", "ws://127.0.0.1:8080", "--clients=10"}).ok());
  EXPECT_NE(parse({"--url", "http://x"}).status().message().find("--url"), std::string::npos);
  EXPECT_NE(
      parse({"--url", "ws://127.0.0.1:1", "--path", "/nope"}).status().message().find("--path"),
      std::string::npos);
  EXPECT_NE(parse({"--url", "ws://127.0.0.1:1", "--publish-via", "http"})
                .status()
                .message()
                .find("--rate"),
            std::string::npos);
  EXPECT_NE(
      parse({"--url", "ws://127.0.0.1:1", "--clients", "-3"}).status().message().find("--clients"),
      std::string::npos);
  EXPECT_NE(parse({"--bogus"}).status().message().find("--bogus"), std::string::npos);
  EXPECT_FALSE(parse({}).ok());  // no --url
  auto rate_max = parse({"--url", "ws://127.0.0.1:1", "--publish-via", "redis", "--rate", "max"});
  ASSERT_TRUE(rate_max.ok());
  EXPECT_TRUE(rate_max->rate_max);
}

TEST(LatencyHistogram, SmallValuesAreExactAndLargeOnesWithinOneBucket) {
  LatencyHistogram h;
  for (int v = 1; v <= 100; ++v) h.Record(v);
  EXPECT_EQ(h.count(), 100u);
  EXPECT_EQ(h.Percentile(50), 50u);
  EXPECT_EQ(h.Percentile(99), 99u);
  EXPECT_EQ(h.Percentile(100), 100u);
  EXPECT_EQ(h.max(), 100u);
  EXPECT_EQ(h.min(), 1u);

  LatencyHistogram big;
  for (uint64_t v : {1'000'000ull, 2'000'000ull, 3'000'000ull, 1'000'000'000ull}) big.Record(v);
  const uint64_t p50 = big.Percentile(50);
  EXPECT_GE(p50, 2'000'000u);
  EXPECT_LE(p50, 2'000'000u + 2'000'000u / 64);
  EXPECT_EQ(big.Percentile(100), 1'000'000'000u);  // never above max

  h.Merge(big);
  EXPECT_EQ(h.count(), 104u);
  EXPECT_EQ(h.max(), 1'000'000'000u);
  h.Record(-5);  // clock skew: counts as 0
  EXPECT_EQ(h.min(), 0u);
}

TEST(LatencyHistogram, BucketsCoverEveryValueInOrder) {
  for (uint64_t v : {0ull, 127ull, 128ull, 129ull, 255ull, 256ull, 1ull << 40, ~0ull}) {
    const size_t bucket = LatencyHistogram::BucketOf(v);
    ASSERT_LT(bucket, LatencyHistogram::kBuckets) << v;
    EXPECT_GE(LatencyHistogram::BucketUpperBound(bucket), v) << v;
    if (bucket > 0) EXPECT_LT(LatencyHistogram::BucketUpperBound(bucket - 1), v) << v;
  }
}

TEST(EventText, MarkerRoundTripsInsideJson) {
  const std::string text = MakeEventText(1'764'000'000'123'456'789, 42, 100);
  EXPECT_EQ(text.size(), 100u);
  const std::string json = R"({"type":"new_broadcast","data":{"id":42,"content":")" + text + "\"}}";
  int64_t sent = 0;
  uint64_t seq = 0;
  ASSERT_TRUE(ParseMarker(json, sent, seq));
  EXPECT_EQ(sent, 1'764'000'000'123'456'789);
  EXPECT_EQ(seq, 42u);
  EXPECT_FALSE(ParseMarker(R"({"type":"x","text":"~T12"})", sent, seq));
  EXPECT_FALSE(ParseMarker("no marker", sent, seq));
}

}  // namespace
}  // namespace pubsub::loadgen
