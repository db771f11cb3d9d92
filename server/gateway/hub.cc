#include "server/gateway/hub.h"

#include <cstring>
#include <functional>

#include <boost/asio/post.hpp>

#include "google/protobuf/message.h"
#include "pubsub/internal/json_writer.h"
#include "pubsub/subscription.h"
#include "server/gateway/connection_log.h"
#include "server/gateway/text.h"
#include "server/websocket/frame_codec.h"
#include "spdlog/spdlog.h"

namespace pubsub::gateway {

// Above this many targets, a delivery builds a hash set instead of scanning.
constexpr size_t kTargetScanLimit = 8;

struct Hub::Topic {
  enum class State { kSubscribing, kReady, kFailed };

  std::string name;
  const ChannelInfo* channel = nullptr;
  size_t channel_index = 0;
  // Bit i set while loop i has at least one recipient. Read lock-free on
  // every event; written on a loop's first join and last leave.
  std::atomic<uint64_t> loop_mask{0};
  // The loop that decodes and renders this topic's events (its worker):
  // a hash of the name, so that one topic's events are rendered, ordered by
  // its history and enqueued by one thread, in bus order.
  size_t worker = 0;
  // The worker's queue holds this topic's shed marker (at most one).
  std::atomic<bool> worker_shed_pending{false};

  // Guarded by Hub::mutex_.
  size_t members = 0;
  Bus::SubscriptionId subscription = 0;
  State state = State::kSubscribing;
  absl::Status failure;
  std::vector<std::pair<size_t, ReadyCallback>> waiters;

