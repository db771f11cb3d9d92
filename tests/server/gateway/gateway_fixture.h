// An in-process gateway over the embedded bus, driven through the sans-IO
// front door (front_door_driver.h): the fixture of the front door's and the
// admin API's tests. Its config has a JWT secret file in a scratch directory;
// a test may change config_ before its first Context() or Answer(), which
// build the gateway. Counts the events published on "broadcasts".
#ifndef PUBSUB_TESTS_SERVER_GATEWAY_GATEWAY_FIXTURE_H_
#define PUBSUB_TESTS_SERVER_GATEWAY_GATEWAY_FIXTURE_H_

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>

#include "pubsub/embedded_bus.h"
#include "sample_schema.schema.h"
#include "server/auth/jwt.h"
#include "server/gateway/gateway.h"
#include "tests/server/gateway/front_door_driver.h"

namespace pubsub::gateway::testing {

inline constexpr std::string_view kSecret = "gateway-test-secret-of-at-least-32-bytes";

inline int64_t NowUnixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A JWT the fixture's gateway accepts, valid for ten minutes.
inline std::string Token(std::string user, std::vector<std::string> roles = {}) {
  return auth::MintHs256(kSecret, auth::Identity{std::move(user), std::move(roles)},
                         NowUnixSeconds() + 600);
}

// A WebSocket upgrade request for `target`; `extra` header lines end in CRLF.
inline std::string Upgrade(std::string_view target, std::string_view extra = "") {
  return "GET " + std::string(target) +
         " HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
         "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n" +
         std::string(extra) + "\r\n";
}

class GatewayFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(schemas::sample_schema().register_all(registry_).ok());
    char dir[] = "/tmp/gateway-test-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    config_.threads = 1;
    config_.jwt_secret_file = WriteFile("secret", kSecret);
    subscription_ = bus_.Subscribe(
        "broadcasts", [this](std::string_view, std::string_view) { ++published_; }, {});
  }
  void TearDown() override {
    bus_.Unsubscribe(subscription_);
    gateway_.reset();
    std::system(("rm -rf " + dir_).c_str());
  }

  // A file in the scratch directory; its path.
  std::string WriteFile(const std::string& name, std::string_view text) const {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path) << text;
    return path;
  }

  GatewayContext& Context() {
    if (!gateway_) {
      gateway_ = std::make_unique<Gateway>(config_, registry_, bus_);
      EXPECT_TRUE(gateway_->Init().ok());
    }
    return gateway_->context();
  }
  std::string Answer(std::string_view request) { return Serve(Context(), request).bytes; }

  Registry registry_;
  EmbeddedBus bus_;
  GatewayConfig config_ = DefaultGatewayConfig();
  std::string dir_;
  std::unique_ptr<Gateway> gateway_;
  Bus::SubscriptionId subscription_ = 0;
  std::atomic<int> published_{0};
};

}  // namespace pubsub::gateway::testing

#endif  // PUBSUB_TESTS_SERVER_GATEWAY_GATEWAY_FIXTURE_H_
