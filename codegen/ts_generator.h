// TypeScriptGenerator: the browser's side of a schema (--pubsub_opt=schema=NAME).
//
//   NAME.d.ts  declarations of every event's JSON exactly as the generated
//              C++ writer produces it, of the channels (type Channels) and of
//              the runtime value `channels`;
//   NAME.js    an ES module without imports that holds `channels` (frozen),
//              so that a browser can import it as it is.
//
//   TypeScriptGenerator generator(schema, "sample_schema");
//   generator.Declarations();  // "export interface NewComment {\n  type: \"new_comment\"; ...
//   generator.Module();        // "export const channels = Object.freeze({ ...
//
// The types follow the rules of the catalogue's JSON Schemas
// (catalogue_facts.h), so that they accept exactly the catalogue's examples:
// "type" first; fields without presence always present, messages, proto3
// `optional` fields and oneof members only when set (`?:`); a oneof is a
// union of one alternative per member plus one without any, the other
// members `?: never`; 64-bit integers `string` unless int64_as_number;
// float and double `number | "NaN" | "Infinity" | "-Infinity"`; enums the
// union of their JSON strings (an exported type alias); Timestamp, Duration,
// FieldMask and bytes `string`; wrappers their plain value; Empty an object
// without keys; NullValue `null`. A message with a oneof is a type alias (an
// intersection with the oneof's union), any other an interface. An event
// used as another message's field has no "type" there: WithoutType<Event>.
// Type names: TypeScriptTypeNames (names.h).
#ifndef PUBSUB_CODEGEN_TS_GENERATOR_H_
#define PUBSUB_CODEGEN_TS_GENERATOR_H_

#include <map>
#include <set>
#include <string>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "schema.h"

namespace pubsub::codegen {

class TypeScriptGenerator {
 public:
  // `schema` must have passed validation and outlive the generator.
  TypeScriptGenerator(const Schema& schema, std::string name);

  // The text of NAME.d.ts and of NAME.js.
  std::string Declarations() const;
  std::string Module() const;

 private:
  void Banner(std::string& out, const std::string& what) const;
  void Reach(const google::protobuf::Descriptor* message);
  void Object(std::string& out, const google::protobuf::Descriptor* message,
              const Event* event) const;
  std::string Member(const google::protobuf::FieldDescriptor* field, bool optional,
                     const std::string& indent) const;
  std::string FieldType(const google::protobuf::FieldDescriptor* field) const;
  std::string ValueType(const google::protobuf::FieldDescriptor* value, bool as_number) const;
  std::string MessageType(const google::protobuf::Descriptor* message, bool as_number) const;
  const std::string& NameOf(const std::string& full_name) const { return names_.at(full_name); }
  // The channel's events, by type string.
  std::vector<const Event*> EventsOf(const Channel* channel) const;

  std::string name_;
  std::vector<const google::protobuf::FileDescriptor*> files_;  // by name
  std::vector<const Event*> events_;                            // by type string
  std::vector<const Channel*> channels_;                        // by channel name
  std::set<const google::protobuf::Descriptor*> event_messages_;
  // Types the events use (not events themselves), by full name.
  std::map<std::string, const google::protobuf::Descriptor*> messages_;
  std::map<std::string, const google::protobuf::EnumDescriptor*> enums_;
  std::map<std::string, std::string> names_;  // full name -> TypeScript name
  bool uses_without_type_ = false;
};

}  // namespace pubsub::codegen

#endif  // PUBSUB_CODEGEN_TS_GENERATOR_H_
