// Where a setting's value came from, for error messages and --print-config,
// and one value from one source (an Assignment). Sources in precedence
// order: the command line beats the environment, which beats the config
// file, which beats the default.
#ifndef PUBSUB_SERVER_CONFIG_SOURCE_H_
#define PUBSUB_SERVER_CONFIG_SOURCE_H_

#include <string>
#include <string_view>

#include "server/config/settings.h"

namespace pubsub::gateway::internal {

struct Source {
  // Lowest precedence first.
  enum class Kind { kDefault, kConfigFile, kEnvironment, kCommandLine };

  Kind kind = Kind::kDefault;
  // The file and line ("/etc/pubsub/gateway.conf:12"), the variable
  // ("PUBSUB_LISTEN") or the flag ("--listen"); empty for the default.
  std::string where;

  // For --print-config: "default", "file /etc/pubsub/gateway.conf:12",
  // "env PUBSUB_LISTEN", "flag --listen".
  std::string Describe() const;
  // What an error about `setting`'s value starts with: "config file
  // /etc/pubsub/gateway.conf:12: listen", "environment PUBSUB_LISTEN",
  // "--listen".
  std::string ErrorLabel(std::string_view setting) const;
};

// `value` for `setting`, from `source`.
struct Assignment {
  const Setting* setting = nullptr;
  std::string value;
  Source source;
};

}  // namespace pubsub::gateway::internal

#endif  // PUBSUB_SERVER_CONFIG_SOURCE_H_
