// pubsub token: mints a development JWT with the gateway's own minting code.
#include <charconv>
#include <chrono>

#include "server/auth/jwt.h"
#include "tools/cli/args.h"
#include "tools/cli/cli.h"
#include "tools/cli/commands.h"

namespace pubsub::cli {
namespace {

constexpr std::string_view kHelp = R"help(pubsub token: mint a development JWT (HS256).

Usage:
  pubsub token --user U [--role R ...] [--ttl SECONDS] --secret-file FILE

Prints a token that a gateway started with "--jwt-secret-file FILE" accepts
(claims: sub = U, roles = [R, ...] when given, exp = now + SECONDS), e.g.
  ws://HOST:PORT/ws/broadcasts?token=$(pubsub token --user ann --secret-file secret)

Flags:
  --user U            The user id (the "sub" claim). Required.
  --role R            A role (repeatable), e.g. --role creator.
  --ttl SECONDS       Lifetime, 1 to 31536000 (a year). Default: 3600
  --secret-file FILE  The HS256 secret: the file's bytes without one trailing
                      newline, as the gateway reads it; at least 32 bytes, e.g.
                      from: head -c 32 /dev/urandom | base64 > FILE. Required.

)help";

constexpr FlagSpec kFlags[] = {
    {"--user", true}, {"--role", true, true}, {"--ttl", true}, {"--secret-file", true}};

constexpr int64_t kMaxTtlSeconds = 365 * 24 * 3600;

}  // namespace

int RunToken(std::span<const std::string> raw, Io io) {
  auto args = ParseArgs(raw, kFlags);
  if (!args.ok()) return UsageError(io, "token", args.status().message());
  if (args->help) {
    io.out << kHelp << kExitCodesHelp;
    return kExitOk;
  }
  if (!args->positional.empty()) {
    return UsageError(io, "token", "unexpected argument '" + args->positional[0] + "'");
  }
  const std::string user = args->Get("--user");
  if (user.empty()) return UsageError(io, "token", "--user is required (and not empty)");
  const std::string secret_file = args->Get("--secret-file");
  if (secret_file.empty()) return UsageError(io, "token", "--secret-file is required");
  int64_t ttl = 3600;
  if (args->Has("--ttl")) {
    const std::string text = args->Get("--ttl");
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), ttl);
    if (error != std::errc() || end != text.data() + text.size() || ttl < 1 ||
        ttl > kMaxTtlSeconds) {
      return UsageError(io, "token",
                        "--ttl: expected seconds from 1 to 31536000, got '" + text + "'");
    }
  }
  auth::Identity identity{.user_id = user, .roles = args->All("--role")};
  for (const std::string& role : identity.roles) {
    if (role.empty()) return UsageError(io, "token", "--role: a role must not be empty");
  }
  // The gateway refuses a short secret at start-up: refuse to sign with one
  // too, rather than mint tokens that no correctly configured gateway takes.
  auto secret = auth::ReadHs256SecretFile(secret_file);
  if (!secret.ok()) {
    return Fail(io, "token", "--secret-file " + std::string(secret.status().message()),
                kExitFailure);
  }

  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  io.out << auth::MintHs256(*secret, identity, now + ttl) << "\n";
  return kExitOk;
}

}  // namespace pubsub::cli
