// ChannelGenerator: what one channel message gets: its ChannelTraits
// specialization (the ChannelInfo table), a typed publisher that accepts only
// the channel's events, and a typed subscriber with one handler per event.
//
//   sample::TrackCommentsPublisher comments(publisher);
//   comments.Publish(new_comment);                     // compiles
//   comments.Publish(new_broadcast);                   // does not: no overload
//   auto sub = sample::TrackCommentsSubscriber::Subscribe(bus, "42", {.on_new_comment = ...});
//
// The typed classes know the channel's events declared in the channel's own
// file. An event declared in a file that imports the channel's file is
// published with ::pubsub::Publisher and EventTraits<E>::Info() (the typed
// classes of a file cannot name what only its importers declare).
#ifndef PUBSUB_CODEGEN_CHANNEL_GENERATOR_H_
#define PUBSUB_CODEGEN_CHANNEL_GENERATOR_H_

#include <vector>

#include "formatter.h"
#include "schema.h"

namespace pubsub::codegen {

class ChannelGenerator {
 public:
  // `events`: the channel's events declared in its file, in declaration order.
  ChannelGenerator(const Channel& channel, std::vector<const Event*> events)
      : channel_(channel), events_(std::move(events)) {}

  // Header, package namespace: the publisher and subscriber classes.
  void GenerateDeclarations(const Formatter& f) const;
  // Source, anonymous namespace: the subscriber's envelope dispatcher.
  void GenerateHelpers(const Formatter& f) const;
  // Source, package namespace: the classes' member functions.
  void GenerateDefinitions(const Formatter& f) const;
  // Header / source, namespace pubsub: ChannelTraits.
  void GenerateTraitsDeclaration(const Formatter& f) const;
  void GenerateTraitsDefinition(const Formatter& f) const;

 private:
  Formatter WithVars(const Formatter& f) const;
  bool IsPersonal() const;
  bool IsScoped() const;
  void GeneratePublisherDeclaration(const Formatter& f) const;
  void GenerateSubscriberDeclaration(const Formatter& f) const;
  void GeneratePublisherDefinitions(const Formatter& f) const;
  void GenerateSubscriberDefinition(const Formatter& f) const;

  const Channel& channel_;
  std::vector<const Event*> events_;
};

}  // namespace pubsub::codegen

#endif  // PUBSUB_CODEGEN_CHANNEL_GENERATOR_H_
