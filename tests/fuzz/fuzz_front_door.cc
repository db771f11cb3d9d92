// Fuzz target: the gateway's whole HTTP front door, request bytes in and
// response bytes out: the bounded request reader (chunked bodies, trailers,
// pipelining), the front door's decisions (routing, publisher key, stats,
// WebSocket admission with JWT), publishing through the embedded bus, and
// the serialized responses. The same code path as a real HTTP session
// (tests/server/gateway/front_door_driver.h), without the socket.
//
// Input byte 0 picks how the bytes arrive: 0 all at once, otherwise in
// pieces of that many bytes. The rest is what the client sends.
// Checks: no crash, leak or undefined behaviour; the answer is a sequence of
// well-formed HTTP/1.1 responses with statuses the gateway documents (never
// 5xx: nothing here is down), the last one ends the exchange when it says
// "Connection: close" or is a 101; and the answers do not depend on how the
// bytes were split (but for which refusal ends a malformed exchange).
#include <google/protobuf/stubs/logging.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pubsub/embedded_bus.h"
#include "sample_schema.schema.h"
#include "server/gateway/gateway.h"
#include "tests/server/gateway/front_door_driver.h"

namespace {

// The seeds' tokens are minted with this secret (tests/fuzz/README.md).
constexpr std::string_view kSecret = "fuzz-front-door-secret-32-bytes-long!";
constexpr std::string_view kKey = "fuzz-publisher-key";

void Check(bool condition, int line = __builtin_LINE()) {
  if (condition) return;
  std::fprintf(stderr, "fuzz_front_door.cc:%d: check failed\n", line);
  std::abort();
}

struct World {
  World() {
    spdlog::set_level(spdlog::level::off);
    google::protobuf::SetLogHandler(nullptr);
    Check(pubsub::schemas::sample_schema().register_all(registry).ok());
    char dir[] = "/tmp/pubsub-fuzz-front-door-XXXXXX";
    Check(mkdtemp(dir) != nullptr);
    config.threads = 1;
    config.jwt_secret_file = std::string(dir) + "/secret";
    config.publisher_key_file = std::string(dir) + "/key";
    std::ofstream(config.jwt_secret_file) << kSecret;
    std::ofstream(config.publisher_key_file) << kKey;
    gateway = std::make_unique<pubsub::gateway::Gateway>(config, registry, bus);
    const absl::Status started = gateway->Init();
    if (!started.ok()) std::fprintf(stderr, "fuzz_front_door: %s\n", started.ToString().c_str());
    Check(started.ok());
  }
  pubsub::Registry registry;
  pubsub::EmbeddedBus bus;
  pubsub::gateway::GatewayConfig config = pubsub::gateway::DefaultGatewayConfig();
  std::unique_ptr<pubsub::gateway::Gateway> gateway;
};

World& TheWorld() {
  static World* world = new World();
  return *world;
}

// The status of every response in `answer`, checking its framing.
std::vector<int> Statuses(std::string_view answer) {
  std::vector<int> statuses;
  while (!answer.empty()) {
    Check(answer.starts_with("HTTP/1.1 ") || answer.starts_with("HTTP/1.0 "));
    Check(answer.size() >= 12);
    const int status = std::atoi(std::string(answer.substr(9, 3)).c_str());
    Check(status >= 100 && status < 500 && status != 100);
    statuses.push_back(status);
    const size_t end = answer.find("\r\n\r\n");
    Check(end != std::string_view::npos);
    const std::string_view head = answer.substr(0, end + 2);
    answer.remove_prefix(end + 4);
    if (status == 101) {
      Check(answer.empty());  // the connection is a WebSocket now
      break;
    }
    const size_t length_at = head.find("\r\nContent-Length: ");
    Check(length_at != std::string_view::npos);
    const size_t length = std::strtoull(head.data() + length_at + 18, nullptr, 10);
    Check(length <= answer.size());
    answer.remove_prefix(length);
    if (head.find("\r\nConnection: close\r\n") != std::string_view::npos) Check(answer.empty());
  }
  return statuses;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  World& world = TheWorld();
  const size_t chunk = data[0] == 0 ? size : data[0];
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto& context = world.gateway->context();
  const auto split = pubsub::gateway::testing::Serve(context, input, chunk);
  const auto whole = pubsub::gateway::testing::Serve(context, input);
  // Beast finds some errors as soon as it sees them and others only once
  // the whole header is in, so the last answer may be a different refusal.
  const std::vector<int> a = Statuses(split.bytes);
  const std::vector<int> b = Statuses(whole.bytes);
  Check(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    Check(a[i] == b[i] || (i + 1 == a.size() && a[i] >= 400 && b[i] >= 400));
  }
  Check(split.upgrades.size() == whole.upgrades.size());
  return 0;
}
