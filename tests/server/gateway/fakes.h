// Test doubles for the gateway core: a recipient that records what reaches
// it, and a bus that fails the way a test asks. Everything else in these
// tests is real (the embedded bus, the generated sample schema, the loops).
#ifndef PUBSUB_TESTS_SERVER_GATEWAY_FAKES_H_
#define PUBSUB_TESTS_SERVER_GATEWAY_FAKES_H_

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "pubsub/embedded_bus.h"
#include "server/gateway/hub.h"

namespace pubsub::gateway::testing {

class FakeRecipient final : public Recipient {
 public:
  explicit FakeRecipient(std::string user) : user_(std::move(user)) {}

  const std::string& user_id() const override { return user_; }
  bool SeesEveryTarget() const override { return sees_every_target; }
  void Deliver(const DeliveryPtr& delivery) override {
    if (throw_on_deliver) throw std::runtime_error("deliver failed on purpose");
    deliveries.push_back(delivery);
  }
  void Shed(uint16_t code, std::string_view reason) override {
    sheds.emplace_back(code, std::string(reason));
  }

  std::vector<std::string> Frames() const {
    std::vector<std::string> frames;
    for (const auto& d : deliveries) frames.emplace_back(d->frame());
    return frames;
  }

  bool throw_on_deliver = false;
  bool sees_every_target = false;  // an admin's tail
  std::vector<DeliveryPtr> deliveries;
  std::vector<std::pair<uint16_t, std::string>> sheds;

 private:
  std::string user_;
};

// The embedded bus, except that publishing to `failing_topic` throws (a
// stand-in for any bug below the publish path).
class ThrowingBus final : public Bus {
 public:
  explicit ThrowingBus(std::string failing_topic) : failing_topic_(std::move(failing_topic)) {}

  void Publish(std::string_view topic, std::string envelope, DoneCallback done) override {
    if (topic == failing_topic_) throw std::runtime_error("publish failed on purpose");
    bus_.Publish(topic, std::move(envelope), std::move(done));
  }
  void PublishStored(std::string_view topic, std::string envelope, const HistoryPolicy& policy,
                     StoredCallback done) override {
    bus_.PublishStored(topic, std::move(envelope), policy, std::move(done));
  }
  void ReadHistory(std::string_view topic, const HistoryPolicy& policy, uint64_t after_seq,
                   size_t limit, HistoryCallback done) override {
    bus_.ReadHistory(topic, policy, after_seq, limit, std::move(done));
  }
  SubscriptionId Subscribe(std::string_view topic, MessageHandler handler,
                           DoneCallback ready) override {
    return bus_.Subscribe(topic, std::move(handler), std::move(ready));
  }
  void Unsubscribe(SubscriptionId id) override { bus_.Unsubscribe(id); }
  bool IsReady() const override { return true; }
  std::string Describe() const override { return "throwing"; }

 private:
  const std::string failing_topic_;
  EmbeddedBus bus_;
};

}  // namespace pubsub::gateway::testing

#endif  // PUBSUB_TESTS_SERVER_GATEWAY_FAKES_H_