  // recipients[i] is touched only by loop i's thread.
  std::vector<std::vector<Recipient*>> recipients;
  // shed_pending[i]: loop i's inbox holds this topic's shed marker (at most
  // one, so markers are bounded by the topics).
  std::unique_ptr<std::atomic<bool>[]> shed_pending;
  // For channels with history: order, gaps and recovery (topic_history.h).
  std::unique_ptr<TopicHistory> history;
  std::weak_ptr<Topic> self;
};

// Raw envelopes from the bus waiting for one worker (a loop) to render them.
// The envelope is copied once, off the bus's read buffer, into the job's own
// string, which is moved (never copied) from there: one owner, so no shared
// count is needed. A job with `shed` set is a marker: one of the topic's
// events did not fit (see Hub::OnBusMessage).
struct Hub::RenderQueue {
  struct Job {
    TopicPtr topic;
    std::string envelope;
    bool shed = false;
  };
  std::mutex mutex;
  std::vector<Job> jobs;  // guarded by mutex
  size_t bytes = 0;       // guarded by mutex
  bool drain_posted = false;
  std::vector<Job> batch;  // the worker's; keeps its capacity between drains
};

// One loop's events from the bus. A null delivery is a shed marker.
struct Hub::Inbox {
  struct Item {
    TopicPtr topic;
    DeliveryPtr delivery;
  };
  std::mutex mutex;
  std::vector<Item> items;  // guarded by mutex
  size_t bytes = 0;         // guarded by mutex
  bool drain_posted = false;
  std::vector<Item> batch;  // the loop's; keeps its capacity between drains
};

Hub::Hub(Bus& bus, const Registry& registry, LoopPool& loops, Metrics& metrics, HubOptions options)
    : bus_(bus), registry_(registry), loops_(loops), metrics_(metrics), options_(options) {
  for (size_t i = 0; i < loops_.size(); ++i) {
    inboxes_.push_back(std::make_unique<Inbox>());
    render_queues_.push_back(std::make_unique<RenderQueue>());
  }
  bus_.SetResubscribedHandler([this] { OnResubscribed(); });
}

Hub::~Hub() {
  bus_.SetResubscribedHandler(nullptr);
  std::vector<Bus::SubscriptionId> subscriptions;
  {
    std::lock_guard lock(mutex_);
    for (auto& [name, topic] : topics_) subscriptions.push_back(topic->subscription);
    topics_.clear();
  }
  for (auto id : subscriptions) bus_.Unsubscribe(id);
}

Hub::TopicPtr Hub::Join(size_t loop, const std::string& name, const ChannelInfo& channel,
                        Recipient* recipient, ReadyCallback ready) {
  TopicPtr topic;
  bool created = false;
  absl::Status immediate;
  bool call_now = false;
  {
    std::lock_guard lock(mutex_);
    TopicPtr& slot = topics_[name];
    if (!slot) {
      slot = std::make_shared<Topic>();
      slot->self = slot;
      slot->name = name;
      slot->channel = &channel;
      slot->channel_index = metrics_.ChannelIndex(&channel);
      slot->worker = std::hash<std::string>{}(name) % loops_.size();
      slot->recipients.resize(loops_.size());
      slot->shed_pending = std::make_unique<std::atomic<bool>[]>(loops_.size());
      if (channel.history.enabled()) slot->history = MakeHistory(slot);
      created = true;
    }
    topic = slot;
    ++topic->members;
    auto& list = topic->recipients[loop];
    recipient->hub_slot_ = list.size();
    list.push_back(recipient);
    if (list.size() == 1) topic->loop_mask.fetch_or(uint64_t{1} << loop, std::memory_order_release);
    switch (topic->state) {
      case Topic::State::kSubscribing:
        topic->waiters.emplace_back(loop, std::move(ready));
        break;
      case Topic::State::kReady:
        call_now = true;
        break;
      case Topic::State::kFailed:
        call_now = true;
        immediate = topic->failure;
        break;
    }
  }
  if (call_now) {
    boost::asio::post(loops_.loop(loop),
                      [ready = std::move(ready), immediate] { ready(immediate); });
  }
  if (created) {
    // Outside the lock: an embedded bus confirms synchronously, and the
    // handlers take the lock themselves.
    Bus::SubscriptionId id = bus_.Subscribe(
        name,
        [this, weak = std::weak_ptr<Topic>(topic)](std::string_view, std::string_view envelope) {
          if (TopicPtr t = weak.lock()) OnBusMessage(t, envelope);
        },
        [this, topic](absl::Status status) { OnSubscribed(topic, std::move(status)); });
    std::lock_guard lock(mutex_);
    topic->subscription = id;
  }
  return topic;
}

void Hub::OnSubscribed(const TopicPtr& topic, absl::Status status) {
  std::vector<std::pair<size_t, ReadyCallback>> waiters;
  {
    std::lock_guard lock(mutex_);
    if (status.ok()) {
      topic->state = Topic::State::kReady;
    } else {
      topic->state = Topic::State::kFailed;
      topic->failure = absl::UnavailableError(
          fmt::format("cannot subscribe to {}: {}", topic->name, View(status.message())));
      status = topic->failure;
    }
    waiters.swap(topic->waiters);
  }
  for (auto& [loop, ready] : waiters) {
    boost::asio::post(loops_.loop(loop), [ready = std::move(ready), status] { ready(status); });
  }
}

void Hub::Leave(size_t loop, const TopicPtr& topic, Recipient* recipient) {
  auto& list = topic->recipients[loop];
  const size_t slot = recipient->hub_slot_;
  if (slot >= list.size() || list[slot] != recipient) {
    spdlog::error("hub: leave of a recipient that is not in topic {}", topic->name);
    return;
  }
  list[slot] = list.back();
  list[slot]->hub_slot_ = slot;
  list.pop_back();
  if (list.empty()) {
    topic->loop_mask.fetch_and(~(uint64_t{1} << loop), std::memory_order_release);
  }

  Bus::SubscriptionId unsubscribe = 0;
  {
    std::lock_guard lock(mutex_);
    if (--topic->members == 0) {
      auto it = topics_.find(topic->name);
      if (it != topics_.end() && it->second == topic) topics_.erase(it);
      unsubscribe = topic->subscription;
    }
  }
  if (unsubscribe != 0) bus_.Unsubscribe(unsubscribe);
}

size_t Hub::TopicCount() const {
  std::lock_guard lock(mutex_);
  return topics_.size();
}

// On the bus's thread: count, copy, hand over. Nothing here decodes.
void Hub::OnBusMessage(const TopicPtr& topic, std::string_view envelope) {
  metrics_.events_in.fetch_add(1, std::memory_order_relaxed);
  RenderQueue& queue = *render_queues_[topic->worker];
  const size_t cost = envelope.size() + kItemOverhead;
  bool post = false;
  {
    std::lock_guard lock(queue.mutex);
    if (queue.bytes + cost <= options_.max_render_queue_bytes) {
      queue.jobs.push_back({topic, std::string(envelope), false});
      queue.bytes += cost;
    } else {
      // The worker fell behind: this event is lost for the whole replica, so
      // every client of the topic here is shed once the worker reaches this
      // point (after every event before it). The marker costs nothing
      // against the bound: there is at most one per topic.
      metrics_.render_queue_overflows.fetch_add(1, std::memory_order_relaxed);
      if (!topic->worker_shed_pending.exchange(true)) queue.jobs.push_back({topic, {}, true});
    }
    post = !queue.drain_posted;
    queue.drain_posted = true;
  }
  if (post) {
    boost::asio::post(loops_.loop(topic->worker),
                      [this, worker = topic->worker] { DrainRenderQueue(worker); });
  }
}

// On the worker's loop: decode, render, order (history), enqueue to the
// loops, for every job handed over since the last drain, in order.
void Hub::DrainRenderQueue(size_t worker) {
  RenderQueue& queue = *render_queues_[worker];
  {
    std::lock_guard lock(queue.mutex);
    queue.batch.swap(queue.jobs);
    queue.bytes = 0;
    queue.drain_posted = false;
  }
  for (RenderQueue::Job& job : queue.batch) {
    if (job.shed) {
      job.topic->worker_shed_pending.store(false);
      ShedAll(job.topic);
    } else {
      Process(job.topic, job.envelope);
    }
  }
  queue.batch.clear();
}

void Hub::Process(const TopicPtr& topic, std::string_view envelope) {
  DeliveryPtr delivery;
  try {
    delivery = Render(topic, envelope);
  } catch (const std::exception& e) {
    metrics_.CountException(Component::kHub);
    spdlog::error("hub: internal error rendering an event on topic {}, dropped: {}", topic->name,
                  e.what());
  }
  if (delivery == nullptr) {
    metrics_.events_dropped.fetch_add(1, std::memory_order_relaxed);
    return;
  }
  if (topic->history != nullptr && delivery->position) {
    topic->history->OnLive(std::move(delivery));  // in position order, gaps filled
  } else {
    EnqueueAll(topic, delivery);
  }
}

// On the topic's worker, which dropped one of its events (its render queue
// was full): every loop with clients of `topic` sheds them after what it
// already has.
void Hub::ShedAll(const TopicPtr& topic) {
  if (auto permit = ConnectionLog()) {
    spdlog::warn(
        "hub: loop {} fell behind rendering; an event of {} was dropped, closing its "
        "clients (1013){}",
        topic->worker, topic->name, SuppressedNote(permit));
  }
  uint64_t mask = topic->loop_mask.load(std::memory_order_acquire);
  while (mask != 0) {
    const size_t loop = static_cast<size_t>(__builtin_ctzll(mask));
    mask &= mask - 1;
    Inbox& inbox = *inboxes_[loop];
    bool post = false;
    {
      std::lock_guard lock(inbox.mutex);
      if (!topic->shed_pending[loop].exchange(true)) inbox.items.push_back({topic, nullptr});
      post = !inbox.drain_posted;
      inbox.drain_posted = true;
    }
    if (post) boost::asio::post(loops_.loop(loop), [this, loop] { Drain(loop); });
  }
}

void Hub::EnqueueAll(const TopicPtr& topic, const DeliveryPtr& delivery) {
  uint64_t mask = topic->loop_mask.load(std::memory_order_acquire);
  while (mask != 0) {
    const size_t loop = static_cast<size_t>(__builtin_ctzll(mask));
    mask &= mask - 1;
    Enqueue(loop, topic, delivery);
  }
}

std::unique_ptr<TopicHistory> Hub::MakeHistory(const TopicPtr& topic) {
  const std::weak_ptr<Topic> weak = topic;
  Topic* raw = topic.get();
  TopicHistory::Hooks hooks{
      .read =
          [this, weak, raw](uint64_t after, HistoryCallback done) {
            const HistoryPolicy& policy = raw->channel->history;
            // A bounded window: one read is one reply from Redis.
            const size_t limit = std::min<size_t>(policy.size, TopicHistory::kMaxTailEvents);
            // The answer arrives on the bus's thread; it is rendered (and the
            // gap it fills delivered) on the topic's worker, like live events.
            // Not counted against the worker's bound: one read per topic is
            // in flight at most, of at most kMaxTailEvents events.
            bus_.ReadHistory(
                raw->name, policy, after, limit,
                [this, weak, done = std::move(done)](absl::StatusOr<HistoryRead> read) mutable {
                  TopicPtr alive = weak.lock();
                  if (alive == nullptr) return;  // its last client left
                  boost::asio::post(loops_.loop(alive->worker), [weak, done = std::move(done),
                                                                 read = std::move(read)]() mutable {
                    if (TopicPtr t = weak.lock()) done(std::move(read));
                  });
                });
          },
      .render = [this, raw](std::string_view envelope) -> DeliveryPtr {
        if (TopicPtr alive = raw->self.lock()) {
          try {
            DeliveryPtr d = Render(alive, envelope);
            if (d == nullptr) metrics_.events_dropped.fetch_add(1, std::memory_order_relaxed);
            return d;
          } catch (const std::exception& e) {
            metrics_.CountException(Component::kHub);
            spdlog::error("hub: internal error rendering history of {}: {}", raw->name, e.what());
          }
        }
        return nullptr;
      },
      .deliver =
          [this, raw](DeliveryPtr delivery) {
            if (TopicPtr alive = raw->self.lock()) EnqueueAll(alive, delivery);
          },
  };
  return std::make_unique<TopicHistory>(topic->channel->history, topic->channel_index,
                                        std::move(hooks));
}

void Hub::Recover(size_t loop, const TopicPtr& topic, std::optional<Position> since,
                  std::function<void(TopicHistory::Recovery)> done) {
  if (topic->history == nullptr) {
    TopicHistory::Recovery none;
    none.reason = fmt::format("channel \"{}\" keeps no history", topic->channel->name);
    boost::asio::post(
        loops_.loop(loop),
        [done = std::move(done), none = std::move(none)]() mutable { done(std::move(none)); });
    return;
  }
  topic->history->Recover(std::move(since), [this, loop, done = std::move(done)](
                                                TopicHistory::Recovery recovery) mutable {
    boost::asio::post(loops_.loop(loop),
                      [done = std::move(done), recovery = std::move(recovery)]() mutable {
                        done(std::move(recovery));
                      });
  });
}

void Hub::OnResubscribed() {
  std::vector<TopicPtr> topics;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [name, topic] : topics_) {
      if (topic->history != nullptr) topics.push_back(topic);
    }
  }
  for (const TopicPtr& topic : topics) topic->history->OnResubscribed();
}

