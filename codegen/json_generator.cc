#include "json_generator.h"

#include <algorithm>
#include <set>
#include <string_view>
#include <vector>

#include "literals.h"
#include "names.h"
#include "pubsub/options.pb.h"
#include "schema.h"
#include "well_known_types.h"

namespace pubsub::codegen {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::EnumDescriptor;
using google::protobuf::EnumValueDescriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::FileDescriptor;
using google::protobuf::OneofDescriptor;

// What is known, at generation time, about the commas before a key.
enum class Commas {
  kNone,    // nothing has been written after "{" yet
  kAlways,  // something has certainly been written: "," first
  kMaybe,   // depends on fields that may be absent: the `first` flag decides
};

// One step of an object's body: a field, or a whole oneof.
struct Item {
  const FieldDescriptor* field = nullptr;  // null for a oneof
  const OneofDescriptor* oneof = nullptr;
  bool conditional = false;
};

std::vector<Item> ItemsOf(const Descriptor* message) {
  std::vector<Item> items;
  std::set<const OneofDescriptor*> seen;
  for (int i = 0; i < message->field_count(); ++i) {
    const FieldDescriptor* field = message->field(i);
    if (const OneofDescriptor* oneof = field->real_containing_oneof()) {
      if (seen.insert(oneof).second) items.push_back(Item{nullptr, oneof, true});
      continue;
    }
    items.push_back(Item{field, nullptr, field->has_presence()});
  }
  return items;
}

// The JsonWriter method for a scalar (non-message, non-enum) value.
const char* ScalarMethod(const FieldDescriptor* value, bool as_number) {
  switch (value->cpp_type()) {
    case FieldDescriptor::CPPTYPE_INT32:
      return "Int32";
    case FieldDescriptor::CPPTYPE_UINT32:
      return "UInt32";
    case FieldDescriptor::CPPTYPE_INT64:
      return as_number ? "Int64AsNumber" : "Int64";
    case FieldDescriptor::CPPTYPE_UINT64:
      return as_number ? "UInt64AsNumber" : "UInt64";
    case FieldDescriptor::CPPTYPE_FLOAT:
      return "Float";
    case FieldDescriptor::CPPTYPE_DOUBLE:
      return "Double";
    case FieldDescriptor::CPPTYPE_BOOL:
      return "Bool";
    case FieldDescriptor::CPPTYPE_STRING:
      return value->type() == FieldDescriptor::TYPE_BYTES ? "Bytes" : "String";
    default:
      return nullptr;
  }
}

// Writes the statements of one function body. JSON punctuation and keys are
// collected in `pending_` and flushed as one Raw()/Char() call right before
// the next value, so `{"type":"x","id":` costs a single append.
class BodyEmitter {
 public:
  BodyEmitter(const Formatter& f, const FileDescriptor* from) : f_(f), from_(from) {}

  void Literal(std::string_view json) { pending_.append(json); }

  void Flush() {
    if (pending_.empty()) return;
    if (pending_.size() == 1) {
      f_.With({{"c", CppCharLiteral(pending_[0])}})("writer.Char($c$);\n");
    } else {
      f_.With({{"s", CppStringLiteral(pending_)}})("writer.Raw($s$);\n");
    }
    pending_.clear();
  }

  // The fields of `message`, read from the variable `object`, after `opening`
  // ("{" or "{\"type\":\"x\""), then "}".
  void Object(const Descriptor* message, const std::string& object, std::string_view opening,
              Commas initial) {
    const std::vector<Item> items = ItemsOf(message);
    // Which commas each item faces.
    std::vector<Commas> before;
    Commas state = initial;
    for (const Item& item : items) {
      before.push_back(state);
      if (!item.conditional) {
        state = Commas::kAlways;
      } else if (state == Commas::kNone) {
        state = Commas::kMaybe;
      }
    }
    const bool needs_flag = std::find(before.begin(), before.end(), Commas::kMaybe) != before.end();

    Literal(opening);
    if (needs_flag) {
      Flush();
      f_("bool first = true;\n");
    }
    for (size_t i = 0; i < items.size(); ++i) {
      const Item& item = items[i];
      // A later item reads `first` when this one may or may not write.
      const bool clears_flag = needs_flag && before[i] != Commas::kAlways && i + 1 < items.size();
      if (item.oneof != nullptr) {
        Oneof(item.oneof, object, before[i], clears_flag);
      } else if (item.conditional) {
        Flush();
        f_.With({{"object", object}, {"field", FieldAccessor(item.field)}})(
            "if ($object$.has_$field$()) {\n");
        f_.Indent();
        Member(item.field, object, before[i], clears_flag);
        Flush();  // a value written as a literal ({} or null) stays inside the `if`
        f_.Outdent();
        f_("}\n");
      } else {
        Member(item.field, object, before[i], false);
      }
    }
    Literal("}");
    Flush();
  }

