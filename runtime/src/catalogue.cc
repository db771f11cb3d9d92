// Catalogue: the AsyncAPI document and the Markdown pages of a set of
// channels and events (see pubsub/catalogue.h). The document is built as
// compact JSON, splicing in the JSON facts generated code carries (payload
// schemas, examples), then pretty-printed once.
#include "pubsub/catalogue.h"

#include <algorithm>
#include <map>
#include <vector>

#include "pubsub/internal/json_writer.h"
#include "pubsub/internal/str_cat.h"

namespace pubsub {
namespace {

using internal::Cat;

// A compact JSON builder that places the commas. Values are strings (escaped
// here) or JSON text that is already valid (Raw).
class JsonBuilder {
 public:
  JsonBuilder() : writer_(out_) {}

  JsonBuilder& Key(std::string_view key) {
    Comma();
    writer_.String(key);
    out_.push_back(':');
    after_key_ = true;
    return *this;
  }
  JsonBuilder& OpenObject() { return Open('{'); }
  JsonBuilder& OpenArray() { return Open('['); }
  JsonBuilder& Close() {
    out_.push_back(closers_.back());
    closers_.pop_back();
    first_.pop_back();
    return *this;
  }
  JsonBuilder& String(std::string_view text) {
    BeforeValue();
    writer_.String(text);
    return *this;
  }
  JsonBuilder& Raw(std::string_view json) {
    BeforeValue();
    out_.append(json);
    return *this;
  }
  // "key":"text"
  JsonBuilder& Member(std::string_view key, std::string_view text) { return Key(key).String(text); }
  // {"$ref":"ref"}
  JsonBuilder& Ref(std::string_view ref) { return OpenObject().Member("$ref", ref).Close(); }

  std::string Take() { return std::move(out_); }

 private:
  JsonBuilder& Open(char c) {
    BeforeValue();
    out_.push_back(c);
    closers_.push_back(c == '{' ? '}' : ']');
    first_.push_back(true);
    return *this;
  }
  void Comma() {
    if (first_.empty()) return;
    if (!first_.back()) out_.push_back(',');
    first_.back() = false;
  }
  void BeforeValue() {
    if (after_key_) {
      after_key_ = false;
    } else {
      Comma();
    }
  }