// Decodes the envelope and renders the event's frame once; null (logged)
// when the bus carried something this topic cannot deliver.
DeliveryPtr Hub::Render(const TopicPtr& topic, std::string_view envelope) {
  std::string type;
  std::string payload;
  EventMeta meta;
  if (!internal::DecodeEnvelope(topic->name, envelope, type, payload, meta)) return nullptr;
  const EventInfo* info = registry_.FindEvent(type);
  if (info == nullptr || info->channel != topic->channel) {
    spdlog::warn("hub: dropped an event of type '{}' on topic {}: not an event of this channel",
                 type, topic->name);
    return nullptr;
  }
  auto message = registry_.Decode(*info, payload);
  if (!message.ok()) {
    spdlog::warn("hub: dropped an undecodable {} event on topic {}: {}", type, topic->name,
                 View(message.status().message()));
    return nullptr;
  }

  // Render once: the JSON goes straight after room for the frame header.
  auto delivery = std::make_shared<Delivery>();
  delivery->plain.Begin(256);
  internal::JsonWriter writer(delivery->plain.storage);
  info->write_json(**message, writer);
  delivery->plain.Finish();
  delivery->position = std::move(meta.position);
  if (topic->channel->history.enabled()) BuildRecoveryFrame(*delivery);
  delivery->targets = std::move(meta.target_user_ids);
  if (delivery->targets.size() > kTargetScanLimit) {
    delivery->target_set = std::make_unique<absl::flat_hash_set<std::string_view>>(
        delivery->targets.begin(), delivery->targets.end());
  }
  delivery->channel_index = topic->channel_index;
  delivery->event_type = metrics_.events.TypeIndex(info);
  delivery->publish_time_unix_nanos = meta.publish_time_unix_nanos;
  metrics_.events.Received(topic->worker, delivery->event_type, meta.source);
  return delivery;
}

