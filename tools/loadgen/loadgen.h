// The load generator, as a library (the binary and the tests call it):
// connect the clients, hold them, publish at the requested rate, drain, and
// report. See options.h for the knobs and report.h for the figures.
//
//   pubsub::loadgen::Options options = ...;   // or ParseOptions(argc, argv)
//   absl::StatusOr<Report> report = pubsub::loadgen::RunLoadgen(options, std::cerr);
//   if (!report.ok()) ...  // could not run at all (e.g. over the fd budget)
//   report->ok             // false: clients failed or publishing failed
//
// Progress lines go to `progress` once a second (unless options.quiet).
#ifndef PUBSUB_TOOLS_LOADGEN_LOADGEN_H_
#define PUBSUB_TOOLS_LOADGEN_LOADGEN_H_

#include <ostream>

#include "absl/status/statusor.h"
#include "tools/loadgen/options.h"
#include "tools/loadgen/report.h"

namespace pubsub::loadgen {

// Files a process keeps for itself besides its clients' sockets.
inline constexpr uint64_t kReservedFiles = 64;

absl::StatusOr<Report> RunLoadgen(const Options& options, std::ostream& progress);

}  // namespace pubsub::loadgen

#endif  // PUBSUB_TOOLS_LOADGEN_LOADGEN_H_
