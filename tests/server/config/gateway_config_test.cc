#include "server/config/gateway_config.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace pubsub::gateway {
namespace {

CommandLine Parse(std::vector<std::string> args) {
  std::vector<const char*> argv = {"pubsub-gateway"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  return ParseCommandLine(static_cast<int>(argv.size()), argv.data());
}

// Parses with --dev-auth added (auth is mandatory) and expects success.
GatewayConfig ParseOk(std::vector<std::string> args) {
  args.push_back("--dev-auth");
  CommandLine parsed = Parse(args);
  EXPECT_TRUE(parsed.status.ok()) << parsed.status;
  EXPECT_FALSE(parsed.help_requested);
  return parsed.config;
}

// Expects an error whose message contains every one of `parts`.
void ExpectError(std::vector<std::string> args, std::vector<std::string> parts,
                 bool add_auth = true) {
  if (add_auth) args.push_back("--dev-auth");
  CommandLine parsed = Parse(args);
  ASSERT_FALSE(parsed.status.ok()) << args[0];
  EXPECT_TRUE(absl::IsInvalidArgument(parsed.status));
  std::string message(parsed.status.message());
  for (const std::string& part : parts) {
    EXPECT_NE(message.find(part), std::string::npos) << "'" << part << "' not in: " << message;
  }
}

TEST(GatewayConfigTest, Defaults) {
  GatewayConfig c = ParseOk({});
  EXPECT_EQ(c.listen_host, "127.0.0.1");
  EXPECT_EQ(c.listen_port, 8080);
  EXPECT_TRUE(c.grpc_listen_host.empty());
  EXPECT_FALSE(c.redis.has_value());  // the embedded bus
  EXPECT_FALSE(c.reuse_port);
  EXPECT_EQ(c.jwt_leeway_seconds, 30);
  EXPECT_TRUE(c.dev_auth);
  EXPECT_TRUE(c.allowed_origins.empty());
  EXPECT_GE(c.threads, 1u);
  EXPECT_EQ(c.threads, DefaultGatewayConfig().threads);
  EXPECT_EQ(c.send_queue_bytes, 1u << 20);
  EXPECT_EQ(c.send_queue_frames, 4096u);
  EXPECT_EQ(c.max_frame_bytes, 64u * 1024);
  EXPECT_EQ(c.max_body_bytes, 1u << 20);
  EXPECT_EQ(c.ping_interval_seconds, 20);
  EXPECT_EQ(c.idle_timeout_seconds, 60);
  EXPECT_EQ(c.handshake_timeout_seconds, 10);
  EXPECT_EQ(c.shutdown_timeout_seconds, 10);
  EXPECT_EQ(c.log_level, "info");
}

TEST(GatewayConfigTest, Listen) {
  GatewayConfig c = ParseOk({"--listen", "0.0.0.0:9000"});
  EXPECT_EQ(c.listen_host, "0.0.0.0");
  EXPECT_EQ(c.listen_port, 9000);
  c = ParseOk({"--listen=127.0.0.2:0"});
  EXPECT_EQ(c.listen_host, "127.0.0.2");
  EXPECT_EQ(c.listen_port, 0);
  c = ParseOk({"--listen", "[::1]:8081"});
  EXPECT_EQ(c.listen_host, "::1");
  EXPECT_EQ(c.listen_port, 8081);
  ExpectError({"--listen", "localhost:8080"}, {"--listen", "not an IP address"});
  ExpectError({"--listen", "127.0.0.1"}, {"--listen", "HOST:PORT"});
  ExpectError({"--listen", "127.0.0.1:65536"}, {"--listen", "0 to 65535", "65536"});
  ExpectError({"--listen", "127.0.0.1:http"}, {"--listen"});
  ExpectError({"--listen", ":8080"}, {"--listen", "missing host"});
  ExpectError({"--listen", "::1:8080"}, {"--listen", "brackets"});
  ExpectError({"--listen", "[::1"}, {"--listen", "]"});
  ExpectError({"--listen", "[127.0.0.1]:80"}, {"--listen", "IPv6"});
}

TEST(GatewayConfigTest, GrpcListen) {
  GatewayConfig c = ParseOk({"--grpc-listen", "127.0.0.1:50051"});
  EXPECT_EQ(c.grpc_listen_host, "127.0.0.1");
  EXPECT_EQ(c.grpc_listen_port, 50051);
  ExpectError({"--grpc-listen", "nope"}, {"--grpc-listen"});
}

TEST(GatewayConfigTest, Bus) {
  GatewayConfig c = ParseOk({"--bus", "redis://127.0.0.1:6379"});
  ASSERT_TRUE(c.redis.has_value());
  EXPECT_EQ(c.redis->node.host, "127.0.0.1");
  EXPECT_EQ(c.redis->node.port, 6379);
  EXPECT_EQ(c.redis->node.db, 0);
  EXPECT_TRUE(c.redis->node.password.empty());
  c = ParseOk({"--bus=redis://redis.internal/3"});
  ASSERT_TRUE(c.redis.has_value());
  EXPECT_EQ(c.redis->node.host, "redis.internal");
  EXPECT_EQ(c.redis->node.port, 6379);
  EXPECT_EQ(c.redis->node.db, 3);
  c = ParseOk({"--bus", "redis://[::1]:7000/"});
  EXPECT_EQ(c.redis->node.host, "::1");
  EXPECT_EQ(c.redis->node.port, 7000);
  c = ParseOk({"--bus", "redis://h:1", "--bus", "memory"});  // last wins
  EXPECT_FALSE(c.redis.has_value());

  // Credentials in the URL work (ParseRedisUrl is the one parser); --help
  // recommends --redis-password-file instead.
  c = ParseOk({"--bus", "redis://app:s3cret@h:6380/1"});
  ASSERT_TRUE(c.redis.has_value());
  EXPECT_EQ(c.redis->node.username, "app");
  EXPECT_EQ(c.redis->node.password, "s3cret");
  EXPECT_EQ(c.redis->node.host, "h");
  EXPECT_EQ(c.redis->node.port, 6380);
  EXPECT_EQ(c.redis->node.db, 1);

  c = ParseOk({"--bus", "redis-cluster://:pw@10.0.0.1:7000,10.0.0.2:7001"});
  ASSERT_TRUE(c.redis.has_value());
  ASSERT_TRUE(c.redis->cluster());
  EXPECT_EQ(c.redis->cluster_seeds.size(), 2u);
  EXPECT_EQ(c.redis->cluster_seeds[1].first, "10.0.0.2");
  EXPECT_EQ(c.redis->cluster_seeds[1].second, 7001);
  EXPECT_EQ(c.redis->node.password, "pw");
  ExpectError({"--bus", "redis-cluster://h:7000/2"}, {"--bus"});

  ExpectError({"--bus", "kafka://x"}, {"--bus", "memory", "redis://", "'kafka://x'"});
  ExpectError({"--bus", "Memory"}, {"--bus", "memory", "'Memory'"});
  ExpectError({"--bus", "rediss://h:6380"}, {"--bus", "TLS"});
  ExpectError({"--bus", "redis://h:6379/x"}, {"--bus", "database"});
  ExpectError({"--bus", "redis://h:6379/0?timeout=1"}, {"--bus", "query"});
  ExpectError({"--bus", "redis://h:0"}, {"--bus", "port"});
  ExpectError({"--bus", "redis://"}, {"--bus", "missing host"});
  ExpectError({"--bus", "redis://bad_host!:1"}, {"--bus", "host"});
  ExpectError({"--bus", "redis://user@h"}, {"--bus", "password"});
}

TEST(GatewayConfigTest, BusErrorsNeverQuoteAPassword) {
  for (const char* url : {"redis://:hunter2@h:0", "redis://:hunter2@", "redis://u:hunter2@h/x",
                          "http://:hunter2@h", "redis:/:hunter2@h"}) {
    CommandLine parsed = Parse({"--bus", url, "--dev-auth"});
    ASSERT_FALSE(parsed.status.ok()) << url;
    EXPECT_EQ(parsed.status.message().find("hunter2"), std::string::npos) << parsed.status;
  }
}

TEST(GatewayConfigTest, ReusePort) {
  EXPECT_TRUE(ParseOk({"--reuse-port"}).reuse_port);
  ExpectError({"--reuse-port=1"}, {"--reuse-port", "takes no value"});
}

TEST(GatewayConfigTest, AuthModes) {
  CommandLine parsed = Parse({"--jwt-secret-file", "/etc/secret"});
  ASSERT_TRUE(parsed.status.ok()) << parsed.status;
  EXPECT_EQ(parsed.config.jwt_secret_file, "/etc/secret");
  EXPECT_FALSE(parsed.config.dev_auth);
  parsed = Parse({"--jwt-public-key-file=/etc/key.pem", "--jwt-secret-file", "s"});
  ASSERT_TRUE(parsed.status.ok()) << parsed.status;
  EXPECT_EQ(parsed.config.jwt_public_key_file, "/etc/key.pem");
  parsed = Parse({"--jwt-public-key-file=/etc/key.pem", "--jwt-leeway-seconds", "60"});
  ASSERT_TRUE(parsed.status.ok()) << parsed.status;
  EXPECT_EQ(parsed.config.jwt_leeway_seconds, 60);

  ExpectError({}, {"choose an auth mode", "--dev-auth", "--jwt-secret-file"}, false);
  ExpectError({"--jwt-secret-file", "s"}, {"--dev-auth", "cannot be combined"});
  ExpectError({"--jwt-leeway-seconds", "61"}, {"--jwt-leeway-seconds", "0 to 60"});
  ExpectError({"--jwt-leeway-seconds", "-1"}, {"--jwt-leeway-seconds"});
  ExpectError({"--jwt-secret-file="}, {"--jwt-secret-file", "file name"}, false);
  ExpectError({"--dev-auth=yes"}, {"--dev-auth", "takes no value"}, false);
}

TEST(GatewayConfigTest, RedisPasswordFile) {
  GatewayConfig c = ParseOk({"--bus", "redis://10.0.0.5:6380/2", "--redis-password-file", "/p"});
  EXPECT_EQ(c.redis_password_file, "/p");
  // The password once: in the file or (not recommended) in the URL.
  ExpectError({"--bus", "redis://:pw@127.0.0.1", "--redis-password-file", "/p"},
              {"--redis-password-file", "--bus", "password"});
  ExpectError({"--redis-password-file", "/p"}, {"--redis-password-file", "--bus redis://"});
}

TEST(GatewayConfigTest, PublisherKeyAndOrigins) {
  GatewayConfig c =
      ParseOk({"--publisher-key-file", "/k", "--allowed-origin", "https://App.Example.com",
               "--allowed-origin=http://localhost:3000", "--allowed-origin",
               "https://example.com:443", "--allowed-origin", "http://[::1]:8080"});
  EXPECT_EQ(c.publisher_key_file, "/k");
  EXPECT_EQ(c.allowed_origins,
            (std::vector<std::string>{"https://app.example.com", "http://localhost:3000",
                                      "https://example.com", "http://[::1]:8080"}));
  ExpectError({"--allowed-origin", "example.com"}, {"--allowed-origin", "https://"});
  ExpectError({"--allowed-origin", "https://example.com/"}, {"--allowed-origin", "no path"});
  ExpectError({"--allowed-origin", "https://example.com/app"}, {"--allowed-origin", "no path"});
  ExpectError({"--allowed-origin", "https://u@example.com"}, {"--allowed-origin", "user"});
  ExpectError({"--allowed-origin", "https://"}, {"--allowed-origin"});
  ExpectError({"--allowed-origin", "https://exa mple.com"}, {"--allowed-origin", "bad host"});
}

TEST(GatewayConfigTest, NumericFlags) {
  GatewayConfig c =
      ParseOk({"--threads", "3", "--send-queue-bytes", "2048", "--send-queue-frames=10",
               "--max-frame-bytes", "125", "--max-body-bytes", "100", "--ping-interval-seconds",
               "5", "--idle-timeout-seconds", "6", "--handshake-timeout-seconds", "2",
               "--shutdown-timeout-seconds", "0"});
  EXPECT_EQ(c.threads, 3u);
  EXPECT_EQ(c.send_queue_bytes, 2048u);
  EXPECT_EQ(c.send_queue_frames, 10u);
  EXPECT_EQ(c.max_frame_bytes, 125u);
  EXPECT_EQ(c.max_body_bytes, 100u);
  EXPECT_EQ(c.ping_interval_seconds, 5);
  EXPECT_EQ(c.idle_timeout_seconds, 6);
  EXPECT_EQ(c.handshake_timeout_seconds, 2);
  EXPECT_EQ(c.shutdown_timeout_seconds, 0);

  ExpectError({"--threads", "0"}, {"--threads", "1 to 1024", "'0'"});
  ExpectError({"--threads", "many"}, {"--threads", "'many'"});
  ExpectError({"--threads", "2x"}, {"--threads"});
  ExpectError({"--threads", " 2"}, {"--threads"});
  ExpectError({"--threads", "99999999999999999999999"}, {"--threads"});
  ExpectError({"--send-queue-bytes", "10"}, {"--send-queue-bytes", "1024"});
  ExpectError({"--send-queue-frames", "0"}, {"--send-queue-frames"});
  ExpectError({"--max-frame-bytes", "0"}, {"--max-frame-bytes"});
  ExpectError({"--max-body-bytes", "1e6"}, {"--max-body-bytes"});
  ExpectError({"--ping-interval-seconds", "0"}, {"--ping-interval-seconds"});
  ExpectError({"--idle-timeout-seconds", "0"}, {"--idle-timeout-seconds"});
  ExpectError({"--handshake-timeout-seconds", "0"}, {"--handshake-timeout-seconds"});
  ExpectError({"--shutdown-timeout-seconds", "-5"}, {"--shutdown-timeout-seconds"});
  ExpectError({"--ping-interval-seconds", "60"},
              {"--ping-interval-seconds", "less than", "--idle-timeout-seconds"});
}

TEST(GatewayConfigTest, LogLevel) {
  EXPECT_EQ(ParseOk({"--log-level", "debug"}).log_level, "debug");
  EXPECT_EQ(ParseOk({"--log-level=warning"}).log_level, "warn");
  EXPECT_EQ(ParseOk({"--log-level", "off"}).log_level, "off");
  ExpectError({"--log-level", "loud"}, {"--log-level", "trace", "'loud'"});
}

TEST(GatewayConfigTest, LastValueWins) {
  GatewayConfig c = ParseOk({"--threads", "2", "--threads", "4"});
  EXPECT_EQ(c.threads, 4u);
}

TEST(GatewayConfigTest, BadArguments) {
  ExpectError({"--bogus"}, {"unknown flag --bogus"});
  ExpectError({"--bogus=1"}, {"unknown flag --bogus"});
  ExpectError({"listen"}, {"unexpected argument 'listen'"});
  ExpectError({"-l"}, {"unexpected argument '-l'"});
  ExpectError({"--listen"}, {"--listen", "needs a value"}, false);
  ExpectError({"--jwt-secret-file", "--dev-auth"}, {"--jwt-secret-file", "needs a value"}, false);
  ExpectError({"--listen="}, {"--listen"});
}

TEST(GatewayConfigTest, Help) {
  for (auto args : {std::vector<std::string>{"--help"}, std::vector<std::string>{"-h"},
                    std::vector<std::string>{"--bogus", "--help"}}) {
    CommandLine parsed = Parse(args);
    EXPECT_TRUE(parsed.help_requested);
    EXPECT_TRUE(parsed.status.ok());
    EXPECT_EQ(parsed.help_text, HelpText());
  }
  std::string help = HelpText();
  for (std::string_view flag : {"--listen",
                                "--grpc-listen",
                                "--reuse-port",
                                "--bus",
                                "--redis-password-file",
                                "--jwt-secret-file",
                                "--jwt-public-key-file",
                                "--jwt-leeway-seconds",
                                "--dev-auth",
                                "--publisher-key-file",
                                "--allowed-origin",
                                "--threads",
                                "--send-queue-bytes",
                                "--send-queue-frames",
                                "--max-frame-bytes",
                                "--max-body-bytes",
                                "--ping-interval-seconds",
                                "--idle-timeout-seconds",
                                "--handshake-timeout-seconds",
                                "--shutdown-timeout-seconds",
                                "--log-level",
                                "--help"}) {
    EXPECT_NE(help.find(flag), std::string::npos) << flag;
  }
  // Defaults and the HTTP surface.
  for (std::string_view text :
       {"Default: 127.0.0.1:8080", "Default: memory", "Default: 30", "Default: 4096",
        "Default: 65536", "Default: 20", "Default: 60", "Default: info", "POST /api/publish",
        "/api/stats[?user=ID]", "ws://HOST/ws/comments/42?token=JWT",
        // A URL's password is visible in ps; how to make a strong JWT secret.
        "redis://[[USER]:PASSWORD@]HOST", "prefer --redis-password-file", "at least 32 bytes",
        "head -c 32 /dev/urandom | base64 > FILE"}) {
    EXPECT_NE(help.find(text), std::string::npos) << text;
  }
}

}  // namespace
}  // namespace pubsub::gateway
