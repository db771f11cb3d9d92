#include "server/history/history_query.h"

#include <charconv>
#include <memory>
#include <utility>

#include "google/protobuf/message.h"
#include "pubsub/internal/json_writer.h"
#include "pubsub/subscription.h"
#include "pubsub/topic.h"
#include "server/routing/text_checks.h"

namespace pubsub::history_api {
namespace {

using routing::Cat;

absl::StatusOr<size_t> ParseLimit(std::string_view text) {
  if (text.empty()) return kDefaultPageSize;
  size_t limit = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), limit);
  if (error != std::errc() || end != text.data() + text.size() || limit < 1 ||
      limit > kMaxPageSize) {
    return absl::InvalidArgumentError(
        Cat("limit: expected a number of events from 1 to ", kMaxPageSize));
  }
  return limit;
}

// Decodes the envelopes of `read` into `page`; an envelope that does not
// decode as an event of the query's channel is skipped (the bus carries
// untrusted bytes; DecodeEnvelope logs it).
void Decode(const Registry& registry, const HistoryQuery& query, const HistoryRead& read,
            HistoryPage& page) {
  page.events.reserve(read.envelopes.size());
  for (const std::string& envelope : read.envelopes) {
    std::string type;
    std::string payload;
    EventMeta meta;
    if (!internal::DecodeEnvelope(query.topic, envelope, type, payload, meta)) continue;
    const EventInfo* info = registry.FindEvent(type);
    if (info == nullptr || info->channel != query.channel || !meta.position) continue;
    auto message = registry.Decode(*info, payload);
    if (!message.ok()) continue;
    HistoryEvent& event = page.events.emplace_back();
    event.position = *std::move(meta.position);
    event.info = info;
    internal::JsonWriter writer(event.json);
    info->write_json(**message, writer);
    event.targets = std::move(meta.target_user_ids);
  }
}

HistoryPage PageOf(const Registry& registry, const HistoryQuery& query, const HistoryRead& read,
                   bool complete) {
  HistoryPage page;
  page.newest = Position{read.epoch, read.last_seq};
  page.complete = complete;
  Decode(registry, query, read, page);
  return page;
}

}  // namespace

absl::StatusOr<HistoryQuery> MakeHistoryQuery(const ChannelInfo& channel,
                                              std::string_view scope_value,
                                              std::string_view user_id, std::string_view since,
                                              std::string_view limit) {
  if (!channel.history.enabled()) {
    return absl::NotFoundError(Cat("the ", channel.name, " channel keeps no history"));
  }
  HistoryQuery query;
  query.channel = &channel;
  if (channel.access == Access::kPersonal) {
    if (!scope_value.empty()) {
      return absl::InvalidArgumentError(Cat("the ", channel.name, " channel has no scope"));
    }
    if (user_id.empty()) {
      return absl::InvalidArgumentError(
          Cat("the ", channel.name, " channel is personal: name the user whose history to read"));
    }
    if (absl::Status ok = routing::CheckIdentifier("user", user_id); !ok.ok()) return ok;
    query.topic = UserTopic(channel, user_id);
  } else {
    if (!user_id.empty()) {
      return absl::InvalidArgumentError(
          Cat("the ", channel.name, " channel is not personal: leave the user out"));
    }
    if (channel.scope_field.empty() != scope_value.empty()) {
      return absl::InvalidArgumentError(
          channel.scope_field.empty()
              ? Cat("the ", channel.name, " channel has no scope")
              : Cat("the ", channel.name, " channel needs its scope (", channel.scope_field, ")"));
    }
    if (!scope_value.empty()) {
      if (absl::Status ok = routing::CheckIdentifier(channel.scope_field, scope_value); !ok.ok()) {
        return ok;
      }
    }
    query.topic = ChannelTopic(channel, scope_value);
  }
  if (!since.empty()) {
    query.since = Position::Parse(since);
    if (!query.since) {
      return absl::InvalidArgumentError("since: expected EPOCH:SEQ (a position the gateway sent)");
    }
  }
  auto parsed_limit = ParseLimit(limit);
  if (!parsed_limit.ok()) return parsed_limit.status();
  query.limit = *parsed_limit;
  return query;
}

void ReadHistoryPage(Bus& bus, const Registry& registry, HistoryQuery query, PageCallback done) {
  auto shared = std::make_shared<HistoryQuery>(std::move(query));
  const HistoryPolicy& policy = shared->channel->history;
  Bus* bus_ptr = &bus;
  const Registry* registry_ptr = &registry;

  // The second read: the newest `limit` events (no since), or the oldest kept
  // ones (a since that cannot be continued from).
  auto read_from = [bus_ptr, registry_ptr, shared, done](uint64_t after_seq, bool complete) {
    bus_ptr->ReadHistory(shared->topic, shared->channel->history, after_seq, shared->limit,
                         [registry_ptr, shared, done, complete](absl::StatusOr<HistoryRead> read) {
                           if (!read.ok()) return done(read.status());
                           done(PageOf(*registry_ptr, *shared, *read, complete));
                         });
  };

  if (!shared->since) {
    // First learn the newest sequence number, then read the page before it.
    return bus.ReadHistory(shared->topic, policy, 0, 0,
                           [shared, done, read_from](absl::StatusOr<HistoryRead> read) {
                             if (!read.ok()) return done(read.status());
                             const uint64_t last = read->last_seq;
                             read_from(last > shared->limit ? last - shared->limit : 0, true);
                           });
  }
  bus.ReadHistory(shared->topic, policy, shared->since->seq, shared->limit,
                  [registry_ptr, shared, done, read_from](absl::StatusOr<HistoryRead> read) {
                    if (!read.ok()) return done(read.status());
                    if (read->Covers(*shared->since)) {
                      return done(PageOf(*registry_ptr, *shared, *read, true));
                    }
                    read_from(0, false);
                  });
}

std::string RenderPageJson(const HistoryPage& page) {
  std::string body;
  body.reserve(64 + page.events.size() * 128);
  internal::JsonWriter writer(body);
  writer.Raw("{\"position\":");
  writer.String(page.newest.ToString());
  writer.Raw(page.complete ? ",\"complete\":true,\"events\":["
                           : ",\"complete\":false,\"events\":[");
  bool first = true;
  for (const HistoryEvent& event : page.events) {
    writer.Raw(first ? "{\"position\":" : ",{\"position\":");
    first = false;
    writer.String(event.position.ToString());
    if (!event.targets.empty()) {
      writer.Raw(",\"to\":[");
      for (size_t i = 0; i < event.targets.size(); ++i) {
        if (i > 0) writer.Char(',');
        writer.String(event.targets[i]);
      }
      writer.Char(']');
    }
    writer.Raw(",\"event\":");
    writer.Raw(event.json);
    writer.Char('}');
  }
  writer.Raw("]}");
  return body;
}

}  // namespace pubsub::history_api
