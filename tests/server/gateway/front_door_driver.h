// Runs HTTP request bytes through the gateway's front door the way an HTTP
// session does, minus the socket: the bounded reader, FrontDoor's decisions,
// publishing through the gateway's (embedded) bus, and the response bytes.
// Used by the front door's unit tests and its fuzzer.
#ifndef PUBSUB_TESTS_SERVER_GATEWAY_FRONT_DOOR_DRIVER_H_
#define PUBSUB_TESTS_SERVER_GATEWAY_FRONT_DOOR_DRIVER_H_

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "server/gateway/front_door.h"
#include "server/http/request_reader.h"
#include "server/http/response.h"

namespace pubsub::gateway::testing {

struct Served {
  std::string bytes;               // every response, in order
  std::vector<Admitted> upgrades;  // admitted WebSocket upgrades (the 101 is in `bytes`)
};

// `chunk` bounds the bytes handed to the reader at once (1: byte by byte).
inline Served Serve(GatewayContext& context, std::string_view input, size_t chunk = 1 << 20) {
  using Event = http::RequestReader::Event;
  using Kind = FrontDoor::Decision::Kind;
  http::RequestReader reader(context.http_limits);
  const FrontDoor door(context, 0);
  FrontDoor::Decision decision;
  Served served;
  auto respond = [&](http::Response response, bool keep_alive) {
    response.keep_alive(keep_alive);
    served.bytes += http::Serialize(std::move(response));
    return keep_alive;
  };
  size_t offset = 0;
  for (;;) {
    switch (reader.Next()) {
      case Event::kNeedMore: {
        if (offset == input.size()) {
          reader.CommitEof();
          break;
        }
        std::span<char> space = reader.ReadSpace();
        const size_t n = std::min({space.size(), chunk, input.size() - offset});
        std::memcpy(space.data(), input.data() + offset, n);
        reader.Commit(n);
        offset += n;
        break;
      }
      case Event::kClosed:
        return served;
      case Event::kError:
        respond(http::JsonError(reader.error().status, reader.error().reason), false);
        return served;
      case Event::kHeader:
        decision = door.OnHeader(reader.request(), "test");
        if (decision.kind == Kind::kRefuse) {
          respond(std::move(decision.response), false);
          return served;
        }
        reader.ReadBody(decision.kind == Kind::kReadBody ? decision.body_limit : 0);
        break;
      case Event::kRequest: {
        const bool keep_alive = reader.request().keep_alive();
        if (decision.kind == Kind::kUpgrade) {
          served.bytes += decision.admitted.accept;
          served.upgrades.push_back(std::move(decision.admitted));
          return served;
        }
        std::optional<http::Response> response;
        if (decision.kind == Kind::kReadBody) {
          door.OnBody(reader.request(), decision, "test",
                      [&](http::Response r) { response = std::move(r); });
        } else {
          response = std::move(decision.response);
        }
        // The embedded bus answers before OnBody returns.
        if (!response || !respond(std::move(*response), keep_alive)) return served;
        reader.NextRequest();
        break;
      }
    }
  }
}

}  // namespace pubsub::gateway::testing

#endif  // PUBSUB_TESTS_SERVER_GATEWAY_FRONT_DOOR_DRIVER_H_
