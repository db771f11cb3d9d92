// Every naming rule of protoc-gen-pubsub in one place: output file names, C++
// names of protobuf's own generated code (delegated to libprotoc's
// compiler/cpp/names.h so that they can never drift), and the names of what
// this generator adds. Each rule shows an example.
//
//   std::string header = pubsub::codegen::HeaderFileName(file);  // "comments.pubsub.h"
#ifndef PUBSUB_CODEGEN_NAMES_H_
#define PUBSUB_CODEGEN_NAMES_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "google/protobuf/descriptor.h"

namespace pubsub::codegen {

// Generated function names, overloaded by argument type.
inline constexpr char kWriteJsonFunction[] = "WriteJson";            // any message or enum
inline constexpr char kWriteEventJsonFunction[] = "WriteEventJson";  // events: {"type":...}
inline constexpr char kRenderJsonFunction[] = "RenderJson";          // events: to a string

// C++20 keywords and NULL: "class", "co_await", "NULL" -> true.
bool IsCppKeyword(std::string_view name);
// The keywords protobuf 3.21's C++ generator escapes in field and enum value
// names ("class" -> accessor "class_"); "requires", "co_await" and the other
// C++20 keywords, char16_t and char32_t are not escaped, and no keyword is
// in message, enum or package names.
bool ProtobufEscapesKeyword(std::string_view name);

// "sample/comments.proto" -> "sample/comments.pubsub.h" (next to comments.pb.h).
std::string HeaderFileName(const google::protobuf::FileDescriptor* file);
// "sample/comments.proto" -> "sample/comments.pubsub.cc".
std::string SourceFileName(const google::protobuf::FileDescriptor* file);
// "sample/comments.proto" -> "sample/comments.pb.h" (protoc's C++ output).
std::string ProtobufHeaderFileName(const google::protobuf::FileDescriptor* file);
// "sample/comments.proto" -> "PUBSUB_GENERATED_SAMPLE_COMMENTS_PUBSUB_H_".
std::string HeaderGuard(const google::protobuf::FileDescriptor* file);

// Schema "sample_schema" -> "sample_schema.schema.h" / ".schema.cc": the
// registration of all files of one protoc run (--pubsub_opt=schema=NAME).
std::string SchemaHeaderFileName(std::string_view schema);
std::string SchemaSourceFileName(std::string_view schema);
// -> "PUBSUB_GENERATED_SAMPLE_SCHEMA_SCHEMA_H_".
std::string SchemaHeaderGuard(std::string_view schema);
// Whether `name` can name a schema: a C++ identifier [A-Za-z_][A-Za-z0-9_]*
// (it becomes the function pubsub::schemas::NAME()), not a keyword.
bool IsValidSchemaName(std::string_view name);

// Schema "sample_schema" -> "sample_schema.d.ts" (the TypeScript declarations
// of the schema's browser JSON) and "sample_schema.js" (the ES module holding
// the runtime value they declare, `channels`).
std::string TypeScriptDeclarationFileName(std::string_view schema);
std::string TypeScriptModuleFileName(std::string_view schema);

// The TypeScript type names of the message and enum types a schema's .d.ts
// declares, by full proto name. Deterministic, whatever the order given:
//   1. protobuf's C++ class name: sample.NewComment -> "NewComment",
//      sample.Outer.Inner -> "Outer_Inner";
//   2. when two of the types share that name (same name in two packages), each
//      of them is named after its full name instead: a.Point -> "a_Point",
//      b.Point -> "b_Point";
//   3. a name still taken (by a type earlier in full-name order) or reserved
//      (TypeScript's keywords and built-in type names such as "string" or
//      "object", and the declarations' own exports: "Channels", "EventType",
//      "AnyEvent", "WithoutType") gets '_' appended until it is free.
std::map<std::string, std::string> TypeScriptTypeNames(
    const std::vector<const google::protobuf::Descriptor*>& messages,
    const std::vector<const google::protobuf::EnumDescriptor*>& enums);

// package "sample" -> "sample"; "acme.events" -> "acme::events"; no package -> ""
// (protobuf's namespaces, components as they are).
std::string Namespace(const google::protobuf::FileDescriptor* file);

// message sample.NewComment -> "NewComment"; sample.Outer.Inner -> "Outer_Inner"
// (protobuf's C++ class name, unqualified).
std::string ClassName(const google::protobuf::Descriptor* message);
std::string ClassName(const google::protobuf::EnumDescriptor* enum_type);
// -> "::sample::NewComment", "::sample::Outer_Inner".
std::string QualifiedClassName(const google::protobuf::Descriptor* message);
std::string QualifiedClassName(const google::protobuf::EnumDescriptor* enum_type);
// Field `created_at` -> accessor "created_at"; field `class` -> "class_".
std::string FieldAccessor(const google::protobuf::FieldDescriptor* field);
// oneof `kind` -> accessor "kind_case".
std::string OneofCaseAccessor(const google::protobuf::OneofDescriptor* oneof);
// oneof member `text_value` of sample.Note -> "::sample::Note::kTextValue".
std::string QualifiedOneofCaseConstant(const google::protobuf::FieldDescriptor* field);

// The JSON writer function to call, from code generated for `from`, for a
// message or enum declared in `type_file`: "WriteJson" in the same namespace,
// "::other::WriteJson" otherwise (explicit rather than relying on ADL).
std::string WriteJsonFunction(const google::protobuf::FileDescriptor* from,
                              const google::protobuf::FileDescriptor* type_file);

// Channel message TrackComments -> "TrackCommentsPublisher".
std::string PublisherClassName(const google::protobuf::Descriptor* channel);
// Channel message TrackComments -> "TrackCommentsSubscriber".
std::string SubscriberClassName(const google::protobuf::Descriptor* channel);
// Channel message TrackComments -> "DispatchTrackComments" (the subscriber's
// envelope decoder, in the source's anonymous namespace).
std::string DispatchFunctionName(const google::protobuf::Descriptor* channel);
// Event type "new_comment" -> handler member "on_new_comment".
std::string HandlerName(std::string_view event_type);
// Scope field "track_id" -> Subscribe's parameter "track_id"; a scope named
// like another parameter ("bus", "handlers", "ready"), a local of Subscribe
// ("topic", "id") or a C++ keyword gets a trailing underscore: "id" -> "id_".
std::string ScopeParameterName(std::string_view scope_field);
// "sample/book_requests.proto" -> "RegisterBookRequestsSchema";
// "events-v2.proto" -> "RegisterEventsV2Schema".
std::string RegisterFunctionName(const google::protobuf::FileDescriptor* file);

// Where a descriptor is declared, for error messages: "comments.proto:42"
// (1-based line), or just "comments.proto" when protoc gave no source info.
std::string Location(const google::protobuf::Descriptor* message);

// A .proto comment attached to a descriptor (leading comments, else
// trailing), without the comment markers; "" when there is none.
std::string LeadingComment(const google::protobuf::Descriptor* message);

}  // namespace pubsub::codegen

#endif  // PUBSUB_CODEGEN_NAMES_H_
