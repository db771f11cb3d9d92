#include "generator.h"

#include <memory>
#include <utility>

#include "file_generator.h"
#include "google/protobuf/io/printer.h"
#include "google/protobuf/io/zero_copy_stream.h"
#include "names.h"
#include "schema.h"
#include "schema_generator.h"
#include "validator.h"

namespace pubsub::codegen {

using google::protobuf::FileDescriptor;
using google::protobuf::compiler::GeneratorContext;

bool ParseOptions(const std::string& parameter, GeneratorOptions& options, std::string& error) {
  std::vector<std::pair<std::string, std::string>> pairs;
  google::protobuf::compiler::ParseGeneratorParameter(parameter, &pairs);
  for (const auto& [key, value] : pairs) {
    if (key == "schema") {
      if (!IsValidSchemaName(value)) {
        error = "schema=" + value +
                ": a schema name must be a C++ identifier (letters, digits, '_'), not a keyword";
        return false;
      }
      options.schema = value;
    } else {
      error = "unknown option \"" + key + "\" (protoc-gen-pubsub knows: schema=NAME)";
      return false;
    }
  }
  return true;
}

bool Generator::Generate(const FileDescriptor* file, const std::string& parameter,
                         GeneratorContext* context, std::string* error) const {
  return GenerateAll({file}, parameter, context, error);
}

bool Generator::GenerateAll(const std::vector<const FileDescriptor*>& files,
                            const std::string& parameter, GeneratorContext* context,
                            std::string* error) const {
  GeneratorOptions options;
  if (!ParseOptions(parameter, options, *error)) return false;

  const Schema schema = Schema::Build(files);
  if (std::vector<std::string> errors = Validate(schema); !errors.empty()) {
    error->clear();
    for (const std::string& line : errors) {
      if (!error->empty()) error->push_back('\n');
      error->append(line);
    }
    return false;
  }

  for (const FileDescriptor* file : files) {
    FileGenerator generator(file, schema);
    {
      std::unique_ptr<google::protobuf::io::ZeroCopyOutputStream> output(
          context->Open(HeaderFileName(file)));
      google::protobuf::io::Printer printer(output.get(), '$');
      generator.GenerateHeader(&printer);
    }
    {
      std::unique_ptr<google::protobuf::io::ZeroCopyOutputStream> output(
          context->Open(SourceFileName(file)));
      google::protobuf::io::Printer printer(output.get(), '$');
      generator.GenerateSource(&printer);
    }
  }
  if (!options.schema.empty()) {
    SchemaGenerator generator(options.schema, files);
    {
      std::unique_ptr<google::protobuf::io::ZeroCopyOutputStream> output(
          context->Open(SchemaHeaderFileName(options.schema)));
      google::protobuf::io::Printer printer(output.get(), '$');
      generator.GenerateHeader(&printer);
    }
    {
      std::unique_ptr<google::protobuf::io::ZeroCopyOutputStream> output(
          context->Open(SchemaSourceFileName(options.schema)));
      google::protobuf::io::Printer printer(output.get(), '$');
      generator.GenerateSource(&printer);
    }
  }
  return true;
}

}  // namespace pubsub::codegen
