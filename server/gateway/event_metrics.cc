#include "server/gateway/event_metrics.h"

#include <algorithm>
#include <iterator>

#include "spdlog/fmt/fmt.h"

namespace pubsub::gateway {
namespace {

constexpr const char* kSourceNames[kPublishSources] = {"http", "grpc", "admin"};
constexpr const char* kRefusalNames[kRefusalReasons] = {"invalid", "unauthorized", "too_large",
                                                        "unavailable"};
constexpr const char* kDropNames[kDropReasons] = {"slow_consumer", "queue_full", "shutdown",
                                                  "disconnected"};

void Header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  fmt::format_to(std::back_inserter(out), "# HELP {0} {2}\n# TYPE {0} {1}\n", name, type, help);
}

}  // namespace

EventMetrics::EventMetrics(size_t loops, const Registry& registry)
    : registry_(registry), types_(registry.events().size()) {
  for (size_t i = 0; i < types_; ++i) index_.emplace(registry.events()[i], i);
  for (size_t l = 0; l < loops; ++l) loops_.push_back(std::make_unique<TypeCounters[]>(types_));
  published_ = std::make_unique<Counter[]>(kPublishSources * types_);
}

size_t EventMetrics::TypeIndex(const EventInfo* event) const {
  auto it = index_.find(event);
  return it == index_.end() ? kNoType : it->second;
}

void EventMetrics::Published(PublishSource source, size_t type) {
  if (type >= types_) return;
  published_[static_cast<size_t>(source) * types_ + type].fetch_add(1, std::memory_order_relaxed);
}

void EventMetrics::Refused(PublishSource source, RefusalReason reason) {
  refused_[static_cast<size_t>(source) * kRefusalReasons + static_cast<size_t>(reason)].fetch_add(
      1, std::memory_order_relaxed);
}

RefusalReason EventMetrics::ReasonOf(const absl::Status& refusal) {
  switch (refusal.code()) {
    case absl::StatusCode::kInvalidArgument:
      return RefusalReason::kInvalid;
    case absl::StatusCode::kUnauthenticated:
    case absl::StatusCode::kPermissionDenied:
      return RefusalReason::kUnauthorized;
    case absl::StatusCode::kResourceExhausted:
      return RefusalReason::kTooLarge;
    default:
      return RefusalReason::kUnavailable;
  }
}

void EventMetrics::CountPublish(PublishSource source, const EventInfo* event,
                                const absl::Status& outcome) {
  if (outcome.ok()) {
    Published(source, TypeIndex(event));
  } else {
    Refused(source, ReasonOf(outcome));
  }
}

void EventMetrics::Received(size_t loop, size_t type, EventSource source) {
  if (type >= types_) return;
  const auto s = static_cast<size_t>(source);
  loops_[loop][type].received[s < kEventSources ? s : 0].fetch_add(1, std::memory_order_relaxed);
}

void EventMetrics::Delivered(size_t loop, size_t type, int64_t latency_ns) {
  if (type >= types_) return;
  TypeCounters& c = loops_[loop][type];
  c.delivered.fetch_add(1, std::memory_order_relaxed);
  if (latency_ns < 0) return;
  const double seconds = static_cast<double>(latency_ns) / 1e9;
  const size_t bucket =
      static_cast<size_t>(std::lower_bound(kLatencyBounds.begin(), kLatencyBounds.end(), seconds) -
                          kLatencyBounds.begin());
  c.buckets[bucket].fetch_add(1, std::memory_order_relaxed);
  c.latency_sum_ns.fetch_add(static_cast<uint64_t>(latency_ns), std::memory_order_relaxed);
}

void EventMetrics::Dropped(size_t loop, size_t type, DropReason reason, uint64_t count) {
  if (type >= types_ || count == 0) return;
  loops_[loop][type].dropped[static_cast<size_t>(reason)].fetch_add(count,
                                                                    std::memory_order_relaxed);
}

void EventMetrics::RenderJson(std::string& out) const {
  const auto& events = registry_.events();
  auto sum = [this](size_t type, auto field) {
    uint64_t total = 0;
    for (const auto& loop : loops_) total += field(loop[type]).load(std::memory_order_relaxed);
    return total;
  };
  auto out_it = std::back_inserter(out);
  out.push_back('[');
  for (size_t t = 0; t < types_; ++t) {
    if (t > 0) out.push_back(',');
    // Type and channel names are identifiers (the generator checks them).
    fmt::format_to(out_it, R"({{"type":"{}","channel":"{}","published":{{)", events[t]->type,
                   events[t]->channel->name);
    for (size_t s = 0; s < kPublishSources; ++s) {
      fmt::format_to(out_it, R"({}"{}":{})", s > 0 ? "," : "", kSourceNames[s],
                     published_[s * types_ + t].load(std::memory_order_relaxed));
    }
    uint64_t received = 0;
    for (size_t s = 0; s < kEventSources; ++s) {
      received += sum(t, [s](const TypeCounters& c) -> const Counter& { return c.received[s]; });
    }
    fmt::format_to(out_it, R"(}},"received":{},"received_by_source":{{)", received);
    for (size_t s = 0; s < kEventSources; ++s) {
      fmt::format_to(
          out_it, R"({}"{}":{})", s > 0 ? "," : "", EventSourceName(static_cast<EventSource>(s)),
          sum(t, [s](const TypeCounters& c) -> const Counter& { return c.received[s]; }));
    }
    fmt::format_to(out_it, R"(}},"delivered":{},"dropped":{{)",
                   sum(t, [](const TypeCounters& c) -> const Counter& { return c.delivered; }));
    for (size_t r = 0; r < kDropReasons; ++r) {
      fmt::format_to(out_it, R"({}"{}":{})", r > 0 ? "," : "", kDropNames[r],
                     sum(t, [r](const TypeCounters& c) -> const Counter& { return c.dropped[r]; }));
    }
    out += "}}";
  }
  out.push_back(']');
}

