// The generator's naming rules (codegen/names.h), literal escaping
// (codegen/literals.h) and comments (codegen/formatter.h), on descriptors
// built in memory.
#include <string>
#include <vector>

#include "formatter.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/descriptor.pb.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "gtest/gtest.h"
#include "literals.h"
#include "names.h"

namespace {

using google::protobuf::DescriptorPool;
using google::protobuf::FileDescriptor;
using google::protobuf::FileDescriptorProto;

class NamesTest : public testing::Test {
 protected:
  const FileDescriptor* File(const std::string& name, const std::string& package) {
    FileDescriptorProto proto;
    proto.set_name(name);
    proto.set_package(package);
    proto.set_syntax("proto3");
    auto* outer = proto.add_message_type();
    outer->set_name("Outer" + std::to_string(files_++));
    outer->add_nested_type()->set_name("Inner");
    auto* field = outer->add_field();
    field->set_name("class");
    field->set_number(1);
    field->set_type(google::protobuf::FieldDescriptorProto::TYPE_STRING);
    field->set_label(google::protobuf::FieldDescriptorProto::LABEL_OPTIONAL);
    const FileDescriptor* file = pool_.BuildFile(proto);
    EXPECT_NE(file, nullptr);
    return file;
  }

  // A file of `package` declaring top-level messages `messages` (a name
  // "Outer.Inner" declares Inner inside Outer) and enums `enums`.
  const FileDescriptor* Types(const std::string& name, const std::string& package,
                              const std::vector<std::string>& messages,
                              const std::vector<std::string>& enums = {}) {
    FileDescriptorProto proto;
    proto.set_name(name);
    proto.set_package(package);
    proto.set_syntax("proto3");
    for (const std::string& message : messages) {
      const size_t dot = message.find('.');
      auto* type = proto.add_message_type();
      type->set_name(message.substr(0, dot));
      if (dot != std::string::npos) type->add_nested_type()->set_name(message.substr(dot + 1));
    }
    for (const std::string& enum_name : enums) {
      auto* type = proto.add_enum_type();
      type->set_name(enum_name);
      auto* value = type->add_value();
      value->set_name(enum_name + "_ZERO");
      value->set_number(0);
    }
    const FileDescriptor* file = pool_.BuildFile(proto);
    EXPECT_NE(file, nullptr);
    return file;
  }

