// FileGenerator: the x.pubsub.h / x.pubsub.cc pair of one .proto file. It
// owns one generator per kind of thing in the file (JSON writers, events,
// channels) and lays their parts out: banner, includes, namespace,
// declarations or definitions, the registration function, then the
// EventTraits/ChannelTraits specializations in namespace pubsub.
//
//   FileGenerator generator(file, schema);
//   generator.GenerateHeader(&header_printer);
//   generator.GenerateSource(&source_printer);
#ifndef PUBSUB_CODEGEN_FILE_GENERATOR_H_
#define PUBSUB_CODEGEN_FILE_GENERATOR_H_

#include <memory>
#include <string>
#include <vector>

#include "channel_generator.h"
#include "event_generator.h"
#include "formatter.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/io/printer.h"
#include "json_generator.h"
#include "schema.h"

namespace pubsub::codegen {

class FileGenerator {
 public:
  // `schema` must have passed validation.
  FileGenerator(const google::protobuf::FileDescriptor* file, const Schema& schema);

  void GenerateHeader(google::protobuf::io::Printer* printer) const;
  void GenerateSource(google::protobuf::io::Printer* printer) const;

 private:
  void GenerateBanner(const Formatter& f) const;
  void GenerateHeaderIncludes(const Formatter& f) const;
  void GenerateSourceIncludes(const Formatter& f) const;
  void GenerateNamespaceOpen(const Formatter& f) const;
  void GenerateNamespaceClose(const Formatter& f) const;
  void GenerateRegisterDeclaration(const Formatter& f) const;
  void GenerateRegisterDefinition(const Formatter& f) const;
  // Files whose generated .pubsub.h this file's code calls into.
  std::vector<const google::protobuf::FileDescriptor*> GeneratedDependencies() const;

  const google::protobuf::FileDescriptor* file_;
  std::vector<const Channel*> channels_;
  std::vector<const Event*> events_;
  JsonGenerator json_;
  std::vector<EventGenerator> event_generators_;
  std::vector<ChannelGenerator> channel_generators_;
};

}  // namespace pubsub::codegen

#endif  // PUBSUB_CODEGEN_FILE_GENERATOR_H_
