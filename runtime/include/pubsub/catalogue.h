// Catalogue: the documents that tell a schema's users what its channels carry,
// assembled from the registry entries generated code already holds
// (ChannelInfo, and EventInfo::catalogue: each event's JSON Schema, a sample
// event and the generated writer's JSON of it).
//
// There is one assembler for both places a catalogue appears:
// protoc-gen-pubsub writes a schema's documents as files (option
// catalogue=NAME: NAME.asyncapi.json and NAME/<channel>.md), and the gateway
// serves the AsyncAPI document of the schemas it registered at
// GET /api/schema. Both call the functions below, so they cannot drift.
//
//   pubsub::Registry registry;
//   sample::RegisterCommentsSchema(registry);
//   const pubsub::CatalogueInfo info{.title = "sample", .version = "1.2.0"};
//   std::string asyncapi = pubsub::WriteAsyncApi(registry, info);
//   std::string page = pubsub::WriteChannelMarkdown(
//       *registry.FindChannel("track_comments"), registry.events(), info);
//
// The AsyncAPI 3.0 document describes the gateway's side: per channel, its
// WebSocket address (with the scope as a parameter, "/ws/comments/{track_id}"),
// access rule (in the description and as x-pubsub-access) and a `send`
// operation secured by a JWT; per event, a message whose payload is the JSON
// Schema of exactly what the generated writer emits and whose example is the
// writer's JSON of the sample event. Output is deterministic: channels in
// name order, events in type order, schemas in name order, whatever the
// registration order; the text is pretty-printed JSON ending in a newline.
//
// Thread-safety: pure functions of their arguments.
#ifndef PUBSUB_CATALOGUE_H_
#define PUBSUB_CATALOGUE_H_

#include <span>
#include <string>
#include <string_view>

#include "pubsub/registry.h"

namespace pubsub {

// The document's own facts (AsyncAPI's `info`).
struct CatalogueInfo {
  std::string_view title;    // "sample", "pubsub-gateway"
  std::string_view version;  // the schema's version, free text: "1.2.0"
  // Prepended to the description of the JSON contract; may be empty.
  std::string_view description = {};
};

// The AsyncAPI 3.0.0 document (JSON) of `channels` and `events`. An event
// whose channel is not among `channels` is left out. Only the catalogue facts
// of the entries are read (names, path, scope, access, role, description,
// EventInfo::catalogue): their function pointers may be null.
std::string WriteAsyncApi(std::span<const ChannelInfo* const> channels,
                          std::span<const EventInfo* const> events, const CatalogueInfo& info);
// The document of every channel and event of `registry`.
std::string WriteAsyncApi(const Registry& registry, const CatalogueInfo& info);

// The Markdown page of `channel`: its address, scope and access rule, then
// each of its events (those of `events` on `channel`) with its description
// and its example JSON, pretty-printed.
std::string WriteChannelMarkdown(const ChannelInfo& channel,
                                 std::span<const EventInfo* const> events,
                                 const CatalogueInfo& info);

namespace internal {

// Re-indents compact JSON text (two spaces per level; arrays of scalars, and
// objects of scalars up to 72 characters, on one line), keeping every token.
// `json` must be valid JSON; other input gives unspecified text, never
// undefined behaviour.
std::string PrettyJson(std::string_view json);

}  // namespace internal
}  // namespace pubsub

#endif  // PUBSUB_CATALOGUE_H_
