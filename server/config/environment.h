// Settings from the environment: setting NAME from PUBSUB_NAME, in upper
// case with '_' for '-' (PUBSUB_LISTEN=0.0.0.0:8080, PUBSUB_DEV_AUTH=true,
// PUBSUB_ALLOWED_ORIGIN="https://a.example.com,https://b.example.com": a list
// takes several values separated by commas or spaces), and PUBSUB_CONFIG, the
// config file when --config is not given.
//
// An empty variable counts as unset (so that an environment file can list
// every variable, blank). Other PUBSUB_* variables are ignored, not refused:
// other tools share the prefix (the container entrypoint's
// PUBSUB_GATEWAY_BIN, the tests' PUBSUB_GATEWAY). --print-config lists them,
// and one that looks like a misspelt setting is also a start-up warning.
#ifndef PUBSUB_SERVER_CONFIG_ENVIRONMENT_H_
#define PUBSUB_SERVER_CONFIG_ENVIRONMENT_H_

#include <optional>
#include <string>
#include <vector>

#include "server/config/gateway_config.h"
#include "server/config/source.h"

namespace pubsub::gateway::internal {

struct EnvironmentSettings {
  std::vector<Assignment> assignments;     // in the order of Settings()
  std::optional<std::string> config_file;  // PUBSUB_CONFIG, when set and not empty
  // Variables left alone, with why: "PUBSUB_GATEWAY_BIN (not a setting)".
  std::vector<std::string> ignored;
  // "environment PUBSUB_LISEN is not a setting and is ignored (did you mean PUBSUB_LISTEN?)"
  std::vector<std::string> warnings;
};

EnvironmentSettings ReadEnvironment(const Environment& environment);

// This process's PUBSUB_* variables.
Environment ProcessEnvironment();

}  // namespace pubsub::gateway::internal

#endif  // PUBSUB_SERVER_CONFIG_ENVIRONMENT_H_