  // One value of `value`'s type (a singular field, a repeated element or a
  // map value) held in the C++ expression `expr`.
  void Value(const FieldDescriptor* value, const std::string& expr, bool as_number) {
    Formatter f = f_.With({{"expr", expr}});
    switch (value->cpp_type()) {
      case FieldDescriptor::CPPTYPE_ENUM:
        if (IsNullValue(value->enum_type())) {
          Literal("null");
          return;
        }
        Flush();
        f.With({{"write", WriteJsonFunction(from_, value->enum_type()->file())}})(
            "$write$($expr$, writer);\n");
        return;
      case FieldDescriptor::CPPTYPE_MESSAGE:
        MessageValue(value->message_type(), f, expr, as_number);
        return;
      default:
        Flush();
        f.With({{"method", ScalarMethod(value, as_number)}})("writer.$method$($expr$);\n");
        return;
    }
  }

 private:
  void Key(const FieldDescriptor* field, Commas commas) {
    const std::string key = "\"" + field->name() + "\":";
    switch (commas) {
      case Commas::kNone:
        Literal(key);
        break;
      case Commas::kAlways:
        Literal("," + key);
        break;
      case Commas::kMaybe:
        Flush();
        f_.With({{"first", CppStringLiteral(key)}, {"later", CppStringLiteral("," + key)}})(
            "writer.Raw(first ? $first$ : $later$);\n");
        break;
    }
  }

  // Key and value of a field known to be written.
  void Member(const FieldDescriptor* field, const std::string& object, Commas commas,
              bool clears_flag) {
    Key(field, commas);
    const std::string accessor = object + "." + FieldAccessor(field);
    if (field->is_map()) {
      Map(field, accessor + "()");
    } else if (field->is_repeated()) {
      Repeated(field, object);
    } else {
      Value(field, accessor + "()", Int64AsJsonNumber(field));
    }
    if (clears_flag) {
      Flush();
      f_("first = false;\n");
    }
  }

  void Oneof(const OneofDescriptor* oneof, const std::string& object, Commas commas,
             bool clears_flag) {
    Flush();
    f_.With({{"object", object}, {"case", OneofCaseAccessor(oneof)}})(
        "switch ($object$.$case$()) {\n");
    f_.Indent();
    for (int i = 0; i < oneof->field_count(); ++i) {
      const FieldDescriptor* field = oneof->field(i);
      f_.With({{"constant", QualifiedOneofCaseConstant(field)}})("case $constant$:\n");
      f_.Indent();
      Member(field, object, commas, clears_flag);
      Flush();
      f_("break;\n");
      f_.Outdent();
    }
    f_("default:  // not set\n"
       "  break;\n");
    f_.Outdent();
    f_("}\n");
  }

  void Repeated(const FieldDescriptor* field, const std::string& object) {
    const std::string accessor = object + "." + FieldAccessor(field);
    Literal("[");
    Flush();
    f_.With({{"accessor", accessor}})(
        "for (int i = 0, n = $accessor$_size(); i < n; ++i) {\n"
        "  if (i > 0) writer.Char(',');\n");
    f_.Indent();
    Value(field, accessor + "(i)", Int64AsJsonNumber(field));
    Flush();
    f_.Outdent();
    f_("}\n");
    Literal("]");
  }

  // Keys are always JSON strings (proto3 JSON quotes integer and bool keys).
  void Map(const FieldDescriptor* field, const std::string& map) {
    const FieldDescriptor* key = field->message_type()->map_key();
    const FieldDescriptor* value = field->message_type()->map_value();
    Literal("{");
    Flush();
    f_.With({{"map", map}})(
        "for (bool first_entry = true; const auto& entry : $map$) {\n"
        "  if (!first_entry) writer.Char(',');\n"
        "  first_entry = false;\n");
    f_.Indent();
    switch (key->cpp_type()) {
      case FieldDescriptor::CPPTYPE_STRING:
        f_("writer.String(entry.first);\n");
        break;
      case FieldDescriptor::CPPTYPE_BOOL:
        f_("writer.Raw(entry.first ? \"\\\"true\\\"\" : \"\\\"false\\\"\");\n");
        break;
      case FieldDescriptor::CPPTYPE_INT64:
      case FieldDescriptor::CPPTYPE_UINT64:  // already quoted by Int64/UInt64
        f_.With({{"method", ScalarMethod(key, false)}})("writer.$method$(entry.first);\n");
        break;
      default:
        f_.With({{"method", ScalarMethod(key, false)}})(
            "writer.Char('\"');\n"
            "writer.$method$(entry.first);\n");
        Literal("\"");
        break;
    }
    Literal(":");
    Value(value, "entry.second", Int64AsJsonNumber(field));
    Flush();
    f_.Outdent();
    f_("}\n");
    Literal("}");
  }

