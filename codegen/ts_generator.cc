#include "ts_generator.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "catalogue_facts.h"
#include "literals.h"
#include "names.h"
#include "pubsub/options.pb.h"
#include "well_known_types.h"

namespace pubsub::codegen {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::OneofDescriptor;

constexpr char kFloatType[] = R"(number | "NaN" | "Infinity" | "-Infinity")";

// A TypeScript string literal: JSON's escapes are JavaScript's, and
// JsonStringLiteral also escapes U+2028/U+2029 (line terminators in JS).
std::string Literal(std::string_view text) { return JsonStringLiteral(text); }

// A property key: the name itself when it is an identifier, else a literal.
std::string Key(std::string_view name) {
  bool identifier = !name.empty() && !(name.front() >= '0' && name.front() <= '9');
  for (char c : name) {
    identifier = identifier && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                (c >= '0' && c <= '9') || c == '_' || c == '$');
  }
  return identifier ? std::string(name) : Literal(name);
}

// Splits at every JavaScript line terminator: \r\n, \n, \r, U+2028, U+2029
// (a lone \r or U+2028 inside a // comment would end it: the rest would be code).
std::vector<std::string> Lines(std::string_view text) {
  std::vector<std::string> lines(1);
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\r' || text[i] == '\n') {
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      lines.emplace_back();
    } else if (text.substr(i, 3) == "\xE2\x80\xA8" || text.substr(i, 3) == "\xE2\x80\xA9") {
      i += 2;
      lines.emplace_back();
    } else {
      lines.back().push_back(text[i]);
    }
  }
  return lines;
}

// `text` (a .proto comment, any bytes) as a JSDoc comment, so that editors
// show it; "*/" cannot close it early.
void JsDoc(std::string& out, std::string_view text, const std::string& indent,
           bool deprecated = false) {
  std::vector<std::string> lines = text.empty() ? std::vector<std::string>() : Lines(text);
  if (deprecated) lines.push_back("@deprecated");
  if (lines.empty()) return;
  for (std::string& line : lines) {
    for (size_t at = line.find("*/"); at != std::string::npos; at = line.find("*/", at)) {
      line.replace(at, 2, "*\\/");
    }
    while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.pop_back();
  }
  if (lines.size() == 1) {
    out += indent + "/** " + lines[0] + " */\n";
    return;
  }
  out += indent + "/**\n";
  for (const std::string& line : lines)
    out += indent + (line.empty() ? " *\n" : " * " + line + "\n");
  out += indent + " */\n";
}

// " A | B" (after "=" or ":") on one line when short, else one "| member" per line.
std::string Union(const std::vector<std::string>& members, const std::string& indent) {
  if (members.empty()) return " never";
  std::string line;
  for (const std::string& member : members) line += (line.empty() ? "" : " | ") + member;
  if (line.size() + indent.size() <= 80) return " " + line;
  std::string out;
  for (const std::string& member : members) out += "\n" + indent + "  | " + member;
  return out;
}

// "[a, b]" of string literals.
std::string Tuple(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i > 0 ? ", " : "") + Literal(items[i]);
  return out + "]";
}

// The string the channel's `access` says: the runtime registry's names.
std::string AccessName(const Channel& channel) {
  switch (channel.options.access()) {
    case pubsub::ACCESS_ROLE:
      return "role";
    case pubsub::ACCESS_PERSONAL:
      return "personal";
    default:
      return "authenticated";
  }
}

// The path's parameters: its one {variable}, the scope, when there is one.
std::vector<std::string> Params(const Channel& channel) {
  if (channel.options.scope().empty()) return {};
  return {channel.options.scope()};
}

}  // namespace