  DescriptorPool pool_;
  int files_ = 0;  // message names must be unique within a package
};

TEST_F(NamesTest, OutputFilesSitNextToThePbFiles) {
  const FileDescriptor* file = File("sample/book_requests.proto", "sample");
  EXPECT_EQ(pubsub::codegen::HeaderFileName(file), "sample/book_requests.pubsub.h");
  EXPECT_EQ(pubsub::codegen::SourceFileName(file), "sample/book_requests.pubsub.cc");
  EXPECT_EQ(pubsub::codegen::ProtobufHeaderFileName(file), "sample/book_requests.pb.h");
  EXPECT_EQ(pubsub::codegen::HeaderGuard(file), "PUBSUB_GENERATED_SAMPLE_BOOK_REQUESTS_PUBSUB_H_");
  EXPECT_EQ(pubsub::codegen::RegisterFunctionName(file), "RegisterBookRequestsSchema");
}

TEST_F(NamesTest, RegisterFunctionNameCamelCasesTheStem) {
  EXPECT_EQ(pubsub::codegen::RegisterFunctionName(File("events-v2.proto", "a")),
            "RegisterEventsV2Schema");
  // Like protobuf's camel case: a letter after a digit is capitalized.
  EXPECT_EQ(pubsub::codegen::RegisterFunctionName(File("x/2fa_codes.proto", "b")),
            "Register2FaCodesSchema");
}

TEST_F(NamesTest, NamespacesAndClassesFollowProtobuf) {
  const FileDescriptor* file = File("n.proto", "acme.events");
  EXPECT_EQ(pubsub::codegen::Namespace(file), "acme::events");
  const auto* outer = file->message_type(0);  // Outer0
  EXPECT_EQ(pubsub::codegen::ClassName(outer->nested_type(0)), "Outer0_Inner");
  EXPECT_EQ(pubsub::codegen::QualifiedClassName(outer), "::acme::events::Outer0");
  EXPECT_EQ(pubsub::codegen::FieldAccessor(outer->field(0)), "class_");
  EXPECT_EQ(pubsub::codegen::PublisherClassName(outer), "Outer0Publisher");
  EXPECT_EQ(pubsub::codegen::SubscriberClassName(outer), "Outer0Subscriber");
  EXPECT_EQ(pubsub::codegen::DispatchFunctionName(outer), "DispatchOuter0");
  EXPECT_EQ(pubsub::codegen::Namespace(File("none.proto", "")), "");
}

TEST_F(NamesTest, WriteJsonIsQualifiedAcrossNamespacesOnly) {
  const FileDescriptor* a = File("a.proto", "one");
  const FileDescriptor* b = File("b.proto", "one");
  const FileDescriptor* c = File("c.proto", "two.three");
  const FileDescriptor* d = File("d.proto", "");
  EXPECT_EQ(pubsub::codegen::WriteJsonFunction(a, b), "WriteJson");
  EXPECT_EQ(pubsub::codegen::WriteJsonFunction(a, c), "::two::three::WriteJson");
  EXPECT_EQ(pubsub::codegen::WriteJsonFunction(a, d), "::WriteJson");
}

TEST_F(NamesTest, TypeScriptFilesAreNamedAfterTheSchema) {
  EXPECT_EQ(pubsub::codegen::TypeScriptDeclarationFileName("sample_schema"), "sample_schema.d.ts");
  EXPECT_EQ(pubsub::codegen::TypeScriptModuleFileName("sample_schema"), "sample_schema.js");
}

TEST_F(NamesTest, TypeScriptTypeNamesResolveCollisionsDeterministically) {
  const FileDescriptor* a = Types("a.proto", "a", {"Point", "Unique", "Outer.Inner"});
  const FileDescriptor* b = Types("b.proto", "b", {"Point", "Outer_Inner"});
  const FileDescriptor* c = Types("c.proto", "c", {"string", "Channels"}, {"Color"});
  const FileDescriptor* z = Types("z.proto", "z", {"a_Point"});
  std::vector<const google::protobuf::Descriptor*> messages;
  for (const FileDescriptor* file : {z, c, b, a}) {  // the order given does not matter
    for (int i = 0; i < file->message_type_count(); ++i) {
      messages.push_back(file->message_type(i));
      if (file->message_type(i)->nested_type_count() > 0) {
        messages.push_back(file->message_type(i)->nested_type(0));
      }
    }
  }
  const auto names = pubsub::codegen::TypeScriptTypeNames(messages, {c->enum_type(0)});
  EXPECT_EQ(names.size(), 10u);
  EXPECT_EQ(names.at("a.Unique"), "Unique");  // protobuf's C++ class name
  EXPECT_EQ(names.at("a.Outer"), "Outer");
  EXPECT_EQ(names.at("c.Color"), "Color");  // enums too
  // A class name two types share: their full names, '.' -> '_'.
  EXPECT_EQ(names.at("a.Point"), "a_Point");
  EXPECT_EQ(names.at("b.Point"), "b_Point");
  EXPECT_EQ(names.at("a.Outer.Inner"), "a_Outer_Inner");  // nested: Outer_Inner
  EXPECT_EQ(names.at("b.Outer_Inner"), "b_Outer_Inner");
  // Reserved (a built-in type, the declarations' own exports) or taken: '_'.
  EXPECT_EQ(names.at("c.string"), "string_");
  EXPECT_EQ(names.at("c.Channels"), "Channels_");
  EXPECT_EQ(names.at("z.a_Point"), "a_Point_");  // a.Point, earlier by full name, has a_Point
}

TEST(HandlerNamesTest, HandlersAndScopeParameters) {
  EXPECT_EQ(pubsub::codegen::HandlerName("new_comment"), "on_new_comment");
  EXPECT_EQ(pubsub::codegen::ScopeParameterName("track_id"), "track_id");
  EXPECT_EQ(pubsub::codegen::ScopeParameterName("bus"), "bus_");
  EXPECT_EQ(pubsub::codegen::ScopeParameterName("namespace"), "namespace_");
  // Subscribe's locals.
  EXPECT_EQ(pubsub::codegen::ScopeParameterName("topic"), "topic_");
  EXPECT_EQ(pubsub::codegen::ScopeParameterName("id"), "id_");
}

TEST(LiteralsTest, CppStringLiteralKeepsAnyBytesExact) {
  EXPECT_EQ(pubsub::codegen::CppStringLiteral("plain"), "\"plain\"");
  EXPECT_EQ(pubsub::codegen::CppStringLiteral("a\"b\\c'd"), "\"a\\\"b\\\\c'd\"");
  EXPECT_EQ(pubsub::codegen::CppStringLiteral("?\?="), "\"\\?\\?=\"");
  // Octal, never \x: "\xe9a" would read as one escape.
  EXPECT_EQ(pubsub::codegen::CppStringLiteral("\xe9"
                                              "a\n"),
            "\"\\351a\\n\"");
  EXPECT_EQ(pubsub::codegen::CppStringLiteral(std::string("\0"
                                                          "1",
                                                          2)),
            "\"\\0001\"");
  EXPECT_EQ(pubsub::codegen::CppCharLiteral('"'), "'\"'");
  EXPECT_EQ(pubsub::codegen::CppCharLiteral('\''), "'\\''");
}

TEST(LiteralsTest, JsonStringLiteralEscapesLikeTheRuntime) {
  EXPECT_EQ(pubsub::codegen::JsonStringLiteral("pending"), "\"pending\"");
  EXPECT_EQ(pubsub::codegen::JsonStringLiteral("q\"b\\\n\x01"), "\"q\\\"b\\\\\\n\\u0001\"");
  EXPECT_EQ(pubsub::codegen::JsonStringLiteral("\xe2\x80\xa8\xe2\x80\xa9 \xc3\xa9"),
            "\"\\u2028\\u2029 \xc3\xa9\"");
}

TEST(LiteralsTest, Utf8Validation) {
  EXPECT_TRUE(pubsub::codegen::IsValidUtf8("ascii \xc3\xa9 \xf0\x9f\x98\x80"));
  EXPECT_FALSE(pubsub::codegen::IsValidUtf8("\xc3"));              // truncated
  EXPECT_FALSE(pubsub::codegen::IsValidUtf8("\xc0\xaf"));          // overlong
  EXPECT_FALSE(pubsub::codegen::IsValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(pubsub::codegen::IsValidUtf8("\xf4\x90\x80\x80"));  // beyond U+10FFFF
}

TEST(HandlerNamesTest, KeywordsProtobufEscapes) {
  EXPECT_TRUE(pubsub::codegen::IsCppKeyword("class"));
  EXPECT_TRUE(pubsub::codegen::IsCppKeyword("co_await"));
  EXPECT_FALSE(pubsub::codegen::IsCppKeyword("import"));  // contextual only
  EXPECT_TRUE(pubsub::codegen::ProtobufEscapesKeyword("class"));
  EXPECT_TRUE(pubsub::codegen::ProtobufEscapesKeyword("NULL"));
  EXPECT_FALSE(pubsub::codegen::ProtobufEscapesKeyword("requires"));
  EXPECT_FALSE(pubsub::codegen::ProtobufEscapesKeyword("char16_t"));
  EXPECT_FALSE(pubsub::codegen::ProtobufEscapesKeyword("plain"));
}

std::string Commented(std::string_view text) {
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::Printer printer(&stream, '$');
    pubsub::codegen::Formatter(&printer).Comment(text);
  }
  return out;
}

// Whatever a .proto comment holds, every line of it stays a // comment line
// that does not splice the next line into itself.
TEST(FormatterTest, CommentsStayComments) {
  EXPECT_EQ(Commented(" plain $x$ */ /*\n"), "// plain $x$ */ /*\n");
  EXPECT_EQ(Commented("ends in \\\n"), "// ends in \\ .\n");
  EXPECT_EQ(Commented("ends in \\\t \f\nnext"), "// ends in \\ .\n// next\n");
  EXPECT_EQ(Commented("lone\rcarriage return"), "// lone\n// carriage return\n");
  EXPECT_EQ(Commented("crlf\r\nline\r\n\r\n"), "// crlf\n// line\n");
  EXPECT_EQ(Commented("a\n\n b"), "// a\n//\n// b\n");
}

}  // namespace
