#include "catalogue_generator.h"

#include <deque>
#include <map>
#include <memory>
#include <set>
#include <vector>

#include "google/protobuf/io/printer.h"
#include "google/protobuf/io/zero_copy_stream.h"
#include "literals.h"
#include "pubsub/catalogue.h"
#include "pubsub/registry.h"

namespace pubsub::codegen {
namespace {

using google::protobuf::compiler::GeneratorContext;

// `value` as adjacent C++ string literals, one per line, each line starting
// with `indent`: long JSON stays readable and within reach of a diff. Lines
// break after the last comma that fits, else at the width.
void PrintLiteralLines(const Formatter& f, const std::string& indent, std::string_view value,
                       std::string_view after_last) {
  constexpr size_t kMinWidth = 32;
  constexpr size_t kMaxWidth = 72;
  std::vector<std::string_view> pieces;
  while (value.size() > kMaxWidth) {
    size_t cut = value.rfind(',', kMaxWidth - 1);
    cut = cut == std::string_view::npos || cut < kMinWidth ? kMaxWidth : cut + 1;
    pieces.push_back(value.substr(0, cut));
    value.remove_prefix(cut);
  }
  pieces.push_back(value);
  for (size_t i = 0; i < pieces.size(); ++i) {
    f.With({{"indent", indent},
            {"literal", CppStringLiteral(pieces[i])},
            {"after", i + 1 == pieces.size() ? std::string(after_last) : ""}})(
        "$indent$$literal$$after$\n");
  }
}

Access AccessOf(const Channel& channel) {
  switch (channel.options.access()) {
    case pubsub::ACCESS_ROLE:
      return Access::kRole;
    case pubsub::ACCESS_PERSONAL:
      return Access::kPersonal;
    default:
      return Access::kAuthenticated;
  }
}

void WriteFile(GeneratorContext* context, const std::string& name, const std::string& text) {
  std::unique_ptr<google::protobuf::io::ZeroCopyOutputStream> output(context->Open(name));
  google::protobuf::io::Printer printer(output.get(), '$');
  printer.PrintRaw(text);
}

}  // namespace

void EventCatalogueGenerator::GenerateDefinitions(const Formatter& f) const {
  if (facts_.definitions.empty()) return;
  f("  static constexpr SchemaDefinition kDefinitions[] = {\n");
  for (const auto& [name, schema] : facts_.definitions) {
    f.With({{"name", CppStringLiteral(name)}})("      {$name$,\n");
    PrintLiteralLines(f, "       ", schema, "},");
  }
  f("  };\n");
}

void EventCatalogueGenerator::GenerateInitializer(const Formatter& f) const {
  f.With({{"message_name", CppStringLiteral(facts_.message_name)},
          {"description", CppStringLiteral(facts_.description)}})(
      "      .catalogue =\n"
      "          {\n"
      "              .message_name = $message_name$,\n"
      "              .description = $description$,\n"
      "              .payload_schema =\n");
  PrintLiteralLines(f, "                  ", facts_.payload_schema, ",");
  if (!facts_.definitions.empty()) f("              .definitions = kDefinitions,\n");
  // Serialized protobuf holds NUL bytes: the length is explicit.
  f("              .sample = ::std::string_view(\n");
  PrintLiteralLines(f, "                  ", facts_.sample, ",");
  f.With({{"size", std::to_string(facts_.sample.size())}})(
      "                  $size$),\n"
      "              .example =\n");
  PrintLiteralLines(f, "                  ", facts_.example, ",");
  f("          },\n");
}

std::string ChannelDescriptionLiteral(const Channel& channel) {
  return CppStringLiteral(CommentText(channel.message));
}

std::string AsyncApiFileName(const std::string& catalogue) { return catalogue + ".asyncapi.json"; }

std::string ChannelPageFileName(const std::string& catalogue, const std::string& channel) {
  return catalogue + "/" + channel + ".md";
}

void WriteCatalogue(const Schema& schema, const std::string& name, const std::string& version,
                    GeneratorContext* context) {
  // The registry entries the generated code would hold, made here from the
  // same facts (the function pointers stay null: the assembler reads none).
  struct ChannelEntry {
    std::string description;
    ChannelInfo info;
  };
  struct EventEntry {
    EventFacts facts;
    std::vector<SchemaDefinition> definitions;
    EventInfo info;
  };
  std::deque<ChannelEntry> channel_entries;
  std::map<const Channel*, const ChannelInfo*> info_of;
  auto add_channel = [&](const Channel* channel) {
    if (info_of.count(channel) > 0) return;
    ChannelEntry& entry = channel_entries.emplace_back();
    entry.description = CommentText(channel->message);
    entry.info = ChannelInfo{
        .name = channel->options.name(),
        .path = channel->options.path(),
        .scope_field = channel->options.scope(),
        .access = AccessOf(*channel),
        .role = channel->options.role(),
        .description = entry.description,
        .history = {.size = channel->options.history().size(),
                    .ttl_seconds = channel->options.history().ttl_seconds()},
    };
    info_of[channel] = &entry.info;
  };
  std::deque<EventEntry> event_entries;
  for (const google::protobuf::FileDescriptor* file : schema.files()) {
    for (const Channel* channel : schema.ChannelsOf(file)) add_channel(channel);
    for (const Event* event : schema.EventsOf(file)) {
      add_channel(event->channel);
      EventEntry& entry = event_entries.emplace_back();
      entry.facts = ComputeEventFacts(*event);
      for (const auto& [type_name, type_schema] : entry.facts.definitions) {
        entry.definitions.push_back(SchemaDefinition{type_name, type_schema});
      }
      entry.info = EventInfo{
          .type = event->options.type(),
          .channel = info_of.at(event->channel),
          .descriptor = nullptr,
          .default_instance = nullptr,
          .scope_value = nullptr,
          .write_json = nullptr,
          .catalogue =
              {
                  .message_name = entry.facts.message_name,
                  .description = entry.facts.description,
                  .payload_schema = entry.facts.payload_schema,
                  .definitions = entry.definitions,
                  .sample = entry.facts.sample,
                  .example = entry.facts.example,
              },
          .live_only = event->options.live_only(),
      };
    }
  }

  std::vector<const ChannelInfo*> channels;
  for (const ChannelEntry& entry : channel_entries) channels.push_back(&entry.info);
  std::vector<const EventInfo*> events;
  for (const EventEntry& entry : event_entries) events.push_back(&entry.info);
  const CatalogueInfo info{.title = name, .version = version};
  WriteFile(context, AsyncApiFileName(name), WriteAsyncApi(channels, events, info));
  for (const ChannelInfo* channel : channels) {
    WriteFile(context, ChannelPageFileName(name, std::string(channel->name)),
              WriteChannelMarkdown(*channel, events, info));
  }
}

}  // namespace pubsub::codegen
