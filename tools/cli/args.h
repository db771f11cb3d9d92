// A small command-line parser for the `pubsub` subcommands: flags as
// "--flag value" or "--flag=value", repeatable flags, positional arguments,
// "--" to end the flags, and --help/-h anywhere.
//
//   static constexpr pubsub::cli::FlagSpec kFlags[] = {{"--to", true, true}, {"--gateway", true}};
//   auto args = pubsub::cli::ParseArgs(argv_after_subcommand, kFlags);
//   if (!args.ok()) return Usage(args.status().message());
//   if (args->help) return PrintHelp();
//   std::string gateway = args->Get("--gateway");
#ifndef PUBSUB_TOOLS_CLI_ARGS_H_
#define PUBSUB_TOOLS_CLI_ARGS_H_

#include <chrono>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace pubsub::cli {

struct FlagSpec {
  std::string_view name;     // "--to"
  bool takes_value = false;  // false: a switch ("--pretty")
  bool repeatable = false;   // false: given twice is a usage error
};

struct ParsedArgs {
  bool help = false;
  std::vector<std::string> positional;
  // Values by flag name, in command-line order (a switch has one empty value).
  std::map<std::string, std::vector<std::string>, std::less<>> flags;

  bool Has(std::string_view flag) const { return flags.contains(flag); }
  // The flag's value, or `fallback` when it was not given.
  std::string Get(std::string_view flag, std::string fallback = "") const;
  // Every value of a repeatable flag (empty when not given).
  std::vector<std::string> All(std::string_view flag) const;
};

// Parses `args` (without the program and subcommand names). InvalidArgument,
// naming the argument, for an unknown flag, a missing value, or a
// non-repeatable flag given twice.
absl::StatusOr<ParsedArgs> ParseArgs(std::span<const std::string> args,
                                     std::span<const FlagSpec> flags);

// Parses a --timeout value: seconds, a positive decimal number up to a day
// ("10", "0.5"). InvalidArgument naming the flag otherwise.
absl::StatusOr<std::chrono::milliseconds> ParseTimeout(std::string_view seconds);

}  // namespace pubsub::cli

#endif  // PUBSUB_TOOLS_CLI_ARGS_H_
