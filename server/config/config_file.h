// The gateway's config file (--config FILE, or PUBSUB_CONFIG=FILE): one
// setting per line, named as its flag without "--":
//
//   # /etc/pubsub/gateway.conf
//   listen = 0.0.0.0:8080
//   bus = redis://10.0.0.5:6379
//   jwt-secret-file = /run/credentials/pubsub-gateway.service/jwt-secret
//   allowed-origin = https://app.example.com
//   allowed-origin = https://admin.example.com
//   reuse-port = true
//
// Blank lines and lines whose first non-blank character is '#' are ignored;
// there are no comments after a value (everything after '=' is the value,
// spaces around it trimmed; one pair of surrounding quotes, " or ', is
// removed). Switches take true/false (also 1/0, yes/no, on/off). A list
// setting (allowed-origin) takes one value per line; any other setting may
// appear once. Unknown names are refused, with the closest setting suggested.
// Values are parsed when they are applied (ParseCommandLine), where errors
// name the file and line: "config file /etc/pubsub/gateway.conf:12: threads:
// expected a number from 1 to 1024, got 'many'".
#ifndef PUBSUB_SERVER_CONFIG_CONFIG_FILE_H_
#define PUBSUB_SERVER_CONFIG_CONFIG_FILE_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "server/config/source.h"

namespace pubsub::gateway::internal {

// The assignments of `text`, the content of the file `path`, in file order.
// InvalidArgument "config file PATH:LINE: ..." for a line that is not a
// setting.
absl::StatusOr<std::vector<Assignment>> ParseConfigFile(std::string_view path,
                                                        std::string_view text);

// Reads and parses the file `path`: InvalidArgument "config file PATH:
// cannot read: REASON" when it cannot be read (or is over 1 MiB).
absl::StatusOr<std::vector<Assignment>> ReadConfigFile(const std::string& path);

}  // namespace pubsub::gateway::internal

#endif  // PUBSUB_SERVER_CONFIG_CONFIG_FILE_H_
