#include "validator.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <set>
#include <string_view>

#include "literals.h"
#include "names.h"
#include "well_known_types.h"

namespace pubsub::codegen {

// Events a topic may keep: history is read whole by reconnecting clients.
constexpr uint32_t kMaxHistorySize = 100000;
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::SourceLocation;

// Field numbers in FileDescriptorProto, for the source locations of a
// file's `package` and `syntax` statements.
constexpr int kPackageFieldNumber = 2;
constexpr int kSyntaxFieldNumber = 12;

template <class D>
int LineOf(const D* descriptor) {
  SourceLocation location;
  return descriptor->GetSourceLocation(&location) ? location.start_line + 1 : 0;
}

std::string Quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

// Channel names and type strings: [a-z0-9_]+ (topic.h relies on it).
bool IsLowerSnake(std::string_view text) {
  if (text.empty()) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool HasControlCharacters(std::string_view text) {
  return std::any_of(text.begin(), text.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

bool IsIdentifier(std::string_view text) {
  if (text.empty() || (text[0] >= '0' && text[0] <= '9')) return false;
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool IsScopeType(const FieldDescriptor* field) {
  switch (field->cpp_type()) {
    case FieldDescriptor::CPPTYPE_STRING:
      return field->type() == FieldDescriptor::TYPE_STRING;
    case FieldDescriptor::CPPTYPE_INT32:
    case FieldDescriptor::CPPTYPE_INT64:
    case FieldDescriptor::CPPTYPE_UINT32:
    case FieldDescriptor::CPPTYPE_UINT64:
      return true;
    default:
      return false;
  }
}

// The value a field's JSON holds: the field itself, or a map's value field.
const FieldDescriptor* ValueField(const FieldDescriptor* field) {
  return field->is_map() ? field->message_type()->map_value() : field;
}

bool Is64BitInteger(const FieldDescriptor* value) {
  if (value->cpp_type() == FieldDescriptor::CPPTYPE_INT64 ||
      value->cpp_type() == FieldDescriptor::CPPTYPE_UINT64) {
    return true;
  }
  if (value->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return false;
  const std::string& name = value->message_type()->full_name();
  return name == "google.protobuf.Int64Value" || name == "google.protobuf.UInt64Value";
}

class Validator {
 public:
  explicit Validator(const Schema& schema) : schema_(schema) {
    for (size_t i = 0; i < schema.files().size(); ++i) file_index_[schema.files()[i]] = i;
  }

  std::vector<std::string> Run() {
    for (const FileDescriptor* file : schema_.files()) {
      if (!CheckSyntax(file)) continue;  // the rest would only add noise
      CheckPackage(file);
      for (const Descriptor* message : AllMessages(file)) CheckMessage(message);
      for (const EnumDescriptor* enum_type : AllEnums(file)) CheckEnum(enum_type);
      CheckGeneratedNames(file);
    }
    CheckDuplicates();
    CheckRegisterFunctions();

    std::stable_sort(errors_.begin(), errors_.end(), [](const Error& a, const Error& b) {
      return a.file_index != b.file_index ? a.file_index < b.file_index : a.line < b.line;
    });
    std::vector<std::string> result;
    for (const Error& error : errors_) result.push_back(error.text);
    return result;
  }

 private:
  struct Error {
    size_t file_index;
    int line;
    std::string text;
  };

  bool IsGenerated(const FileDescriptor* file) const { return file_index_.count(file) > 0; }

  template <class D>
  void Report(const D* where, const FileDescriptor* file, const std::string& message) {
    const int line = LineOf(where);
    std::string text = file->name();
    if (line > 0) text += ":" + std::to_string(line);
    text += ": " + message;
    errors_.push_back(Error{file_index_.at(file), line, std::move(text)});
  }
  // An error about the file itself, at the line of its FileDescriptorProto
  // field `field_number` (kSyntaxFieldNumber: the syntax statement), else at
  // line 1.
  void ReportFile(const FileDescriptor* file, int field_number, const std::string& message) {
    SourceLocation location;
    const int line =
        file->GetSourceLocation({field_number}, &location) ? location.start_line + 1 : 1;
    errors_.push_back(Error{file_index_.at(file), line,
                            file->name() + ":" + std::to_string(line) + ": " + message});
  }
  void Report(const Descriptor* message, const std::string& text) {
    Report(message, message->file(), text);
  }
  void Report(const FieldDescriptor* field, const std::string& text) {
    Report(field, field->file(), text);
  }

  // proto3 only: proto2's defaults, groups, extensions and required fields
  // have no JSON rules here (3.21 has no editions).
  bool CheckSyntax(const FileDescriptor* file) {
    if (file->syntax() == FileDescriptor::SYNTAX_PROTO3) return true;
    SourceLocation location;
    const bool stated = file->GetSourceLocation({kSyntaxFieldNumber}, &location);
    const std::string syntax = FileDescriptor::SyntaxName(file->syntax());
    ReportFile(file, kSyntaxFieldNumber,
               (stated ? "syntax \"" + syntax + "\" is"
                       : "no syntax statement means syntax \"" + syntax + "\", which is") +
                   " not supported: protoc-gen-pubsub generates proto3 files only (proto2 "
                   "defaults, groups, extensions and required fields have no JSON rules); use "
                   "syntax = \"proto3\"");
    return false;
  }

  // protobuf turns each package component into a C++ namespace as it is.
  void CheckPackage(const FileDescriptor* file) {
    const std::string& package = file->package();
    for (size_t start = 0; start <= package.size() && !package.empty();) {
      size_t end = package.find('.', start);
      if (end == std::string::npos) end = package.size();
      const std::string component = package.substr(start, end - start);
      if (IsCppKeyword(component)) {
        ReportFile(file, kPackageFieldNumber,
                   "package " + package + ": " + Quoted(component) +
                       " is a C++ keyword, and protobuf's C++ namespaces keep package names as "
                       "they are; rename the package");
      }
      start = end + 1;
    }
  }

  // Names protobuf's C++ code (3.21) keeps as C++ keywords, so that its
  // .pb.h would not compile: message and enum names are never escaped,
  // field (lowercased) and enum value names only for C++11's keywords.
  void CheckCppName(const Descriptor* message) {
    if (IsCppKeyword(message->name())) {
      Report(message, "message " + message->name() +
                          ": the name is a C++ keyword, which protobuf's C++ class names keep as "
                          "it is; rename it");
    }
  }
  void CheckCppName(const FieldDescriptor* field) {
    std::string lower = field->name();
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (IsCppKeyword(lower) && !ProtobufEscapesKeyword(lower)) {
      Report(field, "field " + field->containing_type()->name() + "." + field->name() + ": " +
                        Quoted(lower) +
                        " is a C++ keyword that protobuf 3.21's C++ generator does not escape "
                        "(its accessors would not compile); rename the field");
    }
  }

  void CheckMessage(const Descriptor* message) {
    CheckCppName(message);
    const bool is_channel = IsChannel(message);
    const bool is_event = IsEvent(message);
    if (is_channel && is_event) {
      Report(message, "message " + message->name() +
                          " is both a channel and an event; declare the channel and its "
                          "events as separate messages");
    }
    if (is_channel) CheckChannel(message, message->options().GetExtension(pubsub::channel));
    if (is_event) CheckEvent(message);
    for (int i = 0; i < message->field_count(); ++i) {
      CheckCppName(message->field(i));
      CheckFieldType(message->field(i));
    }
  }

  void CheckChannel(const Descriptor* message, const pubsub::ChannelOptions& options) {
    const std::string channel = "channel " + message->name();
    if (message->field_count() > 0) {
      Report(message, channel +
                          " has fields; a channel message only declares the channel (its events "
                          "carry the data)");
    }
    if (options.name().empty()) {
      Report(message, channel + " has no name");
    } else if (!IsLowerSnake(options.name())) {
      Report(message, channel + ": name " + Quoted(options.name()) +
                          " must consist of lowercase letters, digits and underscores");
    }
    CheckPath(message, options);
    switch (options.access()) {
      case pubsub::ACCESS_AUTHENTICATED:
      case pubsub::ACCESS_PERSONAL:
        if (!options.role().empty()) {
          Report(message, channel + " sets role " + Quoted(options.role()) +
                              " but its access is not ACCESS_ROLE");
        }
        break;
      case pubsub::ACCESS_ROLE:
        if (options.role().empty()) {
          Report(message, channel + " has access ACCESS_ROLE but no role");
        } else if (HasControlCharacters(options.role()) || !IsValidUtf8(options.role())) {
          Report(message, channel + ": role must be valid UTF-8 without control characters");
        }
        break;
      default:
        Report(message, channel +
                            " has no access rule; set access to ACCESS_AUTHENTICATED, "
                            "ACCESS_ROLE (with role) or ACCESS_PERSONAL");
        break;
    }
    if (options.access() == pubsub::ACCESS_PERSONAL && !options.scope().empty()) {
      Report(message, channel +
                          " is personal (ACCESS_PERSONAL) and cannot also have a scope: each "
                          "user's events already form their own topic");
    }
    if (!options.scope().empty() && !IsIdentifier(options.scope())) {
      Report(message, channel + ": scope " + Quoted(options.scope()) + " is not a field name");
    }
    const pubsub::HistoryOptions& history = options.history();
    if (history.size() > kMaxHistorySize) {
      Report(message, channel + ": history size " + std::to_string(history.size()) +
                          " is more than " + std::to_string(kMaxHistorySize) + " events per topic");
    } else if (history.size() == 0 && history.ttl_seconds() != 0) {
      Report(message, channel + ": history sets ttl_seconds but no size (events kept per topic)");
    }
  }

  void CheckPath(const Descriptor* message, const pubsub::ChannelOptions& options) {
    const std::string channel = "channel " + message->name();
    const std::string& path = options.path();
    if (path.empty()) {
      Report(message, channel + " has no path");
      return;
    }
    if (path[0] != '/') {
      Report(message, channel + ": path " + Quoted(path) + " must start with \"/\"");
      return;
    }
    // Browsers read "\" in a URL's path as "/", so such a path is unreachable.
    if (path.find_first_of("?# \\") != std::string::npos || HasControlCharacters(path) ||
        !IsValidUtf8(path)) {
      Report(message, channel + ": path " + Quoted(path) +
                          " may not contain spaces, control characters, \"?\", \"#\" or "
                          "\"\\\"");
      return;
    }
    std::vector<std::string> variables;
    size_t start = 1;
    while (start <= path.size()) {
      size_t end = path.find('/', start);
      if (end == std::string::npos) end = path.size();
      std::string_view segment(path.data() + start, end - start);
      if (segment.find_first_of("{}") != std::string_view::npos) {
        if (segment.size() < 3 || segment.front() != '{' || segment.back() != '}' ||
            !IsIdentifier(segment.substr(1, segment.size() - 2))) {
          Report(message, channel + ": path " + Quoted(path) +
                              " is malformed: a variable must be a whole segment like "
                              "\"{track_id}\"");
          return;
        }
        variables.emplace_back(segment.substr(1, segment.size() - 2));
      }
      start = end + 1;
    }
    if (variables.size() > 1) {
      Report(message, channel + ": path " + Quoted(path) +
                          " has more than one variable; at most one, naming the scope field");
      return;
    }
    if (variables.size() == 1 && variables[0] != options.scope()) {
      Report(message, channel + ": path variable {" + variables[0] + "} is not the scope field" +
                          (options.scope().empty() ? std::string(" (the channel has no scope)")
                                                   : " (scope: " + Quoted(options.scope()) + ")"));
      return;
    }
    if (variables.empty() && !options.scope().empty()) {
      Report(message, channel + " is scoped by " + Quoted(options.scope()) + " but its path " +
                          Quoted(path) + " has no {" + options.scope() + "} segment");
    }
  }

  void CheckEvent(const Descriptor* message) {
    const Event* event = FindEvent(message);
    const std::string name = "event " + message->name();
    const pubsub::EventOptions& options = event->options;
    if (options.type().empty()) {
      Report(message, name + " has no type string");
    } else if (!IsLowerSnake(options.type())) {
      Report(message, name + ": type " + Quoted(options.type()) +
                          " must consist of lowercase letters, digits and underscores");
    }
    if (options.channel().empty()) {
      Report(message, name + " has no channel");
    } else if (event->channel == nullptr) {
      const Channel* elsewhere = schema_.FindChannelAnywhere(options.channel());
      if (elsewhere != nullptr) {
        Report(message, name + " names channel " + Quoted(options.channel()) + ", declared in " +
                            elsewhere->message->file()->name() + ", which " +
                            message->file()->name() + " does not import");
      } else {
        Report(message, name + " names unknown channel " + Quoted(options.channel()));
      }
    }
    for (int i = 0; i < message->field_count(); ++i) {
      const FieldDescriptor* field = message->field(i);
      if (field->name() == "type") {
        Report(field, name +
                          " has a field named \"type\", which is reserved for the type string "
                          "in the JSON");
      } else if (field->json_name() == "type") {
        // Written under its proto name, but Registry::ParseJson also reads a
        // field under its JSON name, and there "type" is the event's.
        Report(field, name + ": field " + field->name() +
                          " has the JSON name \"type\" (its json_name), which is reserved for "
                          "the type string in the JSON; rename it or set another json_name");
      }
    }
    if (event->channel == nullptr) return;
    if (options.live_only() && event->channel->options.history().size() == 0) {
      Report(message, name + " is live_only, but its channel " +
                          Quoted(event->channel->options.name()) +
                          " keeps no history: every event of it is live only");
    }
    const std::string& scope = event->channel->options.scope();
    if (scope.empty() || !IsIdentifier(scope)) return;
    const FieldDescriptor* field = event->scope_field;
    const std::string of_channel = "channel " + Quoted(event->channel->options.name());
    if (field == nullptr) {
      Report(message, name + " lacks the scope field " + Quoted(scope) + " of its " + of_channel);
    } else if (field->is_repeated()) {
      Report(field, name + ": scope field " + Quoted(scope) + " of " + of_channel +
                        " must be a single string or integer, not a repeated field or map");
    } else if (!IsScopeType(field)) {
      Report(field, name + ": scope field " + Quoted(scope) + " of " + of_channel +
                        " must be a string or integer field, not " + field->type_name());
    }
  }

  void CheckFieldType(const FieldDescriptor* field) {
    const std::string name = "field " + field->containing_type()->name() + "." + field->name();
    const FieldDescriptor* value = ValueField(field);
    std::string reason;
    if (value->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
      reason = UnsupportedReason(value->message_type());
    } else if (value->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
      reason = UnsupportedReason(value->enum_type());
    }
    const FileDescriptor* type_file = value->message_type() != nullptr
                                          ? value->message_type()->file()
                                      : value->enum_type() != nullptr ? value->enum_type()->file()
                                                                      : nullptr;
    if (reason.empty() && type_file != nullptr && !IsExternalFile(type_file) &&
        type_file->syntax() != FileDescriptor::SYNTAX_PROTO3) {
      reason = std::string(value->message_type() != nullptr ? value->message_type()->full_name()
                                                            : value->enum_type()->full_name()) +
               " is declared in " + type_file->name() +
               ", a proto2 file, which protoc-gen-pubsub does not support";
    }
    if (!reason.empty()) Report(field, name + ": " + reason);
    if (Int64AsJsonNumber(field) && !Is64BitInteger(value)) {
      Report(field, name +
                        ": (pubsub.json).int64_as_number applies to 64-bit integer fields "
                        "only, not " +
                        std::string(value->type_name()));
    }
  }

  void CheckEnum(const EnumDescriptor* enum_type) {
    if (IsCppKeyword(enum_type->name())) {
      Report(enum_type, enum_type->file(),
             "enum " + enum_type->name() +
                 ": the name is a C++ keyword, which protobuf's C++ enum names keep as it is; "
                 "rename it");
    }
    std::map<std::string, const EnumValueDescriptor*> by_json;
    std::set<int> numbers;
    for (int i = 0; i < enum_type->value_count(); ++i) {
      const EnumValueDescriptor* value = enum_type->value(i);
      if (IsCppKeyword(value->name()) && !ProtobufEscapesKeyword(value->name())) {
        ReportEnumValue(value, "enum value " + value->name() +
                                   ": the name is a C++ keyword that protobuf 3.21's C++ "
                                   "generator does not escape; rename it");
      }
      if (!numbers.insert(value->number()).second) continue;  // an alias: the first name wins
      const std::string& json = value->options().GetExtension(pubsub::json_value);
      const std::string written = json.empty() ? value->name() : json;
      if (!json.empty() && !IsValidUtf8(json)) {
        ReportEnumValue(value, "enum value " + value->name() + ": json_value is not valid UTF-8");
        continue;
      }
      auto [it, inserted] = by_json.emplace(written, value);
      if (!inserted) {
        ReportEnumValue(value, "enum " + enum_type->name() + ": values " + it->second->name() +
                                   " and " + value->name() + " are both written as " +
                                   Quoted(written));
      }
    }
  }

  void ReportEnumValue(const EnumValueDescriptor* value, const std::string& text) {
    Report(value, value->type()->file(), text);
  }

  // Generated names live in the package's namespace beside protobuf's
  // classes: a message or enum of the same C++ name, in this file or an
  // imported file of the same package, would not compile.
  void CheckGeneratedNames(const FileDescriptor* file) {
    std::map<std::string, std::string> generated = {
        {kWriteJsonFunction, "a generated JSON writer function"},
        {kWriteEventJsonFunction, "a generated JSON writer function"},
        {kRenderJsonFunction, "a generated JSON writer function"},
        {RegisterFunctionName(file), "the registration function of " + file->name()},
    };
    for (const Channel* channel : schema_.ChannelsOf(file)) {
      const std::string what = "a generated class of channel " + channel->message->name();
      generated.emplace(PublisherClassName(channel->message), what);
      generated.emplace(SubscriberClassName(channel->message), what);
      generated.emplace(DispatchFunctionName(channel->message), what);
    }
    for (const FileDescriptor* other : VisibleFiles(file)) {
      if (other->package() != file->package() || !IsGenerated(other)) continue;
      for (const Descriptor* message : AllMessages(other)) {
        if (auto it = generated.find(ClassName(message)); it != generated.end()) {
          Report(message, "message " + message->name() + " has the C++ name " + ClassName(message) +
                              " of " + it->second + "; rename it");
        }
      }
      for (const EnumDescriptor* enum_type : AllEnums(other)) {
        if (auto it = generated.find(ClassName(enum_type)); it != generated.end()) {
          Report(enum_type, enum_type->file(),
                 "enum " + enum_type->name() + " has the C++ name " + ClassName(enum_type) +
                     " of " + it->second + "; rename it");
        }
        // The values of a top-level enum are constants of the namespace too.
        if (enum_type->containing_type() != nullptr) continue;
        for (int i = 0; i < enum_type->value_count(); ++i) {
          const EnumValueDescriptor* value = enum_type->value(i);
          if (auto it = generated.find(value->name()); it != generated.end()) {
            Report(value, value->type()->file(),
                   "enum value " + value->name() + " of " + enum_type->name() +
                       " is a C++ constant of the namespace named like " + it->second +
                       "; rename it");
          }
        }
      }
    }
  }

  // Two generated files of one package whose names give the same
  // registration function would not link together.
  void CheckRegisterFunctions() {
    std::map<std::pair<std::string, std::string>, const FileDescriptor*> seen;
    for (const FileDescriptor* file : schema_.files()) {
      auto [it, inserted] =
          seen.emplace(std::make_pair(file->package(), RegisterFunctionName(file)), file);
      if (!inserted) {
        errors_.push_back(Error{file_index_.at(file), 0,
                                file->name() + ": " + it->second->name() + " and " + file->name() +
                                    " both generate " + RegisterFunctionName(file) +
                                    " in one namespace; rename one of the files"});
      }
    }
  }

  void CheckDuplicates() {
    // "event type \"x\"" -> the messages declaring it, in universe order.
    std::map<std::string, std::vector<const Descriptor*>> groups;
    for (const Event& event : schema_.events()) {
      if (event.options.type().empty()) continue;
      groups["event type " + Quoted(event.options.type())].push_back(event.message);
    }
    for (const Channel& channel : schema_.channels()) {
      if (!channel.options.name().empty()) {
        groups["channel name " + Quoted(channel.options.name())].push_back(channel.message);
      }
      if (!channel.options.path().empty()) {
        groups["channel path " + Quoted(channel.options.path())].push_back(channel.message);
      }
    }
    for (const auto& [key, declarations] : groups) {
      if (declarations.size() < 2) continue;
      // Report at each generated declaration after the first; the first one
      // carries the error only when no later one is generated.
      bool later_generated = false;
      for (size_t i = 1; i < declarations.size(); ++i) {
        later_generated |= IsGenerated(declarations[i]->file());
      }
      for (size_t i = 0; i < declarations.size(); ++i) {
        const Descriptor* message = declarations[i];
        if (!IsGenerated(message->file()) || (i == 0 && later_generated)) continue;
        const Descriptor* other = declarations[i == 0 ? 1 : 0];
        Report(message, "message " + message->name() + ": duplicate " + key +
                            ", already used by message " + other->name() + " at " +
                            Location(other));
      }
    }
  }

  const Event* FindEvent(const Descriptor* message) const {
    for (const Event& event : schema_.events()) {
      if (event.message == message) return &event;
    }
    return nullptr;
  }

  const Schema& schema_;
  std::map<const FileDescriptor*, size_t> file_index_;
  std::vector<Error> errors_;
};

}  // namespace

std::vector<std::string> Validate(const Schema& schema) { return Validator(schema).Run(); }

}  // namespace pubsub::codegen
