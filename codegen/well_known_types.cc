#include "well_known_types.h"

#include <string_view>

#include "pubsub/options.pb.h"

namespace pubsub::codegen {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::FileDescriptor;

bool StartsWith(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

bool IsGoogleProtobufFile(const FileDescriptor* file) {
  return StartsWith(file->name(), "google/protobuf/");
}

bool IsSdkFile(const FileDescriptor* file) {
  return file->name() == "pubsub/options.proto" || file->name() == "pubsub/envelope.proto";
}

}  // namespace

TypeKind ClassifyMessage(const Descriptor* message) {
  if (!IsGoogleProtobufFile(message->file())) {
    return IsSdkFile(message->file()) ? TypeKind::kUnsupported : TypeKind::kGenerated;
  }
  const std::string& name = message->full_name();
  if (name == "google.protobuf.Timestamp") return TypeKind::kTimestamp;
  if (name == "google.protobuf.Duration") return TypeKind::kDuration;
  if (name == "google.protobuf.Empty") return TypeKind::kEmpty;
  if (name == "google.protobuf.FieldMask") return TypeKind::kFieldMask;
  if (message->file()->name() == "google/protobuf/wrappers.proto") return TypeKind::kWrapper;
  return TypeKind::kUnsupported;
}

std::string UnsupportedReason(const Descriptor* message) {
  if (ClassifyMessage(message) != TypeKind::kUnsupported) return "";
  const std::string& name = message->full_name();
  if (name == "google.protobuf.Any" || name == "google.protobuf.Struct" ||
      name == "google.protobuf.Value" || name == "google.protobuf.ListValue") {
    return name + " is not supported by the JSON writer yet";
  }
  if (IsSdkFile(message->file())) {
    return name + " is one of the SDK's own messages, which have no JSON writer";
  }
  return name +
         " is not a well-known type the JSON writer supports (Timestamp, Duration, "
         "wrappers, Empty, FieldMask)";
}

std::string UnsupportedReason(const EnumDescriptor* enum_type) {
  if (IsNullValue(enum_type) || !IsExternalFile(enum_type->file())) return "";
  return enum_type->full_name() + " is declared in " + enum_type->file()->name() +
         ", which has no generated JSON writer";
}

bool IsNullValue(const EnumDescriptor* enum_type) {
  return enum_type->full_name() == "google.protobuf.NullValue";
}

bool IsExternalFile(const FileDescriptor* file) {
  return IsGoogleProtobufFile(file) || IsSdkFile(file);
}

bool Int64AsJsonNumber(const google::protobuf::FieldDescriptor* field) {
  return field->options().GetExtension(pubsub::json).int64_as_number();
}

}  // namespace pubsub::codegen
