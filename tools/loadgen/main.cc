// pubsub-loadgen: the load generator's command line (logic in loadgen.h).
// Exit status: 0 when every client connected and every event was published,
// 1 otherwise (the report says why), 2 for a usage error.
#include <csignal>
#include <cstring>
#include <iostream>

#include "pubsub/log.h"
#include "tools/loadgen/loadgen.h"
#include "tools/loadgen/storm.h"

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
      std::cout << pubsub::loadgen::Usage();
      return 0;
    }
  }
  std::signal(SIGPIPE, SIG_IGN);
  // The runtime (RedisBus) logs through spdlog: keep stdout for the report.
  (void)pubsub::ConfigureLogging("pubsub-loadgen", "info");  // a valid level: cannot fail
  auto options = pubsub::loadgen::ParseOptions(argc, argv);
  if (!options.ok()) {
    std::cerr << "pubsub-loadgen: " << options.status().message() << "\n";
    return 2;
  }
  if (options->recover_storm) {
    auto storm = pubsub::loadgen::RunStorm(*options, std::cerr);
    if (!storm.ok()) {
      std::cerr << "pubsub-loadgen: " << storm.status().message() << "\n";
      return storm.status().code() == absl::StatusCode::kResourceExhausted ? 2 : 1;
    }
    if (options->json) {
      std::cerr << storm->table;
      std::cout << storm->json;
    } else {
      std::cout << storm->table;
    }
    return storm->ok ? 0 : 1;
  }
  auto report = pubsub::loadgen::RunLoadgen(*options, std::cerr);
  if (!report.ok()) {
    std::cerr << "pubsub-loadgen: " << report.status().message() << "\n";
    return report.status().code() == absl::StatusCode::kResourceExhausted ||
                   report.status().code() == absl::StatusCode::kInvalidArgument
               ? 2
               : 1;
  }
  if (options->json) {
    std::cerr << pubsub::loadgen::RenderTable(*report);
    std::cout << pubsub::loadgen::RenderJson(*report);
  } else {
    std::cout << pubsub::loadgen::RenderTable(*report);
  }
  return report->ok ? 0 : 1;
}