void EventMetrics::RenderRefusalsJson(std::string& out) const {
  auto out_it = std::back_inserter(out);
  out.push_back('{');
  for (size_t s = 0; s < kPublishSources; ++s) {
    fmt::format_to(out_it, R"({}"{}":{{)", s > 0 ? "," : "", kSourceNames[s]);
    for (size_t r = 0; r < kRefusalReasons; ++r) {
      fmt::format_to(out_it, R"({}"{}":{})", r > 0 ? "," : "", kRefusalNames[r],
                     refused_[s * kRefusalReasons + r].load(std::memory_order_relaxed));
    }
    out.push_back('}');
  }
  out.push_back('}');
}

void EventMetrics::Render(std::string& out) const {
  const auto& events = registry_.events();
  auto sum = [this](size_t type, auto field) {
    uint64_t total = 0;
    for (const auto& loop : loops_) total += field(loop[type]).load(std::memory_order_relaxed);
    return total;
  };
  auto labels = [&](size_t type) {
    return fmt::format("type=\"{}\",channel=\"{}\"", events[type]->type,
                       events[type]->channel->name);
  };

  Header(out, "pubsub_events_published_total", "counter",
         "Events this gateway accepted for publishing, by type and source.");
  for (size_t s = 0; s < kPublishSources; ++s) {
    for (size_t t = 0; t < types_; ++t) {
      fmt::format_to(std::back_inserter(out),
                     "pubsub_events_published_total{{{},source=\"{}\"}} {}\n", labels(t),
                     kSourceNames[s], published_[s * types_ + t].load(std::memory_order_relaxed));
    }
  }
  Header(out, "pubsub_publish_refused_total", "counter",
         "Publishes this gateway refused, by source and reason.");
  for (size_t s = 0; s < kPublishSources; ++s) {
    for (size_t r = 0; r < kRefusalReasons; ++r) {
      fmt::format_to(std::back_inserter(out),
                     "pubsub_publish_refused_total{{source=\"{}\",reason=\"{}\"}} {}\n",
                     kSourceNames[s], kRefusalNames[r],
                     refused_[s * kRefusalReasons + r].load(std::memory_order_relaxed));
    }
  }
  Header(out, "pubsub_events_received_total", "counter",
         "Events received from the bus, by type and the source their envelope names.");
  for (size_t s = 0; s < kEventSources; ++s) {
    for (size_t t = 0; t < types_; ++t) {
      fmt::format_to(
          std::back_inserter(out), "pubsub_events_received_total{{{},source=\"{}\"}} {}\n",
          labels(t), EventSourceName(static_cast<EventSource>(s)),
          sum(t, [s](const TypeCounters& c) -> const Counter& { return c.received[s]; }));
    }
  }
  Header(out, "pubsub_events_delivered_total", "counter",
         "Event frames handed to client sockets, by type.");
  for (size_t t = 0; t < types_; ++t) {
    fmt::format_to(std::back_inserter(out), "pubsub_events_delivered_total{{{}}} {}\n", labels(t),
                   sum(t, [](const TypeCounters& c) -> const Counter& { return c.delivered; }));
  }
  Header(out, "pubsub_events_dropped_total", "counter",
         "Event frames that were meant for a client and never written, by type and reason.");
  for (size_t t = 0; t < types_; ++t) {
    for (size_t r = 0; r < kDropReasons; ++r) {
      fmt::format_to(std::back_inserter(out),
                     "pubsub_events_dropped_total{{{},reason=\"{}\"}} {}\n", labels(t),
                     kDropNames[r],
                     sum(t, [r](const TypeCounters& c) -> const Counter& { return c.dropped[r]; }));
    }
  }
  Header(out, "pubsub_delivery_latency_seconds", "histogram",
         "From the event's publish time to the write of its frame to a client socket.");
  for (size_t t = 0; t < types_; ++t) {
    uint64_t cumulative = 0;
    for (size_t b = 0; b <= kLatencyBounds.size(); ++b) {
      cumulative += sum(t, [b](const TypeCounters& c) -> const Counter& { return c.buckets[b]; });
      const std::string le =
          b < kLatencyBounds.size() ? fmt::format("{}", kLatencyBounds[b]) : std::string("+Inf");
      fmt::format_to(std::back_inserter(out),
                     "pubsub_delivery_latency_seconds_bucket{{type=\"{}\",le=\"{}\"}} {}\n",
                     events[t]->type, le, cumulative);
    }
    const uint64_t sum_ns =
        sum(t, [](const TypeCounters& c) -> const Counter& { return c.latency_sum_ns; });
    fmt::format_to(std::back_inserter(out),
                   "pubsub_delivery_latency_seconds_sum{{type=\"{}\"}} {}\n"
                   "pubsub_delivery_latency_seconds_count{{type=\"{}\"}} {}\n",
                   events[t]->type, static_cast<double>(sum_ns) / 1e9, events[t]->type, cumulative);
  }
}

}  // namespace pubsub::gateway
