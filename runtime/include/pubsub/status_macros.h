// PUBSUB_RETURN_IF_ERROR: the abseil idiom that this abseil version lacks.
//
//   PUBSUB_RETURN_IF_ERROR(registry.AddChannel(kChannel));
#ifndef PUBSUB_STATUS_MACROS_H_
#define PUBSUB_STATUS_MACROS_H_

#include "absl/status/status.h"

#define PUBSUB_RETURN_IF_ERROR(expr)                                  \
  do {                                                                \
    if (absl::Status _pubsub_status = (expr); !_pubsub_status.ok()) { \
      return _pubsub_status;                                          \
    }                                                                 \
  } while (false)

#endif  // PUBSUB_STATUS_MACROS_H_