void Hub::Enqueue(size_t loop, const TopicPtr& topic, const DeliveryPtr& delivery) {
  Inbox& inbox = *inboxes_[loop];
  const size_t cost = delivery->frame().size() + kItemOverhead;
  bool post = false;
  {
    std::lock_guard lock(inbox.mutex);
    if (inbox.bytes + cost <= options_.max_loop_queue_bytes) {
      inbox.items.push_back({topic, delivery});
      inbox.bytes += cost;
    } else {
      metrics_.shard(loop).loop_queue_overflows.fetch_add(1, std::memory_order_relaxed);
      // Once per loop that could not take it (its clients are shed).
      metrics_.events.Dropped(loop, delivery->event_type, DropReason::kQueueFull);
      if (!topic->shed_pending[loop].exchange(true)) inbox.items.push_back({topic, nullptr});
    }
    post = !inbox.drain_posted;
    inbox.drain_posted = true;
  }
  if (post) boost::asio::post(loops_.loop(loop), [this, loop] { Drain(loop); });
}

void Hub::Drain(size_t loop) {
  Inbox& inbox = *inboxes_[loop];
  {
    std::lock_guard lock(inbox.mutex);
    inbox.batch.swap(inbox.items);
    inbox.bytes = 0;
    inbox.drain_posted = false;
  }
  for (Inbox::Item& item : inbox.batch) {
    if (item.delivery != nullptr) {
      DeliverOnLoop(loop, item.topic, item.delivery);
    } else {
      ShedOnLoop(loop, item.topic);
    }
  }
  inbox.batch.clear();
}