  void MessageValue(const Descriptor* type, const Formatter& f, const std::string& expr,
                    bool as_number) {
    switch (ClassifyMessage(type)) {
      case TypeKind::kTimestamp:
        Flush();
        f("writer.Timestamp($expr$.seconds(), $expr$.nanos());\n");
        return;
      case TypeKind::kDuration:
        Flush();
        f("writer.Duration($expr$.seconds(), $expr$.nanos());\n");
        return;
      case TypeKind::kWrapper:
        Value(type->FindFieldByName("value"), expr + ".value()", as_number);
        return;
      case TypeKind::kEmpty:
        Literal("{}");
        return;
      case TypeKind::kFieldMask:
        // Not FieldMaskUtil::ToJsonString: it refuses paths (digits,
        // capitals, doubled underscores) that protobuf's printer converts.
        Flush();
        f("writer.FieldMask($expr$.paths());\n");
        return;
      case TypeKind::kGenerated:
      case TypeKind::kUnsupported:  // rejected by the validator
        Flush();
        f.With({{"write", WriteJsonFunction(from_, type->file())}})("$write$($expr$, writer);\n");
        return;
    }
  }

  Formatter f_;
  const FileDescriptor* from_;
  std::string pending_;
};

}  // namespace

void JsonGenerator::GenerateDeclarations(const Formatter& f) const {
  for (const EnumDescriptor* e : AllEnums(file_)) {
    f.With({{"enum", ClassName(e)}})(
        "void WriteJson($enum$ value, ::pubsub::internal::JsonWriter& writer);\n");
  }
  for (const Descriptor* message : AllMessages(file_)) {
    // Events and channels carry their comments where they are declared.
    const std::string comment = LeadingComment(message);
    if (!comment.empty() && !IsEvent(message) && !IsChannel(message)) {
      f("\n");
      f.Comment(comment);
    }
    f.With({{"class", ClassName(message)}})(
        "void WriteJson(const $class$& message, ::pubsub::internal::JsonWriter& writer);\n");
  }
}

void JsonGenerator::GenerateDefinitions(const Formatter& f) const {
  for (const EnumDescriptor* e : AllEnums(file_)) GenerateEnumWriter(f, e);
  for (const Descriptor* message : AllMessages(file_)) GenerateMessageWriter(f, message);
}

void JsonGenerator::GenerateEnumWriter(const Formatter& f, const EnumDescriptor* e) const {
  f.With({{"enum", ClassName(e)}})(
      "\n"
      "void WriteJson($enum$ value, ::pubsub::internal::JsonWriter& writer) {\n"
      "  switch (static_cast<int>(value)) {\n");
  f.Indent();
  f.Indent();
  std::set<int> numbers;
  for (int i = 0; i < e->value_count(); ++i) {
    const EnumValueDescriptor* value = e->value(i);
    if (!numbers.insert(value->number()).second) continue;  // an alias: the first name wins
    const std::string& json_value = value->options().GetExtension(pubsub::json_value);
    f.With({{"number", std::to_string(value->number())},
            {"name", value->name()},
            {"json", CppStringLiteral(
                         JsonStringLiteral(json_value.empty() ? value->name() : json_value))}})(
        "case $number$:  // $name$\n"
        "  writer.Raw($json$);\n"
        "  return;\n");
  }
  f.Outdent();
  f.Outdent();
  f("  }\n"
    "  writer.Int32(static_cast<int32_t>(value));  // a number this schema does not know\n"
    "}\n");
}

void JsonGenerator::GenerateMessageWriter(const Formatter& f, const Descriptor* message) const {
  // A message without fields does not read its parameter: leave it unnamed.
  f.With({{"class", ClassName(message)}, {"param", message->field_count() > 0 ? " message" : ""}})(
      "\n"
      "void WriteJson(const $class$&$param$, ::pubsub::internal::JsonWriter& writer) {\n");
  f.Indent();
  BodyEmitter(f, file_).Object(message, "message", "{", Commas::kNone);
  f.Outdent();
  f("}\n");
}

void JsonGenerator::GenerateEventBody(const Formatter& f, const Descriptor* event,
                                      const std::string& type, const std::string& object) const {
  BodyEmitter(f, file_).Object(event, object, "{\"type\":" + JsonStringLiteral(type),
                               Commas::kAlways);
}

bool JsonGenerator::ReadsDeprecatedFields() const {
  for (const Descriptor* message : AllMessages(file_)) {
    for (int i = 0; i < message->field_count(); ++i) {
      if (message->field(i)->options().deprecated()) return true;
    }
  }
  return false;
}

}  // namespace pubsub::codegen
