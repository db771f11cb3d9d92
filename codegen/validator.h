// Validator: rejects a schema that would misbehave at run time, before any
// code is written (DESIGN section 4). Every problem is reported, each as
// "file.proto:LINE: message", in file and line order.
//
//   std::vector<std::string> errors = Validate(schema);
//   if (!errors.empty()) { *error = absl::StrJoin(errors, "\n"); return false; }
//
// Only the files being generated are reported on; their imports are read for
// cross-file rules (duplicate type strings, channel names and paths; events
// naming a channel of an imported file).
#ifndef PUBSUB_CODEGEN_VALIDATOR_H_
#define PUBSUB_CODEGEN_VALIDATOR_H_

#include <string>
#include <vector>

#include "schema.h"

namespace pubsub::codegen {

std::vector<std::string> Validate(const Schema& schema);

}  // namespace pubsub::codegen

#endif  // PUBSUB_CODEGEN_VALIDATOR_H_
