#include "generator.h"

#include <memory>
#include <utility>

#include "catalogue_generator.h"
#include "file_generator.h"
#include "google/protobuf/io/printer.h"
#include "google/protobuf/io/zero_copy_stream.h"
#include "names.h"
#include "schema.h"
#include "schema_generator.h"
#include "ts_generator.h"
#include "validator.h"

namespace pubsub::codegen {

using google::protobuf::FileDescriptor;
using google::protobuf::compiler::GeneratorContext;

namespace {

// A file name stem: "sample", "my_events-v2".
bool IsCatalogueName(const std::string& name) {
  if (name.empty() || name.front() == '.') return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-' || c == '.' || c == '+';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

bool ParseOptions(const std::string& parameter, GeneratorOptions& options, std::string& error) {
  std::vector<std::pair<std::string, std::string>> pairs;
  google::protobuf::compiler::ParseGeneratorParameter(parameter, &pairs);
  bool has_version = false;
  for (const auto& [key, value] : pairs) {
    if (key == "schema") {
      if (!IsValidSchemaName(value)) {
        error = "schema=" + value +
                ": a schema name must be a C++ identifier (letters, digits, '_'), not a keyword";
        return false;
      }
      options.schema = value;
    } else if (key == "catalogue") {
      if (!IsCatalogueName(value)) {
        error = "catalogue=\"" + value +
                "\": the name must be letters, digits, '_', '-', '.' or '+', not starting with '.'";
        return false;
      }
      options.catalogue = value;
    } else if (key == "catalogue_version") {
      if (value.empty()) {
        error = "catalogue_version: the version must not be empty";
        return false;
      }
      options.catalogue_version = value;
      has_version = true;
    } else {
      error = "unknown option \"" + key +
              "\" (protoc-gen-pubsub takes schema=NAME, catalogue=NAME and "
              "catalogue_version=VERSION)";
      return false;
    }
  }
  if (has_version && options.catalogue.empty()) {
    error = "catalogue_version needs catalogue=NAME";
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
    // The same schema for the browser: TypeScript declarations and a module.
    const TypeScriptGenerator typescript(schema, options.schema);
    for (const auto& [file_name, text] :
         {std::pair(TypeScriptDeclarationFileName(options.schema), typescript.Declarations()),
          std::pair(TypeScriptModuleFileName(options.schema), typescript.Module())}) {
      std::unique_ptr<google::protobuf::io::ZeroCopyOutputStream> output(context->Open(file_name));
      google::protobuf::io::Printer printer(output.get(), '$');
      printer.PrintRaw(text);
    }
  }
  if (!options.catalogue.empty()) {
    WriteCatalogue(schema, options.catalogue, options.catalogue_version, context);
  }
  return true;
}

}  // namespace pubsub::codegen
