// Catalogue facts: what the catalogue says about each channel and event,
// computed from the schema at generation time. The generated registry entries
// carry them (ChannelInfo::description, EventInfo::catalogue) and the
// runtime's assembler (pubsub/catalogue.h) turns them into the AsyncAPI
// document and the Markdown pages.
//
//   EventFacts facts = ComputeEventFacts(event);
//   facts.payload_schema  // {"type":"object","properties":{"type":{"const":"new_comment"},...
//   facts.definitions     // {"sample.CommentData", {"type":"object",...}}
//   facts.sample          // NewComment with every field set, serialized
//   facts.example         // {"type":"new_comment","track_id":"42","data":{"id":42,...}}
//
// JSON Schemas follow the JSON rules of schema/pubsub/options.proto exactly:
// a field without presence is required, a message, proto3 `optional` or oneof
// member is not; 64-bit integers are strings with a digit pattern unless
// int64_as_number; enums are their names or json_value strings; Timestamp is
// a date-time string; no other keys are allowed. Generated message types are
// named schemas ($ref), so recursive types work.
//
// The sample sets every field to a representative value (the first non-zero
// enum value, 42, 1.5, "2026-01-01T12:00:00Z", ...), one member per oneof,
// one element per repeated field and map; a message type already being filled
// (recursion) and types the writer does not support are left unset. The
// example is the sample rendered by a reflection walk that follows the
// generated writer's rules through the runtime's own JsonWriter;
// tests/codegen/catalogue_test.cc checks that the generated writer renders
// the decoded sample to exactly this example, for every event.
#ifndef PUBSUB_CODEGEN_CATALOGUE_FACTS_H_
#define PUBSUB_CODEGEN_CATALOGUE_FACTS_H_

#include <string>
#include <utility>
#include <vector>

#include "google/protobuf/descriptor.h"
#include "schema.h"

namespace pubsub::codegen {

struct EventFacts {
  std::string message_name;  // "sample.NewComment"
  std::string description;   // the event's .proto comment, trimmed
  std::string payload_schema;
  // (full message name, schema), in name order.
  std::vector<std::pair<std::string, std::string>> definitions;
  std::string sample;   // serialized protobuf
  std::string example;  // browser JSON
};

EventFacts ComputeEventFacts(const Event& event);

// A .proto comment (leading, else trailing) without the comment markers'
// space, trailing blanks and blank edge lines: "A comment was posted.".
std::string CommentText(const google::protobuf::Descriptor* message);
std::string CommentText(const google::protobuf::FieldDescriptor* field);
std::string CommentText(const google::protobuf::EnumDescriptor* enum_type);

}  // namespace pubsub::codegen

#endif  // PUBSUB_CODEGEN_CATALOGUE_FACTS_H_
