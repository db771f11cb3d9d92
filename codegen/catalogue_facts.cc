#include "catalogue_facts.h"

#include <map>
#include <memory>
#include <set>
#include <string_view>

#include "google/protobuf/dynamic_message.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"
#include "google/protobuf/util/field_mask_util.h"
#include "literals.h"
#include "pubsub/internal/json_writer.h"
#include "pubsub/options.pb.h"
#include "well_known_types.h"

namespace pubsub::codegen {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;
using google::protobuf::SourceLocation;
using internal::JsonWriter;

template <class D>
std::string CommentOf(const D* descriptor) {
  SourceLocation location;
  if (!descriptor->GetSourceLocation(&location)) return "";
  std::string_view text =
      location.leading_comments.empty() ? location.trailing_comments : location.leading_comments;
  std::string out;
  std::string blank_lines;  // held back until a line with text follows
  while (!text.empty()) {
    const size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view() : text.substr(end + 1);
    if (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.remove_suffix(1);
    if (line.empty()) {
      if (!out.empty()) blank_lines += '\n';
      continue;
    }
    if (!out.empty()) out += '\n';
    out += blank_lines;
    blank_lines.clear();
    out += line;
  }
  return out;
}

// The JSON string of the value that the writer emits for an enum value.
std::string EnumJsonName(const EnumValueDescriptor* value) {
  const std::string& json_value = value->options().GetExtension(pubsub::json_value);
  return json_value.empty() ? value->name() : json_value;
}

// ---------------------------------------------------------------------------
// JSON Schemas

std::string SchemaRef(const Descriptor* message) {
  return "{\"$ref\":" + JsonStringLiteral("#/components/schemas/" + message->full_name()) + "}";
}

class SchemaBuilder {
 public:
  // The object schema of `message`'s fields, after `leading` members (the
  // event's "type") that are required.
  std::string Object(const Descriptor* message, const std::string& description,
                     const std::string& leading_properties,
                     const std::vector<std::string>& leading_required) {
    std::string properties = leading_properties;
    std::vector<std::string> required = leading_required;
    for (int i = 0; i < message->field_count(); ++i) {
      const FieldDescriptor* field = message->field(i);
      if (!properties.empty()) properties += ',';
      properties += JsonStringLiteral(field->name()) + ":" + Field(field);
      // What the writer always writes: no presence, not in a oneof.
      if (!field->has_presence() && field->real_containing_oneof() == nullptr) {
        required.push_back(field->name());
      }
    }
    std::string schema = "{\"type\":\"object\"";
    if (!description.empty()) schema += ",\"description\":" + JsonStringLiteral(description);
    schema += ",\"properties\":{" + properties + "}";
    if (!required.empty()) {
      schema += ",\"required\":[";
      for (size_t i = 0; i < required.size(); ++i) {
        if (i > 0) schema += ',';
        schema += JsonStringLiteral(required[i]);
      }
      schema += ']';
    }
    schema += ",\"additionalProperties\":false}";
    return schema;
  }

  // Named schemas of every generated message type referred to so far, and of
  // those they refer to, in name order.
  std::vector<std::pair<std::string, std::string>> Definitions() {
    std::map<std::string, std::string> done;
    while (!pending_.empty()) {
      const Descriptor* message = *pending_.begin();
      pending_.erase(pending_.begin());
      if (done.count(message->full_name()) > 0) continue;
      done[message->full_name()] = "";  // before recursing: a cycle ends here
      done[message->full_name()] = Object(message, CommentText(message), "", {});
    }
    return {done.begin(), done.end()};
  }

 private:
  std::string Field(const FieldDescriptor* field) {
    std::string schema;
    if (field->is_map()) {
      const FieldDescriptor* key = field->message_type()->map_key();
      schema = "{\"type\":\"object\"";
      switch (key->cpp_type()) {
        case FieldDescriptor::CPPTYPE_BOOL:
          schema += ",\"propertyNames\":{\"enum\":[\"true\",\"false\"]}";
          break;
        case FieldDescriptor::CPPTYPE_INT32:
        case FieldDescriptor::CPPTYPE_INT64:
          schema += ",\"propertyNames\":{\"pattern\":\"^-?[0-9]+$\"}";
          break;
        case FieldDescriptor::CPPTYPE_UINT32:
        case FieldDescriptor::CPPTYPE_UINT64:
          schema += ",\"propertyNames\":{\"pattern\":\"^[0-9]+$\"}";
          break;
        default:
          break;
      }
      schema += ",\"additionalProperties\":" +
                Value(field->message_type()->map_value(), Int64AsJsonNumber(field)) + "}";
    } else if (field->is_repeated()) {
      schema = "{\"type\":\"array\",\"items\":" + Value(field, Int64AsJsonNumber(field)) + "}";
    } else {
      schema = Value(field, Int64AsJsonNumber(field));
    }
    const std::string description = CommentOf(field);
    if (description.empty()) return schema;
    // Keywords beside "$ref" are ignored by draft 7: wrap it.
    if (schema.starts_with("{\"$ref\"")) schema = "{\"allOf\":[" + schema + "]}";
    if (schema == "{}") return "{\"description\":" + JsonStringLiteral(description) + "}";
    schema.insert(1, "\"description\":" + JsonStringLiteral(description) + ",");
    return schema;
  }

  // The schema of one value of `value`'s type.
  std::string Value(const FieldDescriptor* value, bool as_number) {
    switch (value->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        return "{\"type\":\"integer\",\"minimum\":-2147483648,\"maximum\":2147483647}";
      case FieldDescriptor::CPPTYPE_UINT32:
        return "{\"type\":\"integer\",\"minimum\":0,\"maximum\":4294967295}";
      case FieldDescriptor::CPPTYPE_INT64:
        return as_number ? "{\"type\":\"integer\"}"
                         : "{\"type\":\"string\",\"pattern\":\"^-?[0-9]+$\"}";
      case FieldDescriptor::CPPTYPE_UINT64:
        return as_number ? "{\"type\":\"integer\",\"minimum\":0}"
                         : "{\"type\":\"string\",\"pattern\":\"^[0-9]+$\"}";
      case FieldDescriptor::CPPTYPE_FLOAT:
      case FieldDescriptor::CPPTYPE_DOUBLE:
        return "{\"anyOf\":[{\"type\":\"number\"},{\"enum\":[\"NaN\",\"Infinity\",\"-Infinity\"]}"
               "]}";
      case FieldDescriptor::CPPTYPE_BOOL:
        return "{\"type\":\"boolean\"}";
      case FieldDescriptor::CPPTYPE_STRING:
        return value->type() == FieldDescriptor::TYPE_BYTES
                   ? "{\"type\":\"string\",\"contentEncoding\":\"base64\"}"
                   : "{\"type\":\"string\"}";
      case FieldDescriptor::CPPTYPE_ENUM:
        return EnumSchema(value->enum_type());
      case FieldDescriptor::CPPTYPE_MESSAGE:
        return MessageSchema(value->message_type(), as_number);
    }
    return "{}";
  }

  std::string EnumSchema(const EnumDescriptor* enum_type) {
    if (IsNullValue(enum_type)) return "{\"type\":\"null\"}";
    std::string schema = "{\"type\":\"string\",\"enum\":[";
    std::set<int> numbers;
    for (int i = 0; i < enum_type->value_count(); ++i) {
      const EnumValueDescriptor* value = enum_type->value(i);
      if (!numbers.insert(value->number()).second) continue;  // an alias: the first name wins
      if (i > 0) schema += ',';
      schema += JsonStringLiteral(EnumJsonName(value));
    }
    return schema + "]}";
  }

  std::string MessageSchema(const Descriptor* type, bool as_number) {
    switch (ClassifyMessage(type)) {
      case TypeKind::kTimestamp:
        return "{\"type\":\"string\",\"format\":\"date-time\"}";
      case TypeKind::kDuration:
        return "{\"type\":\"string\",\"pattern\":\"^-?[0-9]+(\\\\.[0-9]+)?s$\"}";
      case TypeKind::kWrapper:
        return Value(type->FindFieldByName("value"), as_number);
      case TypeKind::kEmpty:
        return "{\"type\":\"object\",\"additionalProperties\":false}";
      case TypeKind::kFieldMask:
        return "{\"type\":\"string\"}";
      case TypeKind::kGenerated:
        pending_.insert(type);
        return SchemaRef(type);
      case TypeKind::kUnsupported:
        break;
    }
    return "{}";  // any JSON: a kind this catalogue does not describe yet
  }

  std::set<const Descriptor*> pending_;
};

// ---------------------------------------------------------------------------
// The sample event

constexpr int64_t kSampleSeconds = 1767268800;  // 2026-01-01T12:00:00Z

// A string value named after what it holds: "42" for ids, else the name.
std::string SampleString(const std::string& name) {
  if (name == "id" || name.ends_with("_id")) return "42";
  return name;
}

class SampleBuilder {
 public:
  std::unique_ptr<Message> Build(const Descriptor* event) {
    std::unique_ptr<Message> message(factory_.GetPrototype(event)->New());
    Fill(*message, event->name());
    return message;
  }

 private:
  void Fill(Message& message, const std::string& hint) {
    const Descriptor* type = message.GetDescriptor();
    const Reflection* reflection = message.GetReflection();
    switch (ClassifyMessage(type)) {
      case TypeKind::kTimestamp:
        reflection->SetInt64(&message, type->FindFieldByName("seconds"), kSampleSeconds);
        return;
      case TypeKind::kDuration:
        reflection->SetInt64(&message, type->FindFieldByName("seconds"), 1);
        reflection->SetInt32(&message, type->FindFieldByName("nanos"), 500000000);
        return;
      case TypeKind::kWrapper:
        Set(message, type->FindFieldByName("value"), hint);
        return;
      case TypeKind::kFieldMask:
        reflection->AddString(&message, type->FindFieldByName("paths"), "display_name");
        return;
      case TypeKind::kEmpty:
      case TypeKind::kUnsupported:
        return;
      case TypeKind::kGenerated:
        break;
    }
    filling_.insert(type);
    for (int i = 0; i < type->field_count(); ++i) {
      const FieldDescriptor* field = type->field(i);
      const auto* oneof = field->real_containing_oneof();
      if (oneof != nullptr && oneof->field(0) != field) continue;  // one member per oneof
      if (!Fillable(field)) continue;
      if (field->is_map()) {
        Message* entry = reflection->AddMessage(&message, field, &factory_);
        Set(*entry, field->message_type()->map_key(), "key");
        Set(*entry, field->message_type()->map_value(), field->name());
      } else {
        Set(message, field, field->name());
      }
    }
    filling_.erase(type);
  }

  // Whether a sample value of `field` can be made: not for a message type
  // being filled already (a recursive type) or one the writer cannot write.
  bool Fillable(const FieldDescriptor* field) const {
    const FieldDescriptor* value = field->is_map() ? field->message_type()->map_value() : field;
    if (value->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) return true;
    const Descriptor* type = value->message_type();
    return ClassifyMessage(type) != TypeKind::kUnsupported && filling_.count(type) == 0;
  }

  // Sets `field` of `message` (adds one element when it is repeated).
  void Set(Message& message, const FieldDescriptor* field, const std::string& hint) {
    const Reflection* r = message.GetReflection();
    const bool add = field->is_repeated();
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        add ? r->AddInt32(&message, field, 42) : r->SetInt32(&message, field, 42);
        return;
      case FieldDescriptor::CPPTYPE_INT64:
        add ? r->AddInt64(&message, field, 42) : r->SetInt64(&message, field, 42);
        return;
      case FieldDescriptor::CPPTYPE_UINT32:
        add ? r->AddUInt32(&message, field, 42) : r->SetUInt32(&message, field, 42);
        return;
      case FieldDescriptor::CPPTYPE_UINT64:
        add ? r->AddUInt64(&message, field, 42) : r->SetUInt64(&message, field, 42);
        return;
      case FieldDescriptor::CPPTYPE_FLOAT:
        add ? r->AddFloat(&message, field, 1.5f) : r->SetFloat(&message, field, 1.5f);
        return;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        add ? r->AddDouble(&message, field, 1.5) : r->SetDouble(&message, field, 1.5);
        return;
      case FieldDescriptor::CPPTYPE_BOOL:
        add ? r->AddBool(&message, field, true) : r->SetBool(&message, field, true);
        return;
      case FieldDescriptor::CPPTYPE_STRING: {
        const std::string value = SampleString(hint);
        add ? r->AddString(&message, field, value) : r->SetString(&message, field, value);
        return;
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        const EnumDescriptor* type = field->enum_type();
        int number = type->value(0)->number();
        for (int i = 0; i < type->value_count(); ++i) {
          if (type->value(i)->number() != 0) {
            number = type->value(i)->number();
            break;
          }
        }
        add ? r->AddEnumValue(&message, field, number) : r->SetEnumValue(&message, field, number);
        return;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE: {
        Message* value = add ? r->AddMessage(&message, field, &factory_)
                             : r->MutableMessage(&message, field, &factory_);
        Fill(*value, hint);
        return;
      }
    }
  }

  google::protobuf::DynamicMessageFactory factory_;
  std::set<const Descriptor*> filling_;
};

// ---------------------------------------------------------------------------
// The example: the sample as the generated writer renders it (json_generator.h),
// by reflection, formatting values with the runtime's JsonWriter.

class ExampleWriter {
 public:
  explicit ExampleWriter(std::string& out) : writer_(out) {}

  void Event(const Message& event, const std::string& type) { Object(event, &type); }

 private:
  void Object(const Message& message, const std::string* type) {
    const Descriptor* descriptor = message.GetDescriptor();
    const Reflection* reflection = message.GetReflection();
    writer_.Char('{');
    bool first = true;
    if (type != nullptr) {
      writer_.Raw("\"type\":");
      writer_.String(*type);
      first = false;
    }
    for (int i = 0; i < descriptor->field_count(); ++i) {
      const FieldDescriptor* field = descriptor->field(i);
      const bool conditional = !field->is_repeated() &&
                               (field->has_presence() || field->real_containing_oneof() != nullptr);
      if (conditional && !reflection->HasField(message, field)) continue;
      if (!first) writer_.Char(',');
      first = false;
      writer_.String(field->name());
      writer_.Char(':');
      if (field->is_map()) {
        Map(message, field);
      } else if (field->is_repeated()) {
        writer_.Char('[');
        for (int k = 0, n = reflection->FieldSize(message, field); k < n; ++k) {
          if (k > 0) writer_.Char(',');
          Value(message, field, k, Int64AsJsonNumber(field));
        }
        writer_.Char(']');
      } else {
        Value(message, field, -1, Int64AsJsonNumber(field));
      }
    }
    writer_.Char('}');
  }

  void Map(const Message& message, const FieldDescriptor* field) {
    const Reflection* reflection = message.GetReflection();
    const FieldDescriptor* key = field->message_type()->map_key();
    const FieldDescriptor* value = field->message_type()->map_value();
    writer_.Char('{');
    for (int k = 0, n = reflection->FieldSize(message, field); k < n; ++k) {
      if (k > 0) writer_.Char(',');
      const Message& entry = reflection->GetRepeatedMessage(message, field, k);
      const Reflection* e = entry.GetReflection();
      switch (key->cpp_type()) {
        case FieldDescriptor::CPPTYPE_STRING:
          writer_.String(e->GetString(entry, key));
          break;
        case FieldDescriptor::CPPTYPE_BOOL:
          writer_.Raw(e->GetBool(entry, key) ? "\"true\"" : "\"false\"");
          break;
        case FieldDescriptor::CPPTYPE_INT64:
          writer_.Int64(e->GetInt64(entry, key));
          break;
        case FieldDescriptor::CPPTYPE_UINT64:
          writer_.UInt64(e->GetUInt64(entry, key));
          break;
        case FieldDescriptor::CPPTYPE_INT32:
          writer_.Char('"');
          writer_.Int32(e->GetInt32(entry, key));
          writer_.Char('"');
          break;
        default:  // uint32
          writer_.Char('"');
          writer_.UInt32(e->GetUInt32(entry, key));
          writer_.Char('"');
          break;
      }
      writer_.Char(':');
      Value(entry, value, -1, Int64AsJsonNumber(field));
    }
    writer_.Char('}');
  }

  // The value of `field` in `message`; element `index` when repeated.
  void Value(const Message& message, const FieldDescriptor* field, int index, bool as_number) {
    const Reflection* r = message.GetReflection();
    const bool at = index >= 0;
    switch (field->cpp_type()) {
      case FieldDescriptor::CPPTYPE_INT32:
        writer_.Int32(at ? r->GetRepeatedInt32(message, field, index)
                         : r->GetInt32(message, field));
        return;
      case FieldDescriptor::CPPTYPE_UINT32:
        writer_.UInt32(at ? r->GetRepeatedUInt32(message, field, index)
                          : r->GetUInt32(message, field));
        return;
      case FieldDescriptor::CPPTYPE_INT64: {
        const int64_t v =
            at ? r->GetRepeatedInt64(message, field, index) : r->GetInt64(message, field);
        as_number ? writer_.Int64AsNumber(v) : writer_.Int64(v);
        return;
      }
      case FieldDescriptor::CPPTYPE_UINT64: {
        const uint64_t v =
            at ? r->GetRepeatedUInt64(message, field, index) : r->GetUInt64(message, field);
        as_number ? writer_.UInt64AsNumber(v) : writer_.UInt64(v);
        return;
      }
      case FieldDescriptor::CPPTYPE_FLOAT:
        writer_.Float(at ? r->GetRepeatedFloat(message, field, index)
                         : r->GetFloat(message, field));
        return;
      case FieldDescriptor::CPPTYPE_DOUBLE:
        writer_.Double(at ? r->GetRepeatedDouble(message, field, index)
                          : r->GetDouble(message, field));
        return;
      case FieldDescriptor::CPPTYPE_BOOL:
        writer_.Bool(at ? r->GetRepeatedBool(message, field, index) : r->GetBool(message, field));
        return;
      case FieldDescriptor::CPPTYPE_STRING: {
        const std::string v =
            at ? r->GetRepeatedString(message, field, index) : r->GetString(message, field);
        field->type() == FieldDescriptor::TYPE_BYTES ? writer_.Bytes(v) : writer_.String(v);
        return;
      }
      case FieldDescriptor::CPPTYPE_ENUM: {
        const int number =
            at ? r->GetRepeatedEnumValue(message, field, index) : r->GetEnumValue(message, field);
        if (IsNullValue(field->enum_type())) {
          writer_.Null();
        } else if (const EnumValueDescriptor* value =
                       field->enum_type()->FindValueByNumber(number)) {
          writer_.String(EnumJsonName(value));
        } else {
          writer_.Int32(number);
        }
        return;
      }
      case FieldDescriptor::CPPTYPE_MESSAGE:
        MessageValue(
            at ? r->GetRepeatedMessage(message, field, index) : r->GetMessage(message, field),
            as_number);
        return;
    }
  }

  void MessageValue(const Message& value, bool as_number) {
    const Descriptor* type = value.GetDescriptor();
    const Reflection* r = value.GetReflection();
    switch (ClassifyMessage(type)) {
      case TypeKind::kTimestamp:
        writer_.Timestamp(r->GetInt64(value, type->FindFieldByName("seconds")),
                          r->GetInt32(value, type->FindFieldByName("nanos")));
        return;
      case TypeKind::kDuration:
        writer_.Duration(r->GetInt64(value, type->FindFieldByName("seconds")),
                         r->GetInt32(value, type->FindFieldByName("nanos")));
        return;
      case TypeKind::kWrapper:
        Value(value, type->FindFieldByName("value"), -1, as_number);
        return;
      case TypeKind::kEmpty:
        writer_.Raw("{}");
        return;
      case TypeKind::kFieldMask: {
        google::protobuf::FieldMask mask;
        mask.ParseFromString(value.SerializeAsString());
        std::string paths;
        if (!google::protobuf::util::FieldMaskUtil::ToJsonString(mask, &paths)) {
          paths = google::protobuf::util::FieldMaskUtil::ToString(mask);
        }
        writer_.String(paths);
        return;
      }
      case TypeKind::kGenerated:
      case TypeKind::kUnsupported:
        Object(value, nullptr);
        return;
    }
  }

  JsonWriter writer_;
};

}  // namespace

std::string CommentText(const Descriptor* message) { return CommentOf(message); }
std::string CommentText(const FieldDescriptor* field) { return CommentOf(field); }
std::string CommentText(const EnumDescriptor* enum_type) { return CommentOf(enum_type); }

EventFacts ComputeEventFacts(const Event& event) {
  const Descriptor* message = event.message;
  EventFacts facts;
  facts.message_name = message->full_name();
  facts.description = CommentText(message);

  SchemaBuilder schemas;
  const std::string& type = event.options.type();
  facts.payload_schema =
      schemas.Object(message, "", "\"type\":{\"const\":" + JsonStringLiteral(type) + "}", {"type"});
  facts.definitions = schemas.Definitions();

  SampleBuilder builder;
  const std::unique_ptr<Message> sample = builder.Build(message);
  sample->SerializeToString(&facts.sample);
  ExampleWriter(facts.example).Event(*sample, type);
  return facts;
}

}  // namespace pubsub::codegen