  std::string out_;
  internal::JsonWriter writer_;
  std::vector<char> closers_;
  std::vector<bool> first_;
  bool after_key_ = false;
};

std::vector<const ChannelInfo*> SortedChannels(std::span<const ChannelInfo* const> channels) {
  std::vector<const ChannelInfo*> sorted(channels.begin(), channels.end());
  std::sort(sorted.begin(), sorted.end(),
            [](const ChannelInfo* a, const ChannelInfo* b) { return a->name < b->name; });
  return sorted;
}

// The events of `channel` (compared by name: the plugin builds its own
// ChannelInfo copies), in type order.
std::vector<const EventInfo*> EventsOf(const ChannelInfo& channel,
                                       std::span<const EventInfo* const> events) {
  std::vector<const EventInfo*> of;
  for (const EventInfo* event : events) {
    if (event->channel != nullptr && event->channel->name == channel.name) of.push_back(event);
  }
  std::sort(of.begin(), of.end(),
            [](const EventInfo* a, const EventInfo* b) { return a->type < b->type; });
  return of;
}

std::string AccessText(const ChannelInfo& channel) {
  switch (channel.access) {
    case Access::kRole:
      return Cat("users whose token carries the role \"", channel.role, "\"");
    case Access::kPersonal:
      return "any authenticated user, who receives only the events addressed to them";
    case Access::kAuthenticated:
      break;
  }
  return "any authenticated user";
}

std::string_view AccessRule(Access access) {
  switch (access) {
    case Access::kRole:
      return "role";
    case Access::kPersonal:
      return "personal";
    case Access::kAuthenticated:
      break;
  }
  return "authenticated";
}

std::string ChannelDescription(const ChannelInfo& channel) {
  std::string text(channel.description);
  if (!text.empty()) text += "\n\n";
  text += Cat("Access: ", AccessText(channel), ".");
  if (!channel.scope_field.empty()) {
    text +=
        Cat(" Scoped by ", channel.scope_field, ": a connection receives only the events whose ",
            channel.scope_field, " is the address's {", channel.scope_field, "}.");
  }
  return text;
}

constexpr std::string_view kContract =
    "Events as browsers receive them over WebSocket: one JSON object per text frame, \"type\" "
    "first, then the event's fields under their proto names. Scalars, repeated fields and maps "
    "are always present; messages, proto3 optional fields and oneof members only when set. "
    "64-bit integers are strings unless declared as numbers, enums are their names (or declared "
    "JSON values), timestamps are RFC 3339 and bytes base64. Each message's payload is the JSON "
    "Schema of exactly that JSON; its example is the generated writer's output for a sample "
    "event. Clients connect to a channel's address with a JWT (see the security schemes); "
    "services publish the same JSON with POST /api/publish or the gRPC Publisher service.";

void WriteInfo(JsonBuilder& doc, const CatalogueInfo& info) {
  doc.Key("info").OpenObject();
  doc.Member("title", info.title);
  doc.Member("version", info.version);
  doc.Member("description", info.description.empty() ? std::string(kContract)
                                                     : Cat(info.description, "\n\n", kContract));
  doc.Close();
}

void WriteChannel(JsonBuilder& doc, const ChannelInfo& channel,
                  const std::vector<const EventInfo*>& events) {
  doc.Key(channel.name).OpenObject();
  doc.Member("address", channel.path);
  doc.Member("title", channel.name);
  doc.Member("description", ChannelDescription(channel));
  if (!channel.scope_field.empty()) {
    doc.Key("parameters").OpenObject();
    doc.Key(channel.scope_field).OpenObject();
    doc.Member("description",
               Cat("The ", channel.scope_field, " of the events this connection receives."));
    doc.Member("location", Cat("$message.payload#/", channel.scope_field));
    doc.Close();
    doc.Close();
  }
  doc.Key("messages").OpenObject();
  for (const EventInfo* event : events) {
    doc.Key(event->type).Ref(Cat("#/components/messages/", event->type));
  }
  doc.Close();
  doc.Key("x-pubsub-access").OpenObject();
  doc.Member("rule", AccessRule(channel.access));
  if (channel.access == Access::kRole) doc.Member("role", channel.role);
  doc.Close();
  if (channel.history.enabled()) {
    // Clients of this channel may recover what they missed (?since=EPOCH:SEQ).
    doc.Key("x-pubsub-history").OpenObject();
    doc.Key("size").Raw(std::to_string(channel.history.size));
    doc.Key("ttl_seconds").Raw(std::to_string(channel.history.ttl_seconds));
    doc.Close();
  }
  doc.Close();
}

void WriteOperation(JsonBuilder& doc, const ChannelInfo& channel,
                    const std::vector<const EventInfo*>& events) {
  doc.Key(channel.name).OpenObject();
  doc.Member("action", "send");
  doc.Key("channel").Ref(Cat("#/channels/", channel.name));
  doc.Member("summary", Cat("The gateway sends the events of ", channel.name,
                            " to the WebSocket clients of ", channel.path, "."));
  doc.Key("security").OpenArray();
  doc.Ref("#/components/securitySchemes/bearer");
  doc.Ref("#/components/securitySchemes/token");
  doc.Close();
  if (!events.empty()) {
    doc.Key("messages").OpenArray();
    for (const EventInfo* event : events) {
      doc.Ref(Cat("#/channels/", channel.name, "/messages/", event->type));
    }
    doc.Close();
  }
  doc.Close();
}

void WriteMessage(JsonBuilder& doc, const EventInfo& event) {
  const EventCatalogue& facts = event.catalogue;
  doc.Key(event.type).OpenObject();
  doc.Member("name", event.type);
  if (!facts.message_name.empty()) doc.Member("title", facts.message_name);
  if (!facts.description.empty()) doc.Member("description", facts.description);
  doc.Member("contentType", "application/json");
  doc.Key("payload").Raw(facts.payload_schema.empty() ? "{}" : facts.payload_schema);
  if (!facts.example.empty()) {
    doc.Key("examples").OpenArray().OpenObject();
    doc.Member("name", event.type);
    doc.Member("summary", "Every field set (one element per repeated field and map)");
    doc.Key("payload").Raw(facts.example);
    doc.Close().Close();
  }
  if (!facts.message_name.empty()) doc.Member("x-pubsub-message", facts.message_name);
  // Not stored in its channel's history: a recovering client never gets it.
  if (event.live_only) doc.Key("x-pubsub-live-only").Raw("true");
  doc.Close();
}

void WriteSecuritySchemes(JsonBuilder& doc) {
  doc.Key("securitySchemes").OpenObject();
  doc.Key("bearer").OpenObject();
  doc.Member("type", "http");
  doc.Member("scheme", "bearer");
  doc.Member("bearerFormat", "JWT");
  doc.Member("description",
             "A JWT (HS256) whose \"sub\" is the user id and whose optional \"roles\" array "
             "grants role channels: in an \"Authorization: Bearer <token>\" header, or, from a "
             "browser, offered as the WebSocket subprotocols \"bearer\" and the token: "
             "new WebSocket(url, [\"bearer\", token]). A gateway run with --dev-auth "
             "needs none.");
  doc.Close();
  doc.Key("token").OpenObject();
  doc.Member("type", "httpApiKey");
  doc.Member("name", "token");
  doc.Member("in", "query");
  doc.Member("description", "The same JWT as the \"token\" query parameter: ?token=<token>.");
  doc.Close();
  doc.Close();
}

}  // namespace

std::string WriteAsyncApi(std::span<const ChannelInfo* const> channels,
                          std::span<const EventInfo* const> events, const CatalogueInfo& info) {
  const std::vector<const ChannelInfo*> sorted = SortedChannels(channels);
  std::vector<std::vector<const EventInfo*>> events_of;
  for (const ChannelInfo* channel : sorted) events_of.push_back(EventsOf(*channel, events));

  JsonBuilder doc;
  doc.OpenObject();
  doc.Member("asyncapi", "3.0.0");
  WriteInfo(doc, info);
  doc.Member("defaultContentType", "application/json");

  doc.Key("channels").OpenObject();
  for (size_t i = 0; i < sorted.size(); ++i) WriteChannel(doc, *sorted[i], events_of[i]);
  doc.Close();

  doc.Key("operations").OpenObject();
  for (size_t i = 0; i < sorted.size(); ++i) WriteOperation(doc, *sorted[i], events_of[i]);
  doc.Close();

  doc.Key("components").OpenObject();
  std::vector<const EventInfo*> all;
  std::map<std::string_view, std::string_view> schemas;  // name order; the first one wins
  for (const auto& of : events_of) {
    for (const EventInfo* event : of) {
      all.push_back(event);
      for (const SchemaDefinition& definition : event->catalogue.definitions) {
        schemas.emplace(definition.name, definition.schema);
      }
    }
  }
  std::sort(all.begin(), all.end(),
            [](const EventInfo* a, const EventInfo* b) { return a->type < b->type; });
  doc.Key("messages").OpenObject();
  for (const EventInfo* event : all) WriteMessage(doc, *event);
  doc.Close();
  doc.Key("schemas").OpenObject();
  for (const auto& [name, schema] : schemas) doc.Key(name).Raw(schema);
  doc.Close();
  WriteSecuritySchemes(doc);
  doc.Close();

  doc.Close();
  std::string text = internal::PrettyJson(doc.Take());
  text.push_back('\n');
  return text;
}

std::string WriteAsyncApi(const Registry& registry, const CatalogueInfo& info) {
  return WriteAsyncApi(registry.channels(), registry.events(), info);
}

std::string WriteChannelMarkdown(const ChannelInfo& channel,
                                 std::span<const EventInfo* const> events,
                                 const CatalogueInfo& info) {
  std::string page = Cat("# Channel `", channel.name, "`\n\n");
  if (!channel.description.empty()) page += Cat(channel.description, "\n\n");
  page += Cat("- **Address:** `", channel.path, "`\n");
  if (!channel.scope_field.empty()) {
    page += Cat("- **Scope:** `", channel.scope_field,
                "`: a connection receives only the events whose `", channel.scope_field,
                "` is the address's `{", channel.scope_field, "}`\n");
  }
  page += Cat("- **Access:** ", AccessText(channel),
              "; the JWT goes in `Authorization: Bearer`, in `?token=`, or (browsers) in the "
              "WebSocket subprotocols `[\"bearer\", token]`\n");
  if (channel.history.enabled()) {
    page += Cat("- **History:** ",
                channel.history.size == 1
                    ? std::string("the latest event of each topic")
                    : Cat("the last ", channel.history.size, " events of each topic"),
                channel.history.ttl_seconds > 0
                    ? Cat(", kept ", channel.history.ttl_seconds, " s after the newest")
                    : std::string(),
                "; a client that reconnects with `?since=POSITION` receives what it missed, or "
                "is told that it cannot\n");
  }
  page += Cat("- **Catalogue:** ", info.title, " ", info.version,
              " (the AsyncAPI document has each event's JSON Schema)\n\n");
  page +=
      "Each event arrives as one JSON text frame. Each example is the generated writer's JSON for "
      "a sample event with every field set; messages, `optional` fields and oneof members are "
      "left out when unset.\n";
  const std::vector<const EventInfo*> of = EventsOf(channel, events);
  if (of.empty()) page += "\nNo events are declared on this channel.\n";
  for (const EventInfo* event : of) {
    const EventCatalogue& facts = event->catalogue;
    page += Cat("\n## `", event->type, "`\n\n");
    if (!facts.description.empty()) page += Cat(facts.description, "\n\n");
    if (!facts.message_name.empty()) page += Cat("Message `", facts.message_name, "`.\n\n");
    if (event->live_only && channel.history.enabled()) {
      page +=
          "Live only: not kept in the channel's history, so a recovering client does not get "
          "it.\n\n";
    }
    if (!facts.example.empty()) {
      page += Cat("```json\n", internal::PrettyJson(facts.example), "\n```\n");
    }
  }
  return page;
}

namespace internal {
namespace {

// Re-indents one JSON value at a time; `pos_` only moves forward and every
// read is bounds-checked, so malformed input cannot run past the end.
class Prettifier {
 public:
  explicit Prettifier(std::string_view in) : in_(in) {}

