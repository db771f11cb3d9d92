// RunCli: the whole of the `pubsub` command-line tool (publish, tail, token,
// stats), validating events against the schemas it is given:
//
//   # CMakeLists.txt (pubsub_add_cli writes this main for you)
//   pubsub_add_cli(my_pubsub SCHEMAS my_events)
//
//   #include "my_events.schema.h"
//   #include "pubsub/run_cli.h"
//   int main(int argc, char** argv) {
//     return pubsub::RunCli(argc, argv, {pubsub::schemas::my_events()});
//   }
//
// Returns the exit code ("pubsub --help" documents them).
#ifndef PUBSUB_RUN_CLI_H_
#define PUBSUB_RUN_CLI_H_

#include <initializer_list>
#include <span>

#include "pubsub/schema.h"

namespace pubsub {

int RunCli(int argc, char** argv, std::span<const Schema> schemas);

inline int RunCli(int argc, char** argv, std::initializer_list<Schema> schemas) {
  return RunCli(argc, argv, std::span<const Schema>(schemas.begin(), schemas.size()));
}

}  // namespace pubsub

#endif  // PUBSUB_RUN_CLI_H_
