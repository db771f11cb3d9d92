// SchemaGenerator: with --pubsub_opt=schema=NAME, the files NAME.schema.h and
// NAME.schema.cc: every file of the protoc run as one schema library, for
// programs that serve or validate its events (pubsub::RegisterSchemas, and
// the gateway and CLI that pubsub_add_gateway / pubsub_add_cli build).
//
//   // NAME.schema.h
//   namespace pubsub::schemas {
//   const ::pubsub::Schema& NAME();   // {"NAME", registers every file}
//   }
#ifndef PUBSUB_CODEGEN_SCHEMA_GENERATOR_H_
#define PUBSUB_CODEGEN_SCHEMA_GENERATOR_H_

#include <string>
#include <vector>

#include "formatter.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/printer.h"

namespace pubsub::codegen {

class SchemaGenerator {
 public:
  // `files` are the run's files; NAME must pass IsValidSchemaName.
  SchemaGenerator(std::string name,
                  const std::vector<const google::protobuf::FileDescriptor*>& files);

  void GenerateHeader(google::protobuf::io::Printer* printer) const;
  void GenerateSource(google::protobuf::io::Printer* printer) const;

 private:
  void GenerateBanner(const Formatter& f) const;

  const std::string name_;
  // Imported files before the files that import them: an event's channel is
  // registered before the event.
  std::vector<const google::protobuf::FileDescriptor*> files_;
};

}  // namespace pubsub::codegen

#endif  // PUBSUB_CODEGEN_SCHEMA_GENERATOR_H_
