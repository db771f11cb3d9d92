// A handler that throws costs one connection, not the gateway: a real
// gateway in-process, on a real socket, over a bus that throws when one
// topic is published to.
#include "server/gateway/fault_guard.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "sample_schema.schema.h"
#include "server/gateway/gateway.h"
#include "tests/server/gateway/fakes.h"

namespace pubsub::gateway {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Sends `request` to 127.0.0.1:port and returns everything read until the
// gateway closes the connection.
std::string Exchange(unsigned short port, const std::string& request) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)), 0);
  timeval timeout{.tv_sec = 20, .tv_usec = 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  EXPECT_EQ(::send(fd, request.data(), request.size(), 0), static_cast<ssize_t>(request.size()));
  std::string answer;
  char buffer[4096];
  for (ssize_t n; (n = ::recv(fd, buffer, sizeof(buffer), 0)) > 0;) answer.append(buffer, n);
  ::close(fd);
  return answer;
}

std::string Publish(const std::string& body) {
  return "POST /api/publish HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

TEST(FaultGuardTest, AnExceptionInAHandlerClosesThatConnectionOnly) {
  Registry registry;
  ASSERT_TRUE(schemas::sample_schema().register_all(registry).ok());
  testing::ThrowingBus bus("broadcasts");
  GatewayConfig config = DefaultGatewayConfig();
  config.listen_port = 0;
  config.threads = 1;
  config.dev_auth = true;  // publishing needs no key
  Gateway gateway(config, registry, bus);
  ASSERT_TRUE(gateway.Start().ok());

  // The bus throws inside the publish handler: that connection is closed
  // without an answer...
  const std::string broadcast = Exchange(
      gateway.port(),
      Publish(R"({"type":"new_broadcast","data":{"id":1,"title":"t","content":"","author":"a",)"
              R"("created_at":"2026-12-04T10:00:00Z"}})"));
  EXPECT_EQ(broadcast, "");
  EXPECT_EQ(gateway.context().metrics.Exceptions(Component::kHttp), 1u);

  // ...and the gateway goes on serving everyone else.
  const std::string comment =
      Exchange(gateway.port(), Publish(R"({"type":"new_comment","track_id":"1","data":{"id":2}})"));
  EXPECT_THAT(comment, StartsWith("HTTP/1.1 202 "));
  const std::string metrics =
      Exchange(gateway.port(), "GET /metrics HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_THAT(metrics, HasSubstr("pubsub_handler_exceptions_total{component=\"http\"} 1\n"));
  gateway.Shutdown();
}

}  // namespace
}  // namespace pubsub::gateway
