// How the JSON writer treats message and enum types that the generator does
// not generate itself: protobuf's well-known types are written inline in
// their proto3 JSON form; a few are not supported yet (a clear generator
// error), and the SDK's own protos have no JSON writer.
//
//   switch (ClassifyMessage(field->message_type())) {
//     case TypeKind::kTimestamp: ...  // writer.Timestamp(seconds, nanos)
//   }
#ifndef PUBSUB_CODEGEN_WELL_KNOWN_TYPES_H_
#define PUBSUB_CODEGEN_WELL_KNOWN_TYPES_H_

#include <string>

#include "google/protobuf/descriptor.h"

namespace pubsub::codegen {

enum class TypeKind {
  kGenerated,  // a message of a file this plugin generates: call its WriteJson
  kTimestamp,  // "2026-11-25T10:00:00Z"
  kDuration,   // "1.5s"
  kWrapper,    // google.protobuf.*Value: the plain wrapped value
  kEmpty,      // {}
  kFieldMask,  // "a.b,cD" (paths in lowerCamelCase, comma-joined)
  kUnsupported,
};

TypeKind ClassifyMessage(const google::protobuf::Descriptor* message);

// Why a message or enum type cannot be written as JSON, or "" when it can:
// google.protobuf.Any/Struct/Value/ListValue (not supported yet), other types
// of google/protobuf/*.proto, and the SDK's own pubsub/*.proto messages.
std::string UnsupportedReason(const google::protobuf::Descriptor* message);
std::string UnsupportedReason(const google::protobuf::EnumDescriptor* enum_type);

// True for google.protobuf.NullValue, written as JSON null.
bool IsNullValue(const google::protobuf::EnumDescriptor* enum_type);

// Files whose messages have no generated .pubsub.h: google/protobuf/*.proto
// and the SDK's own protos (pubsub/options.proto, pubsub/envelope.proto).
bool IsExternalFile(const google::protobuf::FileDescriptor* file);

// Whether a 64-bit integer field (or a map's value) is JSON's number, as
// `(pubsub.json).int64_as_number` declares; otherwise it is a string. The one
// reading of the option for the writer, the validator, the catalogue and the
// TypeScript.
bool Int64AsJsonNumber(const google::protobuf::FieldDescriptor* field);

}  // namespace pubsub::codegen

#endif  // PUBSUB_CODEGEN_WELL_KNOWN_TYPES_H_
