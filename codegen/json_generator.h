// JsonGenerator: emits the JSON writers of one .proto file, straight-line
// code over the message's accessors (no reflection):
//
//   void WriteJson(const CommentData& message, ::pubsub::internal::JsonWriter& writer) {
//     writer.Raw("{\"id\":");
//     writer.Int64AsNumber(message.id());
//     writer.Raw(",\"content\":");
//     ...
//   }
//
// JSON rules (schema/pubsub/options.proto): proto field names; scalars,
// repeated fields and maps always written; fields with presence (messages,
// proto3 `optional`, oneof members) only when set; proto3 JSON values, with
// the schema's int64_as_number and json_value departures. Keys are written
// as pre-escaped literals merged with the punctuation around them; commas are
// static except after a field that may be absent, where a `first` flag
// decides. Maps are written in the order google::protobuf::Map iterates them
// (unspecified, like protobuf's own JSON printer).
#ifndef PUBSUB_CODEGEN_JSON_GENERATOR_H_
#define PUBSUB_CODEGEN_JSON_GENERATOR_H_

#include <string>

#include "formatter.h"
#include "google/protobuf/descriptor.h"

namespace pubsub::codegen {

class JsonGenerator {
 public:
  explicit JsonGenerator(const google::protobuf::FileDescriptor* file) : file_(file) {}

  // Header: `void WriteJson(E value, JsonWriter&)` per enum and
  // `void WriteJson(const M& message, JsonWriter&)` per message of the file.
  void GenerateDeclarations(const Formatter& f) const;
  // Source: their definitions.
  void GenerateDefinitions(const Formatter& f) const;

  // Statements that write the event held in the variable `object` (of class
  // `event`) as {"type":"<type>", fields...}.
  void GenerateEventBody(const Formatter& f, const google::protobuf::Descriptor* event,
                         const std::string& type, const std::string& object) const;

  // True when some field of the file is deprecated: its accessors, which
  // the writers call, are marked [[deprecated]] by protobuf.
  bool ReadsDeprecatedFields() const;

 private:
  void GenerateEnumWriter(const Formatter& f, const google::protobuf::EnumDescriptor* e) const;
  void GenerateMessageWriter(const Formatter& f, const google::protobuf::Descriptor* m) const;

  const google::protobuf::FileDescriptor* file_;
};

}  // namespace pubsub::codegen

#endif  // PUBSUB_CODEGEN_JSON_GENERATOR_H_
