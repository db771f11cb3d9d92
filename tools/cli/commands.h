// The subcommands of `pubsub` (internal to tools/cli): each parses its own
// flags, prints its own --help and returns an ExitCode.
#ifndef PUBSUB_TOOLS_CLI_COMMANDS_H_
#define PUBSUB_TOOLS_CLI_COMMANDS_H_

#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include "absl/strings/string_view.h"
#include "pubsub/registry.h"

namespace pubsub::cli {

struct Io {
  std::ostream& out;
  std::ostream& err;
  // The schemas the tool validates events against.
  const Registry& registry;
};

int RunPublish(std::span<const std::string> args, Io io);
int RunTail(std::span<const std::string> args, Io io);
int RunToken(std::span<const std::string> args, Io io);
int RunStats(std::span<const std::string> args, Io io);
int RunHistory(std::span<const std::string> args, Io io);

// Prints "pubsub COMMAND: MESSAGE" and a pointer to --help; returns kExitUsage.
int UsageError(Io io, absl::string_view command, absl::string_view message);
// Prints "pubsub COMMAND: MESSAGE"; returns `code`.
int Fail(Io io, absl::string_view command, absl::string_view message, int code);

// The exit-code paragraph shared by every --help.
inline constexpr std::string_view kExitCodesHelp = R"(Exit codes:
  0  success
  1  runtime failure: the gateway, gRPC port or Redis is unreachable, refused the
     request (bad key, not ready, bus unavailable) or did not answer in time
  2  usage error: unknown subcommand or flag, missing or malformed argument
  3  invalid event: the event does not match the schema (unknown type, bad JSON,
     missing scope value, personal channel without --to), locally or remotely
)";

}  // namespace pubsub::cli

#endif  // PUBSUB_TOOLS_CLI_COMMANDS_H_
