// Compile-time links from generated message classes to their schema entries.
// Generated code specializes these for every channel and event message:
//
//   const pubsub::EventInfo& info = pubsub::EventTraits<sample::NewComment>::Info();
//   using Channel = pubsub::EventTraits<sample::NewComment>::Channel;  // sample::TrackComments
//   const pubsub::ChannelInfo& ch = pubsub::ChannelTraits<Channel>::Info();
#ifndef PUBSUB_EVENT_TRAITS_H_
#define PUBSUB_EVENT_TRAITS_H_

#include "pubsub/registry.h"

namespace pubsub {

// Specialized for each event message E: `static const EventInfo& Info();`
// and `using Channel = <the channel's message class>;`.
template <class E>
struct EventTraits;

// Specialized for each channel message C: `static const ChannelInfo& Info();`.
template <class C>
struct ChannelTraits;

}  // namespace pubsub

#endif  // PUBSUB_EVENT_TRAITS_H_
