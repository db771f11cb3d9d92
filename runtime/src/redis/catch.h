// Catch: runs a piece of work and turns any exception it throws into a
// description, so that no exception unwinds through io_context::run().
//
//   if (std::optional<std::string> what = Catch([&] { handler(topic, payload); })) {
//     spdlog::error("a message handler threw: {}", *what);
//   }
//
// The Redis bus's rule (pubsub/redis_bus.h): user code that throws is logged
// and counted, and the bus carries on; its own code that throws drops the
// connection it was serving, which reconnects.
#ifndef PUBSUB_RUNTIME_SRC_REDIS_CATCH_H_
#define PUBSUB_RUNTIME_SRC_REDIS_CATCH_H_

#include <exception>
#include <optional>
#include <string>

namespace pubsub::internal::redis {

// Runs `body`; returns nullopt if it returned, else what it threw.
template <class F>
std::optional<std::string> Catch(F&& body) {
  try {
    body();
    return std::nullopt;
  } catch (const std::exception& e) {
    return std::string(e.what());
  } catch (...) {
    return std::string("an exception not derived from std::exception");
  }
}

}  // namespace pubsub::internal::redis

#endif  // PUBSUB_RUNTIME_SRC_REDIS_CATCH_H_
