#include "generator.h"

#include <memory>
#include <utility>

#include "file_generator.h"
#include "google/protobuf/io/printer.h"
#include "google/protobuf/io/zero_copy_stream.h"
#include "names.h"
#include "schema.h"
#include "validator.h"

namespace pubsub::codegen {

using google::protobuf::FileDescriptor;
using google::protobuf::compiler::GeneratorContext;

bool ParseOptions(const std::string& parameter, GeneratorOptions& options, std::string& error) {
  std::vector<std::pair<std::string, std::string>> pairs;
  google::protobuf::compiler::ParseGeneratorParameter(parameter, &pairs);
  // No options are defined yet: every key is unknown.
  static_cast<void>(options);
  if (!pairs.empty()) {
    error = "unknown option \"" + pairs.front().first + "\" (protoc-gen-pubsub takes no options)";
    return false;
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
  return true;
}

}  // namespace pubsub::codegen
