#include "server/config/gateway_config.h"

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "server/config/settings.h"

namespace pubsub::gateway {
namespace {

// The command line alone: an empty environment, whatever the test's own is.
CommandLine Parse(std::vector<std::string> args, const Environment& environment = {}) {
  std::vector<const char*> argv = {"pubsub-gateway"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  return ParseCommandLine(static_cast<int>(argv.size()), argv.data(), environment);
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

// Writes `content` to a file of the test's temporary directory; its path.
std::string WriteConfig(std::string_view name, std::string_view content) {
  std::string path = testing::TempDir() + std::string(name);
  std::ofstream(path) << content;
  return path;
}

// The lines of --print-config that start with "SETTING ".
std::vector<std::string> PrintedLines(const std::string& text, std::string_view setting) {
  std::vector<std::string> lines;
  size_t begin = 0;
  while (begin < text.size()) {
    size_t end = text.find('\n', begin);
    std::string line = text.substr(begin, end - begin);
    if (line.starts_with(std::string(setting) + " ")) lines.push_back(line);
    begin = end + 1;
  }
  return lines;
}

// "threads   4   env PUBSUB_THREADS" -> {"threads", "4", "env PUBSUB_THREADS"}.
std::vector<std::string> Columns(const std::string& line) {
  std::vector<std::string> columns;
  size_t begin = 0;
  while (begin < line.size()) {
    // Columns are separated by at least two spaces; a source has one inside.
    size_t end = line.find("  ", begin);
    if (end == std::string::npos) end = line.size();
    columns.push_back(line.substr(begin, end - begin));
    begin = line.find_first_not_of(' ', end);
    if (begin == std::string::npos) break;
  }
  return columns;
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
                                "--admin-role",
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

// --- Sources: command line > environment > config file > default ---

TEST(GatewayConfigSourcesTest, EachSettingFromTheHighestSourceThatSetsIt) {
  const std::string file = WriteConfig("precedence.conf",
                                       "# a comment\n"
                                       "listen = 0.0.0.0:9000\n"
                                       "threads = 2\n"
                                       "log-level = warn\n"
                                       "max-frame-bytes = 1000\n");
  CommandLine parsed = Parse({"--config", file, "--log-level", "error", "--dev-auth"},
                             {{"PUBSUB_THREADS", "3"}, {"PUBSUB_LOG_LEVEL", "debug"}});
  ASSERT_TRUE(parsed.status.ok()) << parsed.status;
  EXPECT_EQ(parsed.config.listen_host, "0.0.0.0");  // file
  EXPECT_EQ(parsed.config.listen_port, 9000);
  EXPECT_EQ(parsed.config.max_frame_bytes, 1000u);    // file
  EXPECT_EQ(parsed.config.threads, 3u);               // environment over file
  EXPECT_EQ(parsed.config.log_level, "error");        // command line over both
  EXPECT_EQ(parsed.config.send_queue_frames, 4096u);  // default
  EXPECT_FALSE(parsed.print_config_requested);
  EXPECT_TRUE(parsed.print_config_text.empty());
}

TEST(GatewayConfigSourcesTest, ConfigFileFromTheEnvironmentUnlessTheCommandLineNamesOne) {
  const std::string from_env = WriteConfig("from-env.conf", "threads = 5\n");
  const std::string from_flag = WriteConfig("from-flag.conf", "threads = 6\n");
  EXPECT_EQ(Parse({"--dev-auth"}, {{"PUBSUB_CONFIG", from_env}}).config.threads, 5u);
  EXPECT_EQ(
      Parse({"--config=" + from_flag, "--dev-auth"}, {{"PUBSUB_CONFIG", from_env}}).config.threads,
      6u);
  // An empty PUBSUB_CONFIG is no config file.
  CommandLine parsed = Parse({"--dev-auth"}, {{"PUBSUB_CONFIG", ""}});
  EXPECT_TRUE(parsed.status.ok()) << parsed.status;
  ExpectError({"--config"}, {"--config", "needs a value"});
  ExpectError({"--config="}, {"--config", "file name"});
}

TEST(GatewayConfigSourcesTest, EveryFlagHasAnEnvironmentVariableAndAConfigFileKey) {
  // One value each source accepts for every setting; the environment and
  // the file must set exactly what the flag sets.
  const std::map<std::string_view, std::string> values = {
      {"listen", "0.0.0.0:9001"},
      {"grpc-listen", "127.0.0.1:50052"},
      {"reuse-port", "true"},
      {"bus", "redis://10.0.0.5:6380/2"},
      {"redis-password-file", "/run/secrets/redis-password"},
      {"allowed-origin", "https://app.example.com"},
      {"jwt-secret-file", "/run/secrets/jwt-secret"},
      {"jwt-public-key-file", "/run/secrets/jwt.pem"},
      {"jwt-leeway-seconds", "7"},
      {"dev-auth", "false"},
      {"publisher-key-file", "/run/secrets/publisher-key"},
      {"admin-role", "ops"},
      {"threads", "9"},
      {"send-queue-bytes", "4096"},
      {"send-queue-frames", "99"},
      {"max-frame-bytes", "999"},
      {"max-body-bytes", "998"},
      {"loop-queue-bytes", "100000"},
      {"ping-interval-seconds", "4"},
      {"idle-timeout-seconds", "40"},
      {"handshake-timeout-seconds", "3"},
      {"shutdown-timeout-seconds", "2"},
      {"log-level", "debug"},
  };
  ASSERT_EQ(values.size(), internal::Settings().size());
  std::vector<std::string> args;
  Environment environment;
  std::string file_text;
  for (const internal::Setting& setting : internal::Settings()) {
    auto value = values.find(setting.name);
    ASSERT_NE(value, values.end()) << setting.name;
    if (setting.kind == internal::SettingKind::kSwitch) {
      if (value->second == "true") args.push_back("--" + std::string(setting.name));
    } else {
      args.push_back("--" + std::string(setting.name) + "=" + value->second);
    }
    environment[internal::EnvironmentVariable(setting.name)] = value->second;
    file_text += std::string(setting.name) + " = " + value->second + "\n";
  }
  CommandLine from_flags = Parse(args);
  CommandLine from_environment = Parse({}, environment);
  CommandLine from_file = Parse({"--config", WriteConfig("every.conf", file_text)});
  ASSERT_TRUE(from_flags.status.ok()) << from_flags.status;
  ASSERT_TRUE(from_environment.status.ok()) << from_environment.status;
  ASSERT_TRUE(from_file.status.ok()) << from_file.status;
  for (const internal::Setting& setting : internal::Settings()) {
    EXPECT_EQ(setting.show(from_environment.config), setting.show(from_flags.config))
        << setting.name;
    EXPECT_EQ(setting.show(from_file.config), setting.show(from_flags.config)) << setting.name;
    // dev-auth = true cannot go with the JWT files (SwitchesTakeBooleans...
    // sets it from each source).
    if (setting.name == "dev-auth") continue;
    EXPECT_NE(setting.show(from_flags.config), setting.show(DefaultGatewayConfig()))
        << setting.name << ": the test value is the default";
  }
  EXPECT_EQ(internal::EnvironmentVariable("allowed-origin"), "PUBSUB_ALLOWED_ORIGIN");
}

TEST(GatewayConfigSourcesTest, SwitchesTakeBooleansOutsideTheCommandLine) {
  for (const char* yes : {"true", "1", "yes", "on", "TRUE", "Yes"}) {
    CommandLine parsed = Parse({}, {{"PUBSUB_DEV_AUTH", yes}, {"PUBSUB_REUSE_PORT", yes}});
    ASSERT_TRUE(parsed.status.ok()) << yes << ": " << parsed.status;
    EXPECT_TRUE(parsed.config.dev_auth);
    EXPECT_TRUE(parsed.config.reuse_port);
  }
  // false in the environment turns off what the file turned on.
  const std::string file = WriteConfig("switch.conf", "dev-auth = yes\nreuse-port = on\n");
  for (const char* no : {"false", "0", "no", "off", "False"}) {
    CommandLine parsed = Parse({"--config", file, "--jwt-secret-file", "/s"},
                               {{"PUBSUB_DEV_AUTH", no}, {"PUBSUB_REUSE_PORT", no}});
    ASSERT_TRUE(parsed.status.ok()) << no << ": " << parsed.status;
    EXPECT_FALSE(parsed.config.dev_auth);
    EXPECT_FALSE(parsed.config.reuse_port);
  }
  CommandLine parsed = Parse({}, {{"PUBSUB_DEV_AUTH", "maybe"}});
  EXPECT_EQ(parsed.status.message(),
            "environment PUBSUB_DEV_AUTH: expected true or false (also 1/0, yes/no, on/off), got "
            "'maybe'");
  parsed = Parse({"--config", WriteConfig("bad-switch.conf", "\n\nreuse-port = y\n")});
  EXPECT_EQ(parsed.status.message(),
            "config file " + testing::TempDir() +
                "bad-switch.conf:3: reuse-port: expected true or false (also 1/0, yes/no, "
                "on/off), got 'y'");
}

TEST(GatewayConfigSourcesTest, AListIsTakenWholeFromTheHighestSourceThatSetsIt) {
  const std::string file = WriteConfig("origins.conf",
                                       "allowed-origin = https://a.example.com\n"
                                       "allowed-origin = https://B.example.com\n");
  EXPECT_EQ(ParseOk({"--config", file}).allowed_origins,
            (std::vector<std::string>{"https://a.example.com", "https://b.example.com"}));
  // The environment's list, commas or spaces between origins, replaces the file's.
  CommandLine parsed =
      Parse({"--config", file, "--dev-auth"},
            {{"PUBSUB_ALLOWED_ORIGIN", "https://c.example.com, https://d.example.com"}});
  EXPECT_EQ(parsed.config.allowed_origins,
            (std::vector<std::string>{"https://c.example.com", "https://d.example.com"}));
  // The command line's replaces both.
  parsed = Parse({"--config", file, "--dev-auth", "--allowed-origin", "https://e.example.com"},
                 {{"PUBSUB_ALLOWED_ORIGIN", "https://c.example.com"}});
  EXPECT_EQ(parsed.config.allowed_origins, (std::vector<std::string>{"https://e.example.com"}));
  parsed = Parse({"--dev-auth"}, {{"PUBSUB_ALLOWED_ORIGIN", "https://c.example.com/app"}});
  EXPECT_NE(
      parsed.status.message().find("environment PUBSUB_ALLOWED_ORIGIN: an origin has no path"),
      std::string::npos)
      << parsed.status;
}

TEST(GatewayConfigSourcesTest, ErrorsNameTheSource) {
  const std::string file = WriteConfig("errors.conf", "threads = 2\n\nlisen = 0.0.0.0:80\n");
  CommandLine parsed = Parse({"--config", file, "--dev-auth"});
  EXPECT_EQ(parsed.status.message(),
            "config file " + file + ":3: unknown setting 'lisen' (did you mean 'listen'?)");

  parsed =
      Parse({"--config", WriteConfig("value.conf", "# limits\nthreads = many\n"), "--dev-auth"});
  EXPECT_EQ(parsed.status.message(), "config file " + testing::TempDir() +
                                         "value.conf:2: threads: expected a number from 1 to "
                                         "1024, got 'many'");

  parsed = Parse({"--dev-auth"}, {{"PUBSUB_LISTEN", "localhost:80"}});
  EXPECT_NE(
      parsed.status.message().find("environment PUBSUB_LISTEN: 'localhost' is not an IP address"),
      std::string::npos)
      << parsed.status;

  // A broken line is an error even when a higher source overrides it.
  parsed = Parse(
      {"--config", WriteConfig("hidden.conf", "threads = 0\n"), "--dev-auth", "--threads", "2"});
  EXPECT_NE(parsed.status.message().find("hidden.conf:1: threads"), std::string::npos)
      << parsed.status;

  parsed = Parse({"--config", testing::TempDir() + "missing.conf", "--dev-auth"});
  EXPECT_EQ(parsed.status.message(), "config file " + testing::TempDir() +
                                         "missing.conf: cannot read: No such file or directory");
  parsed = Parse({"--dev-auth"}, {{"PUBSUB_CONFIG", testing::TempDir() + "missing.conf"}});
  EXPECT_NE(parsed.status.message().find("missing.conf: cannot read"), std::string::npos);
}

TEST(GatewayConfigSourcesTest, CombinationErrorsSayWhereEachSettingCameFrom) {
  const std::string file = WriteConfig("auth.conf", "log-level = info\ndev-auth = true\n");
  CommandLine parsed =
      Parse({"--config", file}, {{"PUBSUB_JWT_SECRET_FILE", "/run/secrets/jwt-secret"}});
  EXPECT_EQ(parsed.status.message(),
            "--dev-auth cannot be combined with --jwt-secret-file/--jwt-public-key-file: choose "
            "one auth mode (dev-auth: file " +
                file + ":2; jwt-secret-file: env PUBSUB_JWT_SECRET_FILE)");
  // Flags typed on the command line need no explanation.
  parsed = Parse({"--dev-auth", "--jwt-secret-file", "/s"});
  EXPECT_EQ(parsed.status.message(),
            "--dev-auth cannot be combined with --jwt-secret-file/--jwt-public-key-file: choose "
            "one auth mode");
}

TEST(GatewayConfigSourcesTest, EmptyAndUnknownEnvironmentVariablesAreIgnored) {
  CommandLine parsed = Parse({"--dev-auth", "--print-config"},
                             {{"PUBSUB_LISTEN", ""},
                              {"PUBSUB_GATEWAY_BIN", "/usr/local/bin/pubsub-gateway"},
                              {"PUBSUB_LISEN", "0.0.0.0:80"},
                              {"PUBSUB_PRINT_CONFIG", "1"},
                              {"PUBSUB_listen", "0.0.0.0:81"},
                              {"HOME", "/root"}});
  ASSERT_TRUE(parsed.status.ok()) << parsed.status;
  EXPECT_EQ(parsed.config.listen_host, "127.0.0.1");
  EXPECT_EQ(parsed.config.listen_port, 8080);
  const std::string& text = parsed.print_config_text;
  for (std::string_view note :
       {"# ignored: env PUBSUB_GATEWAY_BIN (not a setting)\n",
        "# ignored: env PUBSUB_LISEN (not a setting; did you mean PUBSUB_LISTEN?)\n",
        "# ignored: env PUBSUB_LISTEN (empty)\n",
        "# ignored: env PUBSUB_PRINT_CONFIG (--print-config is a command-line option)\n",
        "# ignored: env PUBSUB_listen (not a setting; did you mean PUBSUB_LISTEN?)\n"}) {
    EXPECT_NE(text.find(note), std::string::npos) << note << " not in:\n" << text;
  }
  EXPECT_EQ(text.find("HOME"), std::string::npos);
  // A likely typo is also a start-up warning; a variable of another tool is not.
  EXPECT_EQ(parsed.warnings,
            (std::vector<std::string>{
                "environment PUBSUB_LISEN is not a setting and is ignored (did you mean "
                "PUBSUB_LISTEN?)",
                "environment PUBSUB_listen is not a setting and is ignored (did you mean "
                "PUBSUB_LISTEN?)"}));
}

// --- --print-config ---

TEST(GatewayConfigPrintTest, EverySettingWithItsValueAndSource) {
  const std::string file = WriteConfig("print.conf",
                                       "listen = 0.0.0.0:9000\n"
                                       "allowed-origin = https://a.example.com\n"
                                       "allowed-origin = https://b.example.com\n"
                                       "jwt-secret-file = /run/secrets/jwt-secret\n");
  CommandLine parsed =
      Parse({"--print-config", "--threads", "4", "--config", file},
            {{"PUBSUB_BUS", "redis://app:hunter2@10.0.0.5"}, {"PUBSUB_REUSE_PORT", "yes"}});
  ASSERT_TRUE(parsed.status.ok()) << parsed.status;
  EXPECT_TRUE(parsed.print_config_requested);
  const std::string expected =
      "# pubsub-gateway settings (precedence: flag > env > file > default)\n"
      "# config file: " +
      file +
      " (flag --config)\n"
      "listen                     0.0.0.0:9000                      file " +
      file +
      ":1\n"
      "grpc-listen                (off)                             default\n"
      "reuse-port                 true                              env PUBSUB_REUSE_PORT\n"
      "bus                        redis://app:****@10.0.0.5:6379/0  env PUBSUB_BUS\n"
      "redis-password-file        (none)                            default\n"
      "allowed-origin             https://a.example.com             file " +
      file +
      ":2\n"
      "allowed-origin             https://b.example.com             file " +
      file +
      ":3\n"
      "jwt-secret-file            /run/secrets/jwt-secret           file " +
      file +
      ":4\n"
      "jwt-public-key-file        (none)                            default\n"
      "jwt-leeway-seconds         30                                default\n"
      "dev-auth                   false                             default\n"
      "publisher-key-file         (none)                            default\n"
      "admin-role                 admin                             default\n"
      "threads                    4                                 flag --threads\n"
      "send-queue-bytes           1048576                           default\n"
      "send-queue-frames          4096                              default\n"
      "max-frame-bytes            65536                             default\n"
      "max-body-bytes             1048576                           default\n"
      "loop-queue-bytes           33554432                          default\n"
      "ping-interval-seconds      20                                default\n"
      "idle-timeout-seconds       60                                default\n"
      "handshake-timeout-seconds  10                                default\n"
      "shutdown-timeout-seconds   10                                default\n"
      "log-level                  info                              default\n";
  EXPECT_EQ(parsed.print_config_text, expected);
}

TEST(GatewayConfigPrintTest, ARedisPasswordIsNeverPrinted) {
  const std::string file =
      WriteConfig("password.conf", "bus = redis-cluster://:hunter2@10.0.0.1:7000,[::1]:7001\n");
  for (CommandLine parsed :
       {Parse({"--print-config", "--dev-auth", "--bus", "redis://u%40x:hunter2@h:6380/1"}),
        Parse({"--print-config", "--dev-auth"}, {{"PUBSUB_BUS", "redis://:hunter2@h"}}),
        Parse({"--print-config", "--dev-auth", "--config", file})}) {
    ASSERT_TRUE(parsed.status.ok()) << parsed.status;
    EXPECT_EQ(parsed.print_config_text.find("hunter2"), std::string::npos)
        << parsed.print_config_text;
    ASSERT_EQ(PrintedLines(parsed.print_config_text, "bus").size(), 1u);
    EXPECT_NE(PrintedLines(parsed.print_config_text, "bus")[0].find(":****@"), std::string::npos);
  }
  CommandLine parsed =
      Parse({"--print-config", "--dev-auth", "--bus", "redis://u%40x:hunter2@h:6380/1"});
  EXPECT_EQ(Columns(PrintedLines(parsed.print_config_text, "bus")[0])[1],
            "redis://u%40x:****@h:6380/1");
  parsed = Parse({"--print-config", "--dev-auth", "--config", file});
  EXPECT_EQ(Columns(PrintedLines(parsed.print_config_text, "bus")[0])[1],
            "redis-cluster://:****@10.0.0.1:7000,[::1]:7001");
}

TEST(GatewayConfigPrintTest, PrintedEvenWhenARuleBetweenSettingsFails) {
  // The text shows what broke the rule; the status says which rule.
  CommandLine parsed = Parse({"--print-config"}, {{"PUBSUB_DEV_AUTH", "false"}});
  EXPECT_TRUE(parsed.print_config_requested);
  EXPECT_NE(parsed.status.message().find("choose an auth mode"), std::string::npos);
  EXPECT_EQ(Columns(PrintedLines(parsed.print_config_text, "dev-auth")[0]),
            (std::vector<std::string>{"dev-auth", "false", "env PUBSUB_DEV_AUTH"}));
  // A value that does not parse has no effective value to print.
  parsed = Parse({"--print-config", "--dev-auth", "--threads", "0"});
  EXPECT_FALSE(parsed.status.ok());
  EXPECT_TRUE(parsed.print_config_text.empty());
  ExpectError({"--print-config=yes"}, {"--print-config", "takes no value"});
}

TEST(GatewayConfigPrintTest, HelpMentionsEverySourceAndEverySetting) {
  std::string help = HelpText();
  for (std::string_view text :
       {"--config FILE", "PUBSUB_CONFIG", "--print-config", "PUBSUB_LISTEN=0.0.0.0:8080",
        "command line > environment > config file > default", "true/false",
        "allowed-origin = https://app.example.com", "shown as ****"}) {
    EXPECT_NE(help.find(text), std::string::npos) << text;
  }
  for (const internal::Setting& setting : internal::Settings()) {
    EXPECT_NE(help.find("  --" + std::string(setting.name) + " "), std::string::npos)
        << setting.name;
  }
}

}  // namespace
}  // namespace pubsub::gateway