  std::string Run() {
    Value(0);
    return std::move(out_);
  }

 private:
  void SkipSpace() {
    while (pos_ < in_.size() &&
           (in_[pos_] == ' ' || in_[pos_] == '\n' || in_[pos_] == '\r' || in_[pos_] == '\t')) {
      ++pos_;
    }
  }
  bool At(char c) {
    SkipSpace();
    return pos_ < in_.size() && in_[pos_] == c;
  }
  void Newline(int depth) {
    out_.push_back('\n');
    out_.append(static_cast<size_t>(depth) * 2, ' ');
  }

  // The end of the value starting at `from` (a string, literal or container).
  size_t EndOf(size_t from) const {
    size_t i = from;
    int nesting = 0;
    while (i < in_.size()) {
      const char c = in_[i];
      if (c == '"') {
        i = EndOfString(i);
        if (nesting == 0) return i;
        continue;
      }
      if (c == '{' || c == '[') {
        ++nesting;
      } else if (c == '}' || c == ']') {
        if (nesting == 0) return i;  // a scalar ended by its container
        if (--nesting == 0) return i + 1;
      } else if (nesting == 0 && (c == ',' || c == ':' || c == ' ' || c == '\n')) {
        return i;
      }
      ++i;
    }
    return i;
  }
  size_t EndOfString(size_t quote) const {
    size_t i = quote + 1;
    while (i < in_.size() && in_[i] != '"') i += in_[i] == '\\' ? 2 : 1;
    return std::min(i + 1, in_.size());
  }
  // True when the container starting at `from` holds another container.
  bool HoldsContainers(size_t from) const {
    const size_t end = EndOf(from);
    for (size_t i = from + 1; i < end;) {
      if (in_[i] == '"') {
        i = EndOfString(i);
        continue;
      }
      if (in_[i] == '{' || in_[i] == '[') return true;
      ++i;
    }
    return false;
  }

