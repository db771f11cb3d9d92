// RunGateway: the whole of the pubsub-gateway program, for the schemas it is
// given. A deployment's gateway is this function and its schema libraries:
//
//   # CMakeLists.txt (pubsub_add_gateway writes this main for you)
//   pubsub_generate(TARGET my_events PROTOS proto/orders.proto PROTO_ROOT proto)
//   pubsub_add_gateway(my_gateway SCHEMAS my_events)
//
//   // what it compiles
//   #include "my_events.schema.h"
//   #include "pubsub/run_gateway.h"
//   int main(int argc, char** argv) {
//     return pubsub::RunGateway(argc, argv, {pubsub::schemas::my_events()});
//   }
//
// It parses the command line (--help lists every flag), registers the
// schemas (refusing, with both names, schemas whose channels or event types
// collide), builds the bus, serves HTTP/WebSocket and gRPC until SIGTERM or
// SIGINT, and returns the process's exit code: 0 after a clean shutdown, 1
// when the gateway cannot start, 2 for a bad command line.
#ifndef PUBSUB_RUN_GATEWAY_H_
#define PUBSUB_RUN_GATEWAY_H_

#include <initializer_list>
#include <span>

#include "pubsub/schema.h"

namespace pubsub {

int RunGateway(int argc, char** argv, std::span<const Schema> schemas);

inline int RunGateway(int argc, char** argv, std::initializer_list<Schema> schemas) {
  return RunGateway(argc, argv, std::span<const Schema>(schemas.begin(), schemas.size()));
}

}  // namespace pubsub

#endif  // PUBSUB_RUN_GATEWAY_H_
