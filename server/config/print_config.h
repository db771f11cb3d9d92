// The text of --print-config: every setting's effective value and where it
// came from, one line per value, aligned, in the order of --help:
//
//   # pubsub-gateway settings (precedence: flag > env > file > default)
//   # config file: /etc/pubsub/gateway.conf (flag --config)
//   listen                     0.0.0.0:8080                     env PUBSUB_LISTEN
//   grpc-listen                (off)                            default
//   bus                        redis://app:****@10.0.0.5:6379/0  file /etc/pubsub/gateway.conf:3
//   allowed-origin             https://app.example.com          file /etc/pubsub/gateway.conf:7
//   allowed-origin             https://admin.example.com        file /etc/pubsub/gateway.conf:8
//   ...
//
// Lines starting with '#' are notes (the config file, ignored PUBSUB_*
// variables); the others are "SETTING VALUE SOURCE", so that
// `awk '$1 == "listen" {print $2}'` finds a value. A Redis password is shown
// as ****.
#ifndef PUBSUB_SERVER_CONFIG_PRINT_CONFIG_H_
#define PUBSUB_SERVER_CONFIG_PRINT_CONFIG_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "server/config/gateway_config.h"
#include "server/config/source.h"

namespace pubsub::gateway::internal {

// For each setting set by some source, the source of each of its values (one
// for most settings, one per value for a list). Absent: the default.
using SettingSources = std::map<std::string_view, std::vector<Source>>;

std::string FormatPrintConfig(const GatewayConfig& config, const SettingSources& sources,
                              const std::vector<std::string>& notes);

}  // namespace pubsub::gateway::internal

#endif  // PUBSUB_SERVER_CONFIG_PRINT_CONFIG_H_