  void Value(int depth) {
    SkipSpace();
    if (pos_ >= in_.size()) return;
    const char c = in_[pos_];
    if (c == '{' || c == '[') return Container(depth);
    const size_t end = std::max(EndOf(pos_), pos_ + 1);
    out_.append(in_.substr(pos_, end - pos_));
    pos_ = end;
  }

  void Container(int depth) {
    const char open = in_[pos_];
    const char close = open == '{' ? '}' : ']';
    // One line: arrays of scalars, and small objects of scalars.
    constexpr size_t kInlineObjectWidth = 72;
    const bool one_line =
        !HoldsContainers(pos_) && (open == '[' || EndOf(pos_) - pos_ <= kInlineObjectWidth);
    out_.push_back(open);
    ++pos_;
    if (At(close)) {
      out_.push_back(close);
      ++pos_;
      return;
    }
    while (pos_ < in_.size()) {
      if (!one_line) Newline(depth + 1);
      if (open == '{') {
        SkipSpace();
        const size_t end = pos_ < in_.size() && in_[pos_] == '"' ? EndOfString(pos_) : pos_ + 1;
        out_.append(in_.substr(pos_, end - pos_));
        pos_ = end;
        if (At(':')) ++pos_;
        out_.append(": ");
      }
      Value(depth + 1);
      if (At(',')) {
        ++pos_;
        out_.append(one_line ? ", " : ",");
        continue;
      }
      break;
    }
    if (!one_line) Newline(depth);
    out_.push_back(close);
    if (At(close)) ++pos_;
  }

  std::string_view in_;
  size_t pos_ = 0;
  std::string out_;
};

}  // namespace

std::string PrettyJson(std::string_view json) { return Prettifier(json).Run(); }

}  // namespace internal
}  // namespace pubsub
