// Prints, as one JSON object, the browser JSON that the generated writers
// produce for each event's sample (EventInfo::catalogue.sample), for every
// event of the schema libraries named on the command line (default: the
// sample schema and tests/codegen's kitchen schema):
//
//   catalogue_examples [sample_schema] [codegen_test_schema] [codegen_nasty_schema]
//   {"new_comment":{"type":"new_comment","track_id":"42",...},...}
//
// validate_asyncapi.mjs compares each AsyncAPI example with this output;
// tests/typescript/check_examples.mjs compiles each against the schema's
// generated TypeScript declarations.
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "codegen_nasty_schema.schema.h"
#include "codegen_test_schema.schema.h"
#include "google/protobuf/message.h"
#include "pubsub/internal/json_writer.h"
#include "pubsub/registry.h"
#include "pubsub/schema.h"
#include "sample_schema.schema.h"

int main(int argc, char** argv) {
  const pubsub::Schema known[] = {pubsub::schemas::sample_schema(),
                                  pubsub::schemas::codegen_test_schema(),
                                  pubsub::schemas::codegen_nasty_schema()};
  std::vector<pubsub::Schema> schemas;
  for (int i = 1; i < argc; ++i) {
    const std::string_view name = argv[i];
    bool found = false;
    for (const pubsub::Schema& schema : known) {
      if (schema.name == name) {
        schemas.push_back(schema);
        found = true;
      }
    }
    if (!found) {
      std::cerr << "write_examples: unknown schema " << name << "\n";
      return 2;
    }
  }
  if (schemas.empty()) schemas = {known[0], known[1]};

  pubsub::Registry registry;
  if (absl::Status status = pubsub::RegisterSchemas(registry, schemas); !status.ok()) {
    std::cerr << "write_examples: " << status << "\n";
    return 1;
  }
  std::string out = "{";
  pubsub::internal::JsonWriter writer(out);
  for (const pubsub::EventInfo* info : registry.events()) {
    auto sample = registry.Decode(*info, info->catalogue.sample);
    if (!sample.ok()) {
      std::cerr << "write_examples: " << info->type << ": " << sample.status() << "\n";
      return 1;
    }
    if (out.size() > 1) writer.Char(',');
    writer.String(info->type);
    writer.Char(':');
    info->write_json(**sample, writer);
  }
  out += "}\n";
  std::cout << out;
  return 0;
}
