// Generator: protoc-gen-pubsub's CodeGenerator. For each .proto file x.proto
// it writes x.pubsub.h and x.pubsub.cc next to protoc's x.pb.h: typed
// publishers and subscribers per channel, a JSON writer per message, and the
// registry entries of channels and events.
//
//   protoc --plugin=protoc-gen-pubsub=... --cpp_out=OUT --pubsub_out=OUT -I ... x.proto
//
// All files of one protoc run are validated together first (type strings
// must be unique across them); any schema error fails the run and nothing is
// written. Parameters (--pubsub_opt), any other is an error:
//   schema=NAME               also write NAME.schema.h/.cc: all files of the run
//                             as one schema library (schema_generator.h);
//                             pubsub_generate() passes its TARGET; and
//                             NAME.d.ts + NAME.js: the schema for browsers
//                             (TypeScript declarations, ts_generator.h)
//   catalogue=NAME            also write the catalogue of all the run's files:
//                             NAME.asyncapi.json and NAME/<channel>.md
//                             (catalogue_generator.h; pubsub_generate passes
//                             the target's name)
//   catalogue_version=VERSION the document's info.version (default 0.0.0)
#ifndef PUBSUB_CODEGEN_GENERATOR_H_
#define PUBSUB_CODEGEN_GENERATOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "google/protobuf/compiler/code_generator.h"

namespace pubsub::codegen {

// The plugin's parameters, parsed once.
struct GeneratorOptions {
  std::string schema;     // schema=NAME; empty: no schema files
  std::string catalogue;  // empty: no catalogue files
  std::string catalogue_version = "0.0.0";
};

// Parses "key=value,key" parameters; false with `error` set for an unknown one.
bool ParseOptions(const std::string& parameter, GeneratorOptions& options, std::string& error);

class Generator final : public google::protobuf::compiler::CodeGenerator {
 public:
  bool Generate(const google::protobuf::FileDescriptor* file, const std::string& parameter,
                google::protobuf::compiler::GeneratorContext* context,
                std::string* error) const override;
  bool GenerateAll(const std::vector<const google::protobuf::FileDescriptor*>& files,
                   const std::string& parameter,
                   google::protobuf::compiler::GeneratorContext* context,
                   std::string* error) const override;
  uint64_t GetSupportedFeatures() const override { return FEATURE_PROTO3_OPTIONAL; }
};

}  // namespace pubsub::codegen

#endif  // PUBSUB_CODEGEN_GENERATOR_H_
