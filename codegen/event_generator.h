// EventGenerator: what one event message gets beside its JSON writer: the
// browser-JSON functions and its EventTraits specialization (the registry
// entry: type string, channel, descriptor, decode, scope value, render).
//
//   void WriteEventJson(const NewComment& event, ::pubsub::internal::JsonWriter& writer);
//   std::string RenderJson(const NewComment& event);   // {"type":"new_comment",...}
//   template <> struct pubsub::EventTraits<sample::NewComment> { ... };
#ifndef PUBSUB_CODEGEN_EVENT_GENERATOR_H_
#define PUBSUB_CODEGEN_EVENT_GENERATOR_H_

#include "formatter.h"
#include "json_generator.h"
#include "schema.h"

namespace pubsub::codegen {

class EventGenerator {
 public:
  EventGenerator(const Event& event, const JsonGenerator& json) : event_(event), json_(json) {}

  // In the package namespace.
  void GenerateDeclarations(const Formatter& f) const;
  void GenerateDefinitions(const Formatter& f) const;
  // In namespace pubsub.
  void GenerateTraitsDeclaration(const Formatter& f) const;
  void GenerateTraitsDefinition(const Formatter& f) const;

 private:
  Formatter WithVars(const Formatter& f) const;

  const Event& event_;
  const JsonGenerator& json_;
};

}  // namespace pubsub::codegen

#endif  // PUBSUB_CODEGEN_EVENT_GENERATOR_H_
