#include "channel_generator.h"

#include "catalogue_generator.h"
#include "literals.h"
#include "names.h"

namespace pubsub::codegen {

Formatter ChannelGenerator::WithVars(const Formatter& f) const {
  const pubsub::ChannelOptions& options = channel_.options;
  std::string access;
  switch (options.access()) {
    case pubsub::ACCESS_ROLE:
      access = "kRole";
      break;
    case pubsub::ACCESS_PERSONAL:
      access = "kPersonal";
      break;
    default:
      access = "kAuthenticated";
      break;
  }
  return f.With({
      {"channel_class", ClassName(channel_.message)},
      {"qualified_channel", QualifiedClassName(channel_.message)},
      {"publisher", PublisherClassName(channel_.message)},
      {"subscriber", SubscriberClassName(channel_.message)},
      {"dispatch", DispatchFunctionName(channel_.message)},
      {"name", options.name()},
      {"path", options.path()},
      {"scope", options.scope()},
      {"scope_param", ScopeParameterName(options.scope())},
      {"role", options.role()},
      {"name_literal", CppStringLiteral(options.name())},
      {"path_literal", CppStringLiteral(options.path())},
      {"scope_literal", CppStringLiteral(options.scope())},
      {"role_literal", CppStringLiteral(options.role())},
      {"access", access},
      {"file", channel_.message->file()->name()},
  });
}

bool ChannelGenerator::IsPersonal() const {
  return channel_.options.access() == pubsub::ACCESS_PERSONAL;
}

bool ChannelGenerator::IsScoped() const { return !channel_.options.scope().empty(); }

void ChannelGenerator::GenerateDeclarations(const Formatter& f) const {
  Formatter v = WithVars(f);
  v("\n"
    "// ---------------------------------------------------------------------------\n"
    "// Channel \"$name$\" ($channel_class$): $path$\n");
  if (IsScoped()) v("// Scoped by $scope$: a subscriber receives one $scope$'s events.\n");
  switch (channel_.options.access()) {
    case pubsub::ACCESS_ROLE:
      v("// Access: users with the role \"$role$\".\n");
      break;
    case pubsub::ACCESS_PERSONAL:
      v("// Access: personal; a user receives only the events addressed to them.\n");
      break;
    default:
      v("// Access: any authenticated user.\n");
      break;
  }
  const std::string comment = LeadingComment(channel_.message);
  if (!comment.empty()) {
    v("//\n");
    v.Comment(comment);
  }
  GeneratePublisherDeclaration(v);
  GenerateSubscriberDeclaration(v);
}

void ChannelGenerator::GeneratePublisherDeclaration(const Formatter& v) const {
  v("\n"
    "// Publishes the events of \"$name$\", and only those: another channel's\n"
    "// event does not compile. `done` (may be empty) gets the event id or the\n"
    "// reason it was not published. Thread-safe; `publisher` must outlive it.\n"
    "class $publisher$ {\n"
    " public:\n"
    "  explicit $publisher$(::pubsub::Publisher& publisher) : publisher_(publisher) {}\n");
  v.Indent();
  for (const Event* event : events_) {
    // Event classes are named qualified throughout: inside these classes an
    // event named like a member (Publish) or a nested type (Handlers) would
    // otherwise name that member or type.
    Formatter e =
        v.With({{"event", QualifiedClassName(event->message)}, {"type", event->options.type()}});
    e("\n"
      "// $type$\n");
    if (!IsPersonal()) {
      e(IsScoped() ? "// To every subscriber of the event's $scope$.\n"
                   : "// To every subscriber.\n");
      e("void Publish(const $event$& event, ::pubsub::PublishCallback done = nullptr);\n");
    }
    e(IsPersonal() ? "// To each of `target_user_ids`.\n"
                   : "// To those of `target_user_ids` among the subscribers.\n");
    e("void Publish(const $event$& event, const std::vector<std::string>& target_user_ids,\n"
      "             ::pubsub::PublishCallback done = nullptr);\n");
    e(IsPersonal() ? "// To `user_id`.\n" : "// To `user_id` only, if subscribed.\n");
    e("void PublishToUser(std::string_view user_id, const $event$& event,\n"
      "                   ::pubsub::PublishCallback done = nullptr);\n");
  }
  v.Outdent();
  v("\n"
    " private:\n"
    "  ::pubsub::Publisher& publisher_;\n"
    "};\n");
}

void ChannelGenerator::GenerateSubscriberDeclaration(const Formatter& v) const {
  v("\n"
    "// Receives the events of \"$name$\", decoded, one handler per event type.\n"
    "class $subscriber$ {\n"
    " public:\n"
    "  // An empty handler ignores its event type. Handlers run on the bus's thread\n"
    "  // (see pubsub/bus.h) and must not block.\n"
    "  struct Handlers {\n");
  v.Indent();
  v.Indent();
  for (const Event* event : events_) {
    v.With({{"event", QualifiedClassName(event->message)},
            {"handler", HandlerName(event->options.type())}})(
        "std::function<void(const $event$&, const ::pubsub::EventMeta&)> $handler$ = nullptr;\n");
  }
  v.Outdent();
  v("};\n"
    "\n");
  if (IsPersonal()) {
    v("// Subscribes to the events addressed to `user_id`.\n");
  } else if (IsScoped()) {
    v("// Subscribes to the events of one $scope$ (integers in decimal).\n");
  } else {
    v("// Subscribes to every event of the channel.\n");
  }
  v("// `ready` (may be empty) runs once the bus has subscribed; events arrive\n"
    "// until the returned Subscription is destroyed. Events of unknown types and\n"
    "// undecodable payloads are skipped.\n");
  if (IsPersonal()) {
    v("[[nodiscard]] static ::pubsub::Subscription Subscribe(\n"
      "    ::pubsub::Bus& bus, std::string_view user_id, Handlers handlers,\n"
      "    ::pubsub::Bus::DoneCallback ready = nullptr);\n");
  } else if (IsScoped()) {
    v("[[nodiscard]] static ::pubsub::Subscription Subscribe(\n"
      "    ::pubsub::Bus& bus, std::string_view $scope_param$, Handlers handlers,\n"
      "    ::pubsub::Bus::DoneCallback ready = nullptr);\n");
  } else {
    v("[[nodiscard]] static ::pubsub::Subscription Subscribe(\n"
      "    ::pubsub::Bus& bus, Handlers handlers, ::pubsub::Bus::DoneCallback ready = nullptr);\n");
  }
  v.Outdent();
  v("};\n");
}

void ChannelGenerator::GenerateHelpers(const Formatter& f) const {
  Formatter v = WithVars(f);
  v("\n"
    "// Decodes one envelope of \"$name$\" and calls the handler of its type.\n"
    "void $dispatch$(const $subscriber$::Handlers& handlers,\n"
    "    std::string_view topic, std::string_view envelope) {\n"
    "  std::string type;\n"
    "  std::string payload;\n"
    "  ::pubsub::EventMeta meta;\n"
    "  if (!::pubsub::internal::DecodeEnvelope(topic, envelope, type, payload, meta)) return;\n");
  v.Indent();
  if (events_.empty()) v("static_cast<void>(handlers);  // the channel has no events here\n");
  for (const Event* event : events_) {
    v.With({{"event", QualifiedClassName(event->message)},
            {"handler", HandlerName(event->options.type())},
            {"type_literal", CppStringLiteral(event->options.type())}})(
        "if (type == $type_literal$) {\n"
        "  $event$ event;\n"
        "  if (handlers.$handler$ && event.ParseFromString(payload)) {\n"
        "    handlers.$handler$(event, meta);\n"
        "  }\n"
        "  return;\n"
        "}\n");
  }
  v.Outdent();
  v("}\n");
}

void ChannelGenerator::GenerateDefinitions(const Formatter& f) const {
  Formatter v = WithVars(f);
  GeneratePublisherDefinitions(v);
  GenerateSubscriberDefinition(v);
}

void ChannelGenerator::GeneratePublisherDefinitions(const Formatter& v) const {
  for (const Event* event : events_) {
    Formatter e = v.With({{"event", QualifiedClassName(event->message)}});
    if (!IsPersonal()) {
      e("\n"
        "void $publisher$::Publish(const $event$& event, ::pubsub::PublishCallback done) {\n"
        "  publisher_.Publish(::pubsub::EventTraits<$event$>::Info(), event, {}, "
        "std::move(done));\n"
        "}\n");
    }
    e("\n"
      "void $publisher$::Publish(const $event$& event,\n"
      "    const std::vector<std::string>& target_user_ids, ::pubsub::PublishCallback done) {\n"
      "  publisher_.Publish(::pubsub::EventTraits<$event$>::Info(), event, target_user_ids,\n"
      "                     std::move(done));\n"
      "}\n"
      "\n"
      "void $publisher$::PublishToUser(std::string_view user_id, const $event$& event,\n"
      "    ::pubsub::PublishCallback done) {\n"
      "  const std::string target(user_id);\n"
      "  publisher_.Publish(::pubsub::EventTraits<$event$>::Info(), event, {&target, 1},\n"
      "                     std::move(done));\n"
      "}\n");
  }
}

void ChannelGenerator::GenerateSubscriberDefinition(const Formatter& v) const {
  v("\n");
  if (IsPersonal()) {
    v("::pubsub::Subscription $subscriber$::Subscribe(::pubsub::Bus& bus, std::string_view "
      "user_id,\n"
      "    Handlers handlers, ::pubsub::Bus::DoneCallback ready) {\n"
      "  const std::string topic =\n"
      "      ::pubsub::UserTopic(::pubsub::ChannelTraits<$channel_class$>::Info(), user_id);\n");
  } else if (IsScoped()) {
    v("::pubsub::Subscription $subscriber$::Subscribe(::pubsub::Bus& bus,\n"
      "    std::string_view $scope_param$, Handlers handlers, ::pubsub::Bus::DoneCallback ready) "
      "{\n"
      "  const std::string topic =\n"
      "      ::pubsub::ChannelTopic(::pubsub::ChannelTraits<$channel_class$>::Info(), "
      "$scope_param$);\n");
  } else {
    v("::pubsub::Subscription $subscriber$::Subscribe(::pubsub::Bus& bus, Handlers handlers,\n"
      "    ::pubsub::Bus::DoneCallback ready) {\n"
      "  const std::string topic =\n"
      "      ::pubsub::ChannelTopic(::pubsub::ChannelTraits<$channel_class$>::Info(), {});\n");
  }
  v("  const ::pubsub::Bus::SubscriptionId id = bus.Subscribe(\n"
    "      topic,\n"
    "      [handlers = std::move(handlers)](std::string_view topic, std::string_view envelope) {\n"
    "        $dispatch$(handlers, topic, envelope);\n"
    "      },\n"
    "      std::move(ready));\n"
    "  return ::pubsub::Subscription(bus, id);\n"
    "}\n");
}

void ChannelGenerator::GenerateTraitsDeclaration(const Formatter& f) const {
  WithVars(f)(
      "\n"
      "template <>\n"
      "struct ChannelTraits<$qualified_channel$> {\n"
      "  static const ChannelInfo& Info();\n"
      "};\n");
}

void ChannelGenerator::GenerateTraitsDefinition(const Formatter& f) const {
  WithVars(f).With({{"description_literal", ChannelDescriptionLiteral(channel_)}})(
      "\n"
      "const ChannelInfo& ChannelTraits<$qualified_channel$>::Info() {\n"
      "  static constexpr ChannelInfo kInfo = {\n"
      "      .name = $name_literal$,\n"
      "      .path = $path_literal$,\n"
      "      .scope_field = $scope_literal$,\n"
      "      .access = Access::$access$,\n"
      "      .role = $role_literal$,\n"
      "      .description = $description_literal$,\n");
  if (channel_.options.history().size() > 0) {
    f.With({{"size", std::to_string(channel_.options.history().size())},
            {"ttl", std::to_string(channel_.options.history().ttl_seconds())}})(
        "      .history = {.size = $size$, .ttl_seconds = $ttl$},\n");
  }
  f("  };\n"
    "  return kInfo;\n"
    "}\n");
}

}  // namespace pubsub::codegen
