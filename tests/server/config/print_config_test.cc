#include "server/config/print_config.h"

#include <string>

#include <gtest/gtest.h>

namespace pubsub::gateway::internal {
namespace {

TEST(PrintConfigTest, NotesFirstThenOneAlignedLinePerValue) {
  GatewayConfig config = DefaultGatewayConfig();
  config.threads = 2;
  config.allowed_origins = {"https://a.example.com", "https://b.example.com"};
  SettingSources sources;
  sources["threads"] = {{Source::Kind::kEnvironment, "PUBSUB_THREADS"}};
  sources["allowed-origin"] = {{Source::Kind::kCommandLine, "--allowed-origin"},
                               {Source::Kind::kCommandLine, "--allowed-origin"}};
  std::string text = FormatPrintConfig(config, sources, {"config file: none"});
  EXPECT_TRUE(
      text.starts_with("# pubsub-gateway settings (precedence: flag > env > file > default)\n"
                       "# config file: none\n"
                       "listen                     127.0.0.1:8080         default\n"))
      << text;
  EXPECT_NE(text.find("\nallowed-origin             https://a.example.com  flag --allowed-origin\n"
                      "allowed-origin             https://b.example.com  flag --allowed-origin\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("\nthreads                    2                      env PUBSUB_THREADS\n"),
            std::string::npos)
      << text;
}

TEST(PrintConfigTest, AVeryLongValueDoesNotWidenTheColumn) {
  GatewayConfig config = DefaultGatewayConfig();
  config.jwt_secret_file = "/" + std::string(60, 'x');
  std::string text = FormatPrintConfig(config, {}, {});
  EXPECT_NE(text.find("\njwt-secret-file            /" + std::string(60, 'x') + "  default\n"),
            std::string::npos)
      << text;
  // The widest short value is "(none)"/"1048576"/... : the column stays narrow.
  EXPECT_NE(text.find("\nlisten                     127.0.0.1:8080  default\n"), std::string::npos)
      << text;
}

}  // namespace
}  // namespace pubsub::gateway::internal
