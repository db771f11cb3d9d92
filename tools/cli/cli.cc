#include "tools/cli/cli.h"

#include <csignal>
#include <iostream>
#include <vector>

#include "pubsub/log.h"
#include "pubsub/run_cli.h"
#include "pubsub/schema.h"
#include "tools/cli/commands.h"

namespace pubsub::cli {
namespace {

constexpr std::string_view kHelp = R"help(pubsub: publish and watch events of a pubsub deployment.

Usage:
  pubsub publish TYPE JSON [--to USER ...]
                 (--gateway http://HOST:PORT | --grpc HOST:PORT) [--key-file FILE]
  pubsub publish TYPE JSON [--to USER ...] --redis redis://HOST:PORT[/DB] [--prefix P]
  pubsub tail ws://HOST:PORT/ws/PATH [--token JWT | --token-file FILE | --user U [--role R ...]]
              [--count N]
  pubsub token --user U [--role R ...] [--ttl SECONDS] --secret-file FILE
  pubsub stats http://HOST:PORT [--user U]
  pubsub history http://HOST:PORT/ws/PATH [--since EPOCH:SEQ] [--limit N] [--all] [--user U]

Commands:
  publish   Validate an event against the schema, then publish it; prints its id.
  tail      Connect to a WebSocket path and print every event as one JSON line.
  token     Mint a development JWT (HS256) for a gateway started with --jwt-secret-file.
  stats     Print a gateway's connection statistics (JSON).
  history   Print a topic's recent events with their positions, one JSON line each.

Run "pubsub COMMAND --help" for a command's flags.

)help";

}  // namespace

int UsageError(Io io, absl::string_view command, absl::string_view message) {
  io.err << "pubsub " << command << ": " << message << "\n(see pubsub " << command << " --help)\n";
  return kExitUsage;
}

int Fail(Io io, absl::string_view command, absl::string_view message, int code) {
  io.err << "pubsub " << command << ": " << message << "\n";
  return code;
}

int Run(std::span<const std::string> args, std::ostream& out, std::ostream& err,
        const Registry& registry) {
  Io io{out, err, registry};
  if (args.empty()) {
    err << kHelp << kExitCodesHelp;
    return kExitUsage;
  }
  const std::string& command = args[0];
  const auto rest = args.subspan(1);
  if (command == "--help" || command == "-h" || command == "help") {
    out << kHelp << kExitCodesHelp;
    return kExitOk;
  }
  if (command == "publish") return RunPublish(rest, io);
  if (command == "tail") return RunTail(rest, io);
  if (command == "token") return RunToken(rest, io);
  if (command == "stats") return RunStats(rest, io);
  if (command == "history") return RunHistory(rest, io);
  err << "pubsub: unknown command '" << command << "'\n(see pubsub --help)\n";
  return kExitUsage;
}

}  // namespace pubsub::cli

namespace pubsub {

int RunCli(int argc, char** argv, std::span<const Schema> schemas) {
  // A closed pipe (pubsub tail | head -1) must end the tool with an error
  // from write, not kill it with SIGPIPE halfway through a line.
  std::signal(SIGPIPE, SIG_IGN);
  // Library logs (e.g. the Redis bus's connection warnings) go to stderr:
  // stdout carries only results (event ids, JSON lines, tokens).
  // Warnings only: a command's own messages are its output, not logs.
  (void)ConfigureLogging("pubsub", "warn");  // a valid level: cannot fail
  Registry registry;
  if (absl::Status status = RegisterSchemas(registry, schemas); !status.ok()) {
    std::cerr << "pubsub: " << status.message() << "\n";
    return cli::kExitFailure;
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  return cli::Run(args, std::cout, std::cerr, registry);
}

}  // namespace pubsub
