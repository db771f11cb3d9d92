// CatalogueGenerator: the catalogue's two outputs in the generator.
//
// 1. In every x.pubsub.cc, the facts of each registry entry (catalogue_facts.h):
//    ChannelInfo::description and EventInfo::catalogue, so that a program
//    that registers the schema can describe it (the gateway's GET /api/schema).
//
//      EventCatalogueGenerator catalogue(event);
//      catalogue.GenerateDefinitions(f);   // static constexpr SchemaDefinition kDefinitions[]
//      ... "static const EventInfo info = {" ...
//      catalogue.GenerateInitializer(f);   // .catalogue = {...},
//
// 2. With the option catalogue=NAME, the documents of all the files of the
//    protoc run, assembled by the runtime's pubsub/catalogue.h from the same
//    facts: NAME.asyncapi.json and NAME/<channel>.md per channel.
#ifndef PUBSUB_CODEGEN_CATALOGUE_GENERATOR_H_
#define PUBSUB_CODEGEN_CATALOGUE_GENERATOR_H_

#include <string>

#include "catalogue_facts.h"
#include "formatter.h"
#include "google/protobuf/compiler/code_generator.h"
#include "schema.h"

namespace pubsub::codegen {

class EventCatalogueGenerator {
 public:
  explicit EventCatalogueGenerator(const Event& event) : facts_(ComputeEventFacts(event)) {}

  // At the top of EventTraits<E>::Info(): the named schemas the payload
  // refers to, when there are any.
  void GenerateDefinitions(const Formatter& f) const;
  // Inside the EventInfo initializer: `.catalogue = {...},`.
  void GenerateInitializer(const Formatter& f) const;

 private:
  EventFacts facts_;
};

// The C++ literal of a channel's ChannelInfo::description.
std::string ChannelDescriptionLiteral(const Channel& channel);

// The catalogue's file names: "sample.asyncapi.json", "sample/track_comments.md".
std::string AsyncApiFileName(const std::string& catalogue);
std::string ChannelPageFileName(const std::string& catalogue, const std::string& channel);

// Writes the catalogue `name` (version `version`) of the files `schema` was
// built from: their channels (and those their events are published on) and
// their events. `schema` must have passed validation.
void WriteCatalogue(const Schema& schema, const std::string& name, const std::string& version,
                    google::protobuf::compiler::GeneratorContext* context);

}  // namespace pubsub::codegen

#endif  // PUBSUB_CODEGEN_CATALOGUE_GENERATOR_H_
