// Prints, as one JSON object, the browser JSON that the generated writers
// produce for each event's sample (EventInfo::catalogue.sample), for every
// event of the sample schema and of tests/codegen's kitchen schema:
//
//   {"new_comment":{"type":"new_comment","track_id":"42",...},...}
//
// validate_asyncapi.mjs compares each AsyncAPI example with this output.
#include <iostream>
#include <string>

#include "book_requests.pubsub.h"
#include "broadcasts.pubsub.h"
#include "codegen_test/catalogue.pubsub.h"
#include "codegen_test/imports_channel.pubsub.h"
#include "codegen_test/kitchen.pubsub.h"
#include "codegen_test/types.pubsub.h"
#include "comments.pubsub.h"
#include "forum.pubsub.h"
#include "notifications.pubsub.h"
#include "pubsub/internal/json_writer.h"
#include "pubsub/registry.h"

namespace {

absl::Status RegisterAll(pubsub::Registry& registry) {
  for (auto* add :
       {&sample::RegisterBroadcastsSchema, &sample::RegisterCommentsSchema,
        &sample::RegisterForumSchema, &sample::RegisterBookRequestsSchema,
        &sample::RegisterNotificationsSchema, &codegen_test::types::RegisterTypesSchema,
        &codegen_test::RegisterKitchenSchema, &codegen_test::more::RegisterImportsChannelSchema,
        &codegen_test::catalogue::RegisterCatalogueSchema}) {
    if (absl::Status status = add(registry); !status.ok()) return status;
  }
  return absl::OkStatus();
}

}  // namespace

int main() {
  pubsub::Registry registry;
  if (absl::Status status = RegisterAll(registry); !status.ok()) {
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