TypeScriptGenerator::TypeScriptGenerator(const Schema& schema, std::string name)
    : name_(std::move(name)), files_(schema.files()) {
  std::sort(files_.begin(), files_.end(),
            [](const FileDescriptor* a, const FileDescriptor* b) { return a->name() < b->name(); });
  std::set<const Channel*> channels;
  for (const FileDescriptor* file : files_) {
    for (const Channel* channel : schema.ChannelsOf(file)) channels.insert(channel);
    for (const Event* event : schema.EventsOf(file)) {
      events_.push_back(event);
      event_messages_.insert(event->message);
      channels.insert(event->channel);
    }
  }
  channels_.assign(channels.begin(), channels.end());
  std::sort(channels_.begin(), channels_.end(), [](const Channel* a, const Channel* b) {
    return a->options.name() < b->options.name();
  });
  for (const Event* event : events_) Reach(event->message);

  std::vector<const Descriptor*> messages;
  for (const Event* event : events_) messages.push_back(event->message);
  for (const auto& [full_name, message] : messages_) messages.push_back(message);
  std::vector<const EnumDescriptor*> enums;
  for (const auto& [full_name, enum_type] : enums_) enums.push_back(enum_type);
  names_ = TypeScriptTypeNames(messages, enums);
}

// Collects the message and enum types that `message`'s fields use, and theirs.
void TypeScriptGenerator::Reach(const Descriptor* message) {
  for (int i = 0; i < message->field_count(); ++i) {
    const FieldDescriptor* field = message->field(i);
    const FieldDescriptor* value = field->is_map() ? field->message_type()->map_value() : field;
    if (value->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
      if (!IsNullValue(value->enum_type()))
        enums_[value->enum_type()->full_name()] = value->enum_type();
    } else if (value->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE &&
               ClassifyMessage(value->message_type()) == TypeKind::kGenerated) {
      const Descriptor* type = value->message_type();
      if (event_messages_.contains(type)) {
        uses_without_type_ = true;
      } else if (messages_.emplace(type->full_name(), type).second) {
        Reach(type);
      }
    }
  }
}

std::vector<const Event*> TypeScriptGenerator::EventsOf(const Channel* channel) const {
  std::vector<const Event*> events;
  for (const Event* event : events_) {
    if (event->channel == channel) events.push_back(event);
  }
  std::sort(events.begin(), events.end(),
            [](const Event* a, const Event* b) { return a->options.type() < b->options.type(); });
  return events;
}

void TypeScriptGenerator::Banner(std::string& out, const std::string& what) const {
  out += "// Generated by protoc-gen-pubsub. DO NOT EDIT.\n// schema: ";
  out += name_;
  out += "\n";
  for (const FileDescriptor* file : files_) {
    // A file name is one line of the comment, whatever it holds.
    std::string source;
    for (const std::string& line : Lines(file->name()))
      source += (source.empty() ? "" : " ") + line;
    out += "// source: " + source + "\n";
  }
  out += "//\n";
  out += what;
}

