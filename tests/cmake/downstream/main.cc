// Renders an event of the downstream schema, registers the schema, and sends
// the event through a typed publisher and subscriber over an EmbeddedBus.
// Exit status 0 when everything matches.
#include <cstdio>
#include <string>

#include "pubsub/embedded_bus.h"
#include "pubsub/publisher.h"
#include "pubsub/registry.h"
#include "shop/orders.pubsub.h"

namespace {

int failures = 0;

void Expect(bool ok, const std::string& what) {
  std::printf("%s: %s\n", ok ? "ok" : "FAILED", what.c_str());
  if (!ok) ++failures;
}

}  // namespace

int main() {
  shop::OrderPlaced order;
  order.set_store_id("17");
  order.set_order_id(1001);
  order.set_total(25.5);
  order.mutable_placed_at()->set_seconds(1764064800);  // 2025-11-25T10:00:00Z

  const std::string json = shop::RenderJson(order);
  const std::string expected =
      R"({"type":"order_placed","store_id":"17","order_id":1001,"total":25.5,)"
      R"("placed_at":"2025-11-25T10:00:00Z"})";
  Expect(json == expected, "RenderJson: " + json);

  pubsub::Registry registry;
  Expect(shop::RegisterOrdersSchema(registry).ok(), "RegisterOrdersSchema");
  const pubsub::EventInfo* info = registry.FindEvent("order_placed");
  Expect(info != nullptr && info->channel->name == "store_orders" &&
             info->channel->access == pubsub::Access::kRole && info->channel->role == "staff",
         "registry entry for order_placed");

  pubsub::EmbeddedBus bus;
  pubsub::Publisher publisher(bus);
  std::string received;
  auto subscription = shop::StoreOrdersSubscriber::Subscribe(
      bus, "17", {.on_order_placed = [&](const shop::OrderPlaced& event, const pubsub::EventMeta&) {
        received = shop::RenderJson(event);
      }});
  shop::StoreOrdersPublisher(publisher).Publish(order);
  Expect(received == expected, "typed publish reaches the typed subscriber");

  return failures == 0 ? 0 : 1;
}
