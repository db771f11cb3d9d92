// The command line as assignments: "--listen 0.0.0.0:8080" and
// "--listen=0.0.0.0:8080" both assign "listen"; a switch (--dev-auth) takes
// no value and assigns "true". --config FILE and --print-config are options,
// not settings: kept apart. (--help is looked for before this.)
#ifndef PUBSUB_SERVER_CONFIG_ARGUMENTS_H_
#define PUBSUB_SERVER_CONFIG_ARGUMENTS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "server/config/source.h"

namespace pubsub::gateway::internal {

struct Arguments {
  std::vector<Assignment> assignments;     // in command-line order
  std::optional<std::string> config_file;  // --config FILE (the last one)
  bool print_config = false;               // --print-config
};

// Reads argv[1..argc). InvalidArgument naming the flag for an unknown flag
// (with the closest one suggested), a missing value, or a value given to a
// switch. Values are not parsed here.
absl::Status ReadArguments(int argc, const char* const* argv, Arguments& out);

}  // namespace pubsub::gateway::internal

#endif  // PUBSUB_SERVER_CONFIG_ARGUMENTS_H_