void Hub::DeliverOnLoop(size_t loop, const TopicPtr& topic, const DeliveryPtr& delivery) {
  uint64_t delivered = 0;
  const bool everyone = delivery->targets.empty();  // no per-recipient lookup then
  const std::vector<Recipient*>& recipients = topic->recipients[loop];
  const size_t n = recipients.size();
  for (size_t i = 0; i < n; ++i) {
    // Recipients are cold (other sockets' kernel work ran since): bring in
    // the ones a few places ahead while this one is handled.
    if (i + 4 < n) Recipient::Prefetch(recipients[i + 4]);
    Recipient* recipient = recipients[i];
    if (!everyone && !recipient->Wants(*delivery)) continue;
    try {
      recipient->Deliver(delivery);
      ++delivered;
    } catch (const std::exception& e) {
      // Recipients guard themselves; this is the guard's guard.
      metrics_.CountException(Component::kHub);
      spdlog::error("hub: delivering on {} to {} failed: {}", topic->name, recipient->user_id(),
                    e.what());
      try {
        recipient->Shed(1011, "internal error");
      } catch (...) {
      }
    }
  }
  if (delivered == 0) return;
  ShardCounters& counters = metrics_.shard(loop);
  counters.deliveries.fetch_add(delivered, std::memory_order_relaxed);
  counters.channels[delivery->channel_index].deliveries.fetch_add(delivered,
                                                                  std::memory_order_relaxed);
}

// The loop's inbox had no room for one of this topic's events: its sockets
// here missed it, so they are closed (after what they were already sent).
void Hub::ShedOnLoop(size_t loop, const TopicPtr& topic) {
  topic->shed_pending[loop].store(false);
  const auto& recipients = topic->recipients[loop];
  if (recipients.empty()) return;
  if (auto permit = ConnectionLog()) {
    spdlog::warn("hub: closing loop {}'s {} client(s) of {}: they missed an event (1013){}", loop,
                 recipients.size(), topic->name, SuppressedNote(permit));
  }
  metrics_.shard(loop).overload_closes.fetch_add(recipients.size(), std::memory_order_relaxed);
  for (Recipient* recipient : recipients) {
    try {
      recipient->Shed(1013, "server overloaded");
    } catch (...) {
      metrics_.CountException(Component::kHub);
    }
  }
}

}  // namespace pubsub::gateway
