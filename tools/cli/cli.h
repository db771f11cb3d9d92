// The `pubsub` command-line tool: publish events (through a gateway's HTTP
// endpoint, its gRPC port, or straight to Redis), tail a WebSocket path, mint
// development tokens, read a gateway's statistics. The logic lives here, in a
// library, so that tests can run it in-process; tools/cli/main.cc only calls
// Main.
//
//   int code = pubsub::cli::Run({"publish", "new_broadcast", json, "--gateway", url},
//                               std::cout, std::cerr, registry);
// The program is pubsub::RunCli (pubsub/run_cli.h).
//
// Exit codes (scripts rely on them; --help documents them):
//   0 success; 1 runtime failure (unreachable, refused, timed out);
//   2 usage error; 3 invalid event (refused by the schema, locally or remotely).
#ifndef PUBSUB_TOOLS_CLI_CLI_H_
#define PUBSUB_TOOLS_CLI_CLI_H_

#include <ostream>
#include <span>
#include <string>

#include "pubsub/registry.h"

namespace pubsub::cli {

enum ExitCode : int {
  kExitOk = 0,
  kExitFailure = 1,
  kExitUsage = 2,
  kExitInvalidEvent = 3,
};

// Runs the tool with `args` (without the program name); output goes to `out`
// (results: event ids, JSON lines, tokens) and `err` (diagnostics). Events
// are validated against `registry`.
int Run(std::span<const std::string> args, std::ostream& out, std::ostream& err,
        const Registry& registry);

}  // namespace pubsub::cli

#endif  // PUBSUB_TOOLS_CLI_CLI_H_
