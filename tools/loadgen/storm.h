// The reconnect storm (--recover-storm): clients in the recovery protocol on
// one history topic lose their connections at once (a replica is killed, the
// others' clients close theirs), events are published and stored meanwhile,
// then every client reconnects to a surviving replica with its last position.
// Measures the time until every client has everything it missed, checks
// order, duplicates and gaps per client, and counts the Redis commands issued
// during the reconnections (INFO commandstats before and after).
//
//   absl::StatusOr<StormReport> report = pubsub::loadgen::RunStorm(options, std::cerr);
//   std::cout << report->json;   // report->table for people
#ifndef PUBSUB_TOOLS_LOADGEN_STORM_H_
#define PUBSUB_TOOLS_LOADGEN_STORM_H_

#include <cstdint>
#include <map>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "tools/loadgen/options.h"

namespace pubsub::loadgen {

struct StormReport {
  bool ok = true;
  std::string error;  // why not ok
  std::string json;   // every figure
  std::string table;  // the main ones
};

absl::StatusOr<StormReport> RunStorm(const Options& options, std::ostream& progress);

// INFO commandstats of the Redis at `redis_url`: command -> calls.
absl::StatusOr<std::map<std::string, uint64_t>> RedisCommandCalls(const std::string& redis_url);

}  // namespace pubsub::loadgen

#endif  // PUBSUB_TOOLS_LOADGEN_STORM_H_