std::string TypeScriptGenerator::Declarations() const {
  std::string out;
  Banner(out,
         "// The browser's view of the schema: each event's JSON exactly as the gateway\n"
         "// sends it (\"type\" first; fields without presence always there, messages,\n"
         "// `optional` fields and oneof members only when set; 64-bit integers are\n"
         "// strings unless int64_as_number), the channels, and the declaration of the\n"
         "// runtime value `channels` of the module beside this file.\n"
         "// Type names: the message's (Outer_Inner when nested); a name two packages\n"
         "// share becomes package_Name; a reserved or taken name gets a trailing '_'.\n");
  if (uses_without_type_) {
    out +=
        "\n"
        "/** An event's JSON where it is another message's field: without \"type\". */\n"
        "type WithoutType<T> = T extends unknown\n"
        "  ? { [K in keyof T as K extends \"type\" ? never : K]: T[K] }\n"
        "  : never;\n";
  }

  for (const Event* event : events_) {
    out += "\n";
    Object(out, event->message, event);
  }
  for (const auto& [full_name, message] : messages_) {
    out += "\n";
    Object(out, message, nullptr);
  }
  for (const auto& [full_name, enum_type] : enums_) {
    out += "\n";
    JsDoc(out, CommentText(enum_type), "", enum_type->options().deprecated());
    std::vector<std::string> values;
    std::set<int> numbers;
    for (int i = 0; i < enum_type->value_count(); ++i) {
      const EnumValueDescriptor* value = enum_type->value(i);
      if (!numbers.insert(value->number()).second) continue;  // an alias: the first name wins
      const std::string& json_value = value->options().GetExtension(pubsub::json_value);
      values.push_back(Literal(json_value.empty() ? value->name() : json_value));
    }
    out += "export type " + NameOf(full_name) + " =" + Union(values, "") + ";\n";
  }

  out += "\n/** Every channel of the schema: its path, the path's parameters, its events. */\n";
  out += "export type Channels = {\n";
  for (const Channel* channel : channels_) {
    std::string params;
    for (const std::string& param : Params(*channel)) {
      params += (params.empty() ? " " : "; ") + Key(param) + ": string";
    }
    std::vector<std::string> events;
    for (const Event* event : EventsOf(channel))
      events.push_back(NameOf(event->message->full_name()));
    out += "  " + Key(channel->options.name()) + ": {\n";
    out += "    path: " + Literal(channel->options.path()) + ";\n";
    out += "    params: {" + (params.empty() ? "" : params + " ") + "};\n";
    out += "    events:" + Union(events, "    ") + ";\n";
    out += "  };\n";
  }
  out += "};\n";

  std::vector<const Event*> by_type = events_;
  std::sort(by_type.begin(), by_type.end(),
            [](const Event* a, const Event* b) { return a->options.type() < b->options.type(); });
  std::vector<std::string> types;
  std::vector<std::string> interfaces;
  for (const Event* event : by_type) {
    types.push_back(Literal(event->options.type()));
    interfaces.push_back(NameOf(event->message->full_name()));
  }
  out += "\n/** The \"type\" of every event. */\n";
  out += "export type EventType =" + Union(types, "") + ";\n";
  out += "\n/** Every event, discriminated by \"type\". */\n";
  out += "export type AnyEvent =" + Union(interfaces, "") + ";\n";

  out += "\n/** The channels at run time (" + TypeScriptModuleFileName(name_) + "). */\n";
  out += "export declare const channels: {\n";
  for (const Channel* channel : channels_) {
    std::vector<std::string> events;
    for (const Event* event : EventsOf(channel)) events.push_back(event->options.type());
    out += "  readonly " + Key(channel->options.name()) + ": {\n";
    out += "    readonly path: " + Literal(channel->options.path()) + ";\n";
    out += "    readonly params: readonly " + Tuple(Params(*channel)) + ";\n";
    out += "    readonly events: readonly " + Tuple(events) + ";\n";
    out += "    readonly access: " + Literal(AccessName(*channel)) + ";\n";
    out += "    readonly history: " +
           std::string(channel->options.history().size() > 0 ? "true" : "false") + ";\n";
    out += "  };\n";
  }
  out += "};\n";
  return out;
}

std::string TypeScriptGenerator::Module() const {
  std::string out;
  Banner(out,
         "// The channels of the schema at run time, as " + TypeScriptDeclarationFileName(name_) +
             " declares\n// them: an ES module without imports, for browsers to import as it is.\n"
             "\n"
             "export const channels = Object.freeze({\n");
  for (const Channel* channel : channels_) {
    std::vector<std::string> events;
    for (const Event* event : EventsOf(channel)) events.push_back(event->options.type());
    out += "  " + Key(channel->options.name()) + ": Object.freeze({\n";
    out += "    path: " + Literal(channel->options.path()) + ",\n";
    out += "    params: Object.freeze(" + Tuple(Params(*channel)) + "),\n";
    out += "    events: Object.freeze(" + Tuple(events) + "),\n";
    out += "    access: " + Literal(AccessName(*channel)) + ",\n";
    out += "    history: " + std::string(channel->options.history().size() > 0 ? "true" : "false") +
           ",\n";
    out += "  }),\n";
  }
  out += "});\n";
  return out;
}

