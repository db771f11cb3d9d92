#include "event_generator.h"

#include "catalogue_generator.h"
#include "literals.h"
#include "names.h"

namespace pubsub::codegen {

using google::protobuf::FieldDescriptor;

Formatter EventGenerator::WithVars(const Formatter& f) const {
  const std::string ns = Namespace(event_.message->file());
  return f.With({
      {"class", ClassName(event_.message)},
      {"qualified_class", QualifiedClassName(event_.message)},
      {"qualified_ns", ns.empty() ? "" : "::" + ns},
      {"type", event_.options.type()},
      {"type_literal", CppStringLiteral(event_.options.type())},
  });
}

void EventGenerator::GenerateDeclarations(const Formatter& f) const {
  Formatter v = WithVars(f);
  v("\n");
  const std::string comment = LeadingComment(event_.message);
  if (!comment.empty()) {
    v("// Event \"$type$\" ($class$):\n");
    v.Comment(comment);
  } else {
    v("// Event \"$type$\" ($class$).\n");
  }
  v("//\n"
    "// Appends the browser JSON {\"type\":\"$type$\", fields...} to `writer`.\n"
    "void WriteEventJson(const $class$& event, ::pubsub::internal::JsonWriter& writer);\n"
    "// The browser JSON as a string.\n"
    "std::string RenderJson(const $class$& event);\n");
}

void EventGenerator::GenerateDefinitions(const Formatter& f) const {
  // An event without fields does not read its parameter: leave it unnamed.
  Formatter v = WithVars(f).With({{"param", event_.message->field_count() > 0 ? " event" : ""}});
  v("\n"
    "void WriteEventJson(const $class$&$param$, ::pubsub::internal::JsonWriter& writer) {\n");
  v.Indent();
  json_.GenerateEventBody(v, event_.message, event_.options.type(), "event");
  v.Outdent();
  v("}\n"
    "\n"
    "std::string RenderJson(const $class$& event) {\n"
    "  std::string out;\n"
    "  ::pubsub::internal::JsonWriter writer(out);\n"
    "  WriteEventJson(event, writer);\n"
    "  return out;\n"
    "}\n");
}

void EventGenerator::GenerateTraitsDeclaration(const Formatter& f) const {
  WithVars(f).With({{"channel", QualifiedClassName(event_.channel->message)}})(
      "\n"
      "template <>\n"
      "struct EventTraits<$qualified_class$> {\n"
      "  using Channel = $channel$;\n"
      "  static const EventInfo& Info();\n"
      "};\n");
}

void EventGenerator::GenerateTraitsDefinition(const Formatter& f) const {
  Formatter v = WithVars(f).With({{"channel", QualifiedClassName(event_.channel->message)}});
  const EventCatalogueGenerator catalogue(event_);
  v("\n"
    "const EventInfo& EventTraits<$qualified_class$>::Info() {\n");
  catalogue.GenerateDefinitions(v);
  v("  static const EventInfo info = {\n"
    "      .type = $type_literal$,\n"
    "      .channel = &ChannelTraits<$channel$>::Info(),\n"
    "      .descriptor = &$qualified_class$::descriptor,\n"
    "      .default_instance = []() -> const ::google::protobuf::Message& {\n"
    "        return $qualified_class$::default_instance();\n"
    "      },\n");
  const FieldDescriptor* scope = event_.scope_field;
  if (scope == nullptr) {
    v("      .scope_value = [](const ::google::protobuf::Message&) { return std::string(); },\n");
  } else {
    // Integer scopes become their decimal text, the form topics and paths use.
    const bool is_string = scope->cpp_type() == FieldDescriptor::CPPTYPE_STRING;
    v.With({{"field", FieldAccessor(scope)},
            {"convert", is_string ? "std::string" : "std::to_string"}})(
        "      .scope_value = [](const ::google::protobuf::Message& event) {\n"
        "        return $convert$(static_cast<const $qualified_class$&>(event).$field$());\n"
        "      },\n");
  }
  v("      .write_json = [](const ::google::protobuf::Message& event,\n"
    "                       internal::JsonWriter& writer) {\n"
    "        $qualified_ns$::WriteEventJson(static_cast<const $qualified_class$&>(event), "
    "writer);\n"
    "      },\n");
  catalogue.GenerateInitializer(v);
  if (event_.options.live_only()) v("      .live_only = true,\n");
  v("  };\n"
    "  return info;\n"
    "}\n");
}

}  // namespace pubsub::codegen
