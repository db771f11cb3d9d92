#include "names.h"

#include <cctype>
#include <set>
#include <string>

#include "google/protobuf/compiler/code_generator.h"
#include "google/protobuf/compiler/cpp/names.h"

namespace pubsub::codegen {
namespace {

namespace cpp = google::protobuf::compiler::cpp;
using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::OneofDescriptor;
using google::protobuf::SourceLocation;

std::string StripProto(const FileDescriptor* file) {
  return google::protobuf::compiler::StripProto(file->name());
}

}  // namespace

bool IsCppKeyword(std::string_view name) {
  static constexpr std::string_view kKeywords[] = {
      "NULL",         "alignas",   "alignof",       "and",
      "and_eq",       "asm",       "auto",          "bitand",
      "bitor",        "bool",      "break",         "case",
      "catch",        "char",      "char8_t",       "char16_t",
      "char32_t",     "class",     "compl",         "concept",
      "const",        "consteval", "constexpr",     "constinit",
      "const_cast",   "continue",  "co_await",      "co_return",
      "co_yield",     "decltype",  "default",       "delete",
      "do",           "double",    "dynamic_cast",  "else",
      "enum",         "explicit",  "export",        "extern",
      "false",        "float",     "for",           "friend",
      "goto",         "if",        "inline",        "int",
      "long",         "mutable",   "namespace",     "new",
      "noexcept",     "not",       "not_eq",        "nullptr",
      "operator",     "or",        "or_eq",         "private",
      "protected",    "public",    "register",      "reinterpret_cast",
      "requires",     "return",    "short",         "signed",
      "sizeof",       "static",    "static_assert", "static_cast",
      "struct",       "switch",    "template",      "this",
      "thread_local", "throw",     "true",          "try",
      "typedef",      "typeid",    "typename",      "union",
      "unsigned",     "using",     "virtual",       "void",
      "volatile",     "wchar_t",   "while",         "xor",
      "xor_eq",
  };
  for (std::string_view keyword : kKeywords) {
    if (name == keyword) return true;
  }
  return false;
}

bool ProtobufEscapesKeyword(std::string_view name) {
  // C++20's keywords, char16_t and char32_t are missing from protobuf 3.21's
  // list (compiler/cpp/helpers.cc, kKeywordList); NULL is on it.
  static constexpr std::string_view kNotEscaped[] = {
      "char8_t",   "char16_t", "char32_t",  "concept",  "consteval",
      "constinit", "co_await", "co_return", "co_yield", "requires",
  };
  if (!IsCppKeyword(name)) return false;
  for (std::string_view keyword : kNotEscaped) {
    if (name == keyword) return false;
  }
  return true;
}

std::string HeaderFileName(const FileDescriptor* file) { return StripProto(file) + ".pubsub.h"; }

std::string SourceFileName(const FileDescriptor* file) { return StripProto(file) + ".pubsub.cc"; }

std::string ProtobufHeaderFileName(const FileDescriptor* file) {
  return StripProto(file) + ".pb.h";
}

std::string HeaderGuard(const FileDescriptor* file) {
  std::string guard = "PUBSUB_GENERATED_";
  for (char c : HeaderFileName(file)) {
    guard.push_back(std::isalnum(static_cast<unsigned char>(c))
                        ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                        : '_');
  }
  guard.push_back('_');
  return guard;
}

std::string SchemaHeaderFileName(std::string_view schema) {
  return std::string(schema) + ".schema.h";
}

std::string SchemaSourceFileName(std::string_view schema) {
  return std::string(schema) + ".schema.cc";
}

std::string SchemaHeaderGuard(std::string_view schema) {
  std::string guard = "PUBSUB_GENERATED_";
  for (char c : SchemaHeaderFileName(schema)) {
    guard.push_back(std::isalnum(static_cast<unsigned char>(c))
                        ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                        : '_');
  }
  guard.push_back('_');
  return guard;
}

bool IsValidSchemaName(std::string_view name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) return false;
  for (char c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return !IsCppKeyword(name);
}

std::string TypeScriptDeclarationFileName(std::string_view schema) {
  return std::string(schema) + ".d.ts";
}

std::string TypeScriptModuleFileName(std::string_view schema) {
  return std::string(schema) + ".js";
}

namespace {

// Names an interface or type alias cannot take (keywords, built-in types),
// or that the declarations use themselves.
bool IsReservedTypeScriptName(std::string_view name) {
  static constexpr std::string_view kReserved =
      // Reserved words, strict mode's included.
      " await break case catch class const continue debugger default delete do else enum export"
      " extends false finally for function if implements import in instanceof interface let new"
      " null package private protected public return static super switch this throw true try"
      " typeof var void while with yield"
      // Built-in types and contextual keywords of type positions.
      " any asserts bigint boolean declare infer is keyof module namespace never number object"
      " readonly require string symbol type undefined unique unknown"
      // What the declarations export or use beside the schema's types.
      " AnyEvent Channels EventType WithoutType ";
  if (name.empty() || name.find(' ') != std::string_view::npos) return false;
  for (size_t i = kReserved.find(name); i != std::string_view::npos;
       i = kReserved.find(name, i + 1)) {
    if (kReserved[i - 1] == ' ' && kReserved[i + name.size()] == ' ') return true;
  }
  return false;
}

std::string Underscored(std::string full_name) {
  for (char& c : full_name) {
    if (c == '.') c = '_';
  }
  return full_name;
}

}  // namespace

std::map<std::string, std::string> TypeScriptTypeNames(
    const std::vector<const Descriptor*>& messages,
    const std::vector<const EnumDescriptor*>& enums) {
  // full name -> C++ class name, in full-name order.
  std::map<std::string, std::string> class_names;
  for (const Descriptor* message : messages) class_names[message->full_name()] = ClassName(message);
  for (const EnumDescriptor* enum_type : enums) {
    class_names[enum_type->full_name()] = ClassName(enum_type);
  }
  std::map<std::string, int> uses;
  for (const auto& [full_name, class_name] : class_names) ++uses[class_name];

  std::map<std::string, std::string> names;
  std::set<std::string> taken;
  for (const auto& [full_name, class_name] : class_names) {
    std::string name = uses[class_name] > 1 ? Underscored(full_name) : class_name;
    while (IsReservedTypeScriptName(name) || taken.contains(name)) name.push_back('_');
    taken.insert(name);
    names[full_name] = name;
  }
  return names;
}

std::string Namespace(const FileDescriptor* file) {
  // As protobuf's C++ generator (3.21) does: each package component becomes a
  // namespace, as is.
  std::string result = file->package();
  for (size_t dot = result.find('.'); dot != std::string::npos; dot = result.find('.', dot)) {
    result.replace(dot, 1, "::");
  }
  return result;
}

std::string ClassName(const Descriptor* message) { return cpp::ClassName(message); }

std::string ClassName(const EnumDescriptor* enum_type) { return cpp::ClassName(enum_type); }

std::string QualifiedClassName(const Descriptor* message) {
  return cpp::QualifiedClassName(message);
}

std::string QualifiedClassName(const EnumDescriptor* enum_type) {
  return cpp::QualifiedClassName(enum_type);
}

std::string FieldAccessor(const FieldDescriptor* field) { return cpp::FieldName(field); }

std::string OneofCaseAccessor(const OneofDescriptor* oneof) { return oneof->name() + "_case"; }

std::string QualifiedOneofCaseConstant(const FieldDescriptor* field) {
  return cpp::QualifiedOneofCaseConstantName(field);
}

std::string WriteJsonFunction(const FileDescriptor* from, const FileDescriptor* type_file) {
  if (Namespace(from) == Namespace(type_file)) return kWriteJsonFunction;
  const std::string ns = Namespace(type_file);
  return (ns.empty() ? "::" : "::" + ns + "::") + kWriteJsonFunction;
}

std::string PublisherClassName(const Descriptor* channel) {
  return ClassName(channel) + "Publisher";
}

std::string SubscriberClassName(const Descriptor* channel) {
  return ClassName(channel) + "Subscriber";
}

std::string DispatchFunctionName(const Descriptor* channel) {
  return "Dispatch" + ClassName(channel);
}

std::string HandlerName(std::string_view event_type) { return "on_" + std::string(event_type); }

std::string ScopeParameterName(std::string_view scope_field) {
  std::string name(scope_field);
  // Subscribe's other parameters, and its locals `topic` and `id`.
  if (IsCppKeyword(name) || name == "bus" || name == "handlers" || name == "ready" ||
      name == "topic" || name == "id") {
    name.push_back('_');
  }
  return name;
}

std::string RegisterFunctionName(const FileDescriptor* file) {
  std::string stem = StripProto(file);
  if (size_t slash = stem.rfind('/'); slash != std::string::npos) stem = stem.substr(slash + 1);
  std::string camel;
  bool upper_next = true;
  for (char c : stem) {
    if (!std::isalnum(static_cast<unsigned char>(c))) {
      upper_next = true;
      continue;
    }
    camel.push_back(upper_next ? static_cast<char>(std::toupper(static_cast<unsigned char>(c)))
                               : c);
    upper_next = std::isdigit(static_cast<unsigned char>(c)) != 0;
  }
  return "Register" + camel + "Schema";
}

std::string Location(const Descriptor* message) {
  SourceLocation location;
  if (message->GetSourceLocation(&location)) {
    return message->file()->name() + ":" + std::to_string(location.start_line + 1);
  }
  return message->file()->name();
}

std::string LeadingComment(const Descriptor* message) {
  SourceLocation location;
  if (!message->GetSourceLocation(&location)) return "";
  return location.leading_comments.empty() ? location.trailing_comments : location.leading_comments;
}

}  // namespace pubsub::codegen