void TypeScriptGenerator::Object(std::string& out, const Descriptor* message,
                                 const Event* event) const {
  JsDoc(out, CommentText(message), "", message->options().deprecated());
  std::string members;
  if (event != nullptr) members += "  type: " + Literal(event->options.type()) + ";\n";
  for (int i = 0; i < message->field_count(); ++i) {
    const FieldDescriptor* field = message->field(i);
    if (field->real_containing_oneof() != nullptr) continue;
    members += Member(field, !field->is_repeated() && field->has_presence(), "  ");
  }
  // Written as {}: an empty interface would accept any object.
  if (members.empty() && message->field_count() == 0) members = "  [key: string]: never;\n";
  const std::string& name = NameOf(message->full_name());
  if (message->real_oneof_decl_count() == 0) {
    out += "export interface " + name + " {\n" + members + "}\n";
    return;
  }
  // At most one member of each oneof: one alternative per member, where the
  // others are `?: never`, and one with none.
  out += "export type " + name + " = {\n" + members + "}";
  for (int k = 0; k < message->real_oneof_decl_count(); ++k) {
    const OneofDescriptor* oneof = message->oneof_decl(k);
    out += " & (\n";
    for (int chosen = 0; chosen <= oneof->field_count(); ++chosen) {
      out += "  | {\n";
      for (int i = 0; i < oneof->field_count(); ++i) {
        const FieldDescriptor* member = oneof->field(i);
        if (i == chosen) {
          out += Member(member, false, "      ");
        } else {
          out += "      " + member->name() + "?: never;\n";
        }
      }
      out += "    }\n";
    }
    out += ")";
  }
  out += ";\n";
}

std::string TypeScriptGenerator::Member(const FieldDescriptor* field, bool optional,
                                        const std::string& indent) const {
  std::string out;
  JsDoc(out, CommentText(field), indent, field->options().deprecated());
  out += indent + field->name() + (optional ? "?: " : ": ") + FieldType(field) + ";\n";
  return out;
}

std::string TypeScriptGenerator::FieldType(const FieldDescriptor* field) const {
  if (field->is_map()) {
    const FieldDescriptor* key = field->message_type()->map_key();
    const std::string value =
        ValueType(field->message_type()->map_value(), Int64AsJsonNumber(field));
    // JSON quotes every key; bool keys are "true" and "false".
    if (key->cpp_type() == FieldDescriptor::CPPTYPE_BOOL) {
      return "{ true?: " + value + "; false?: " + value + " }";
    }
    return "{ [key: string]: " + value + " }";
  }
  const std::string value = ValueType(field, Int64AsJsonNumber(field));
  if (!field->is_repeated()) return value;
  return value.find(" | ") == std::string::npos ? value + "[]" : "(" + value + ")[]";
}

std::string TypeScriptGenerator::ValueType(const FieldDescriptor* value, bool as_number) const {
  switch (value->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_UINT32:
      return "number";
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT64:
      return as_number ? "number" : "string";
    case FieldDescriptor::CPPTYPE_FLOAT:
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return kFloatType;
    case FieldDescriptor::CPPTYPE_BOOL:
      return "boolean";
    case FieldDescriptor::CPPTYPE_STRING:
      return "string";  // bytes: base64
    case FieldDescriptor::CPPTYPE_ENUM:
      return IsNullValue(value->enum_type()) ? "null" : NameOf(value->enum_type()->full_name());
    case FieldDescriptor::CPPTYPE_MESSAGE:
      return MessageType(value->message_type(), as_number);
  }
  return "unknown";
}

std::string TypeScriptGenerator::MessageType(const Descriptor* message, bool as_number) const {
  switch (ClassifyMessage(message)) {
    case TypeKind::kTimestamp:  // "2026-01-01T12:00:00Z"
    case TypeKind::kDuration:   // "1.5s"
    case TypeKind::kFieldMask:  // "a.b,cD"
      return "string";
    case TypeKind::kWrapper:
      return ValueType(message->FindFieldByName("value"), as_number);
    case TypeKind::kEmpty:
      return "{ [key: string]: never }";
    case TypeKind::kGenerated:
      if (event_messages_.contains(message)) {
        return "WithoutType<" + NameOf(message->full_name()) + ">";
      }
      return NameOf(message->full_name());
    case TypeKind::kUnsupported:
      break;
  }
  return "unknown";  // the validator refuses these
}

}  // namespace pubsub::codegen
