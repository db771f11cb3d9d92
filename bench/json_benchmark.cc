// The generated JSON writers against protobuf's reflective JSON printer, on
// each sample event (issue 2, "Must show" 4), plus the envelope work around
// them. Not a test: run it by hand (see bench/CMakeLists.txt).
//
//   build/bench/json_benchmark --benchmark_filter='NewComment'
#include <benchmark/benchmark.h>
#include <google/protobuf/util/json_util.h>

#include "book_requests.pubsub.h"
#include "broadcasts.pubsub.h"
#include "comments.pubsub.h"
#include "forum.pubsub.h"
#include "notifications.pubsub.h"
#include "pubsub/envelope.pb.h"
#include "pubsub/registry.h"
#include "pubsub/subscription.h"

namespace sample {
namespace {

constexpr int64_t kNov25At10 = 1795600800;  // 2026-11-25T10:00:00Z

// Realistic sample events: short texts, one with escapes and non-ASCII.
NewBroadcast MakeNewBroadcast() {
  NewBroadcast e;
  auto* d = e.mutable_data();
  d->set_id(1042);
  d->set_title("Maintenance tonight");
  d->set_content("The site will be read-only from 22:00 to 22:30 UTC. Thanks for your patience!");
  d->set_author("admin");
  d->mutable_created_at()->set_seconds(kNov25At10);
  return e;
}

NewComment MakeNewComment() {
  NewComment e;
  e.set_track_id("42");
  auto* d = e.mutable_data();
  d->set_id(7);
  d->set_content("Love the bass line at 0:12 \u2014 \"so good\" \U0001F3B8");
  d->set_author("ann");
  d->set_timestamp(12.5);
  d->mutable_created_at()->set_seconds(kNov25At10);
  d->mutable_created_at()->set_nanos(250000000);
  return e;
}

CommentUpdated MakeCommentUpdated() {
  CommentUpdated e;
  e.set_track_id("42");
  e.mutable_data()->set_id(7);
  e.mutable_data()->set_content("Love the bass line at 0:12");
  return e;
}

CommentDeleted MakeCommentDeleted() {
  CommentDeleted e;
  e.set_track_id("42");
  e.mutable_data()->set_id(7);
  return e;
}

NewPost MakeNewPost() {
  NewPost e;
  e.set_thread_id("9");
  auto* d = e.mutable_data();
  d->set_id(31337);
  d->set_content("Has anyone tried the new mixing preset?\nIt sounds great on headphones.");
  d->set_author("bob");
  d->mutable_created_at()->set_seconds(kNov25At10);
  return e;
}

RequestCreated MakeRequestCreated() {
  RequestCreated e;
  e.mutable_data()->set_id(5);
  e.mutable_data()->set_title("Dune");
  e.mutable_data()->set_status(REQUEST_STATUS_PENDING);
  return e;
}

StatusUpdated MakeStatusUpdated() {
  StatusUpdated e;
  e.mutable_data()->set_id(5);
  e.mutable_data()->set_status(REQUEST_STATUS_APPROVED);
  e.mutable_data()->set_message("Your request 'Dune' is now approved");
  return e;
}

NewRequest MakeNewRequest() {
  NewRequest e;
  e.mutable_data()->set_id(5);
  e.mutable_data()->set_title("Dune");
  e.mutable_data()->set_user("carol");
  e.mutable_data()->mutable_created_at()->set_seconds(kNov25At10);
  return e;
}

RequestUpdated MakeRequestUpdated() {
  RequestUpdated e;
  e.mutable_data()->set_id(5);
  e.mutable_data()->set_status(REQUEST_STATUS_FULFILLED);
  return e;
}

PrivateMessage MakePrivateMessage() {
  PrivateMessage e;
  e.set_text("Your export is ready to download.");
  return e;
}

TeamNotification MakeTeamNotification() {
  TeamNotification e;
  e.set_text("Standup in 5 minutes");
  return e;
}

// The generated writer, as the gateway calls it (through the registry entry).
template <class E, E (*Make)()>
void BM_Generated(benchmark::State& state) {
  const E event = Make();
  const pubsub::EventInfo& info = pubsub::EventTraits<E>::Info();
  size_t bytes = 0;
  for (auto _ : state) {
    std::string json = pubsub::Registry::RenderJson(info, event);
    bytes += json.size();
    benchmark::DoNotOptimize(json);
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

// protobuf's MessageToJsonString with the options closest to our JSON
// (proto field names, defaults written).
template <class E, E (*Make)()>
void BM_Protobuf(benchmark::State& state) {
  const E event = Make();
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  size_t bytes = 0;
  for (auto _ : state) {
    std::string json;
    if (!google::protobuf::util::MessageToJsonString(event, &json, options).ok()) {
      state.SkipWithError("MessageToJsonString failed");
      break;
    }
    bytes += json.size();
    benchmark::DoNotOptimize(json);
  }
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

#define PUBSUB_JSON_BENCHMARKS(Event)                                               \
  BENCHMARK_TEMPLATE(BM_Generated, Event, &Make##Event)->Name("Generated/" #Event); \
  BENCHMARK_TEMPLATE(BM_Protobuf, Event, &Make##Event)->Name("Protobuf/" #Event)

PUBSUB_JSON_BENCHMARKS(NewBroadcast);
PUBSUB_JSON_BENCHMARKS(NewComment);
PUBSUB_JSON_BENCHMARKS(CommentUpdated);
PUBSUB_JSON_BENCHMARKS(CommentDeleted);
PUBSUB_JSON_BENCHMARKS(NewPost);
PUBSUB_JSON_BENCHMARKS(RequestCreated);
PUBSUB_JSON_BENCHMARKS(StatusUpdated);
PUBSUB_JSON_BENCHMARKS(NewRequest);
PUBSUB_JSON_BENCHMARKS(RequestUpdated);
PUBSUB_JSON_BENCHMARKS(PrivateMessage);
PUBSUB_JSON_BENCHMARKS(TeamNotification);

std::string MakeEnvelope() {
  pubsub::Envelope envelope;
  envelope.set_id("5f0c2a9e41d3b7c8-123456");
  envelope.set_publish_time_unix_nanos(kNov25At10 * 1000000000);
  envelope.set_type("new_comment");
  envelope.set_topic("track_comments:42");
  envelope.set_payload(MakeNewComment().SerializeAsString());
  return envelope.SerializeAsString();
}

// What a publisher does per event: serialize the payload, build and
// serialize the envelope.
void BM_EnvelopeEncode(benchmark::State& state) {
  const NewComment event = MakeNewComment();
  for (auto _ : state) {
    pubsub::Envelope envelope;
    envelope.set_id("5f0c2a9e41d3b7c8-123456");
    envelope.set_publish_time_unix_nanos(kNov25At10 * 1000000000);
    envelope.set_type("new_comment");
    envelope.set_topic("track_comments:42");
    event.SerializeToString(envelope.mutable_payload());
    std::string bytes = envelope.SerializeAsString();
    benchmark::DoNotOptimize(bytes);
  }
}
BENCHMARK(BM_EnvelopeEncode)->Name("Envelope/Encode");

// What a subscriber does per event: split the envelope, find the type,
// decode the payload.
void BM_EnvelopeDecode(benchmark::State& state) {
  pubsub::Registry registry;
  if (!RegisterCommentsSchema(registry).ok()) state.SkipWithError("registration failed");
  const std::string bytes = MakeEnvelope();
  for (auto _ : state) {
    std::string type, payload;
    pubsub::EventMeta meta;
    if (!pubsub::internal::DecodeEnvelope("track_comments:42", bytes, type, payload, meta)) {
      state.SkipWithError("DecodeEnvelope failed");
      break;
    }
    auto message = registry.Decode(*registry.FindEvent(type), payload);
    benchmark::DoNotOptimize(message);
  }
}
BENCHMARK(BM_EnvelopeDecode)->Name("Envelope/Decode");

// The gateway's whole per-event path before fan-out: envelope bytes in,
// browser JSON out (rendered once, shared by every socket).
void BM_EnvelopeToJson(benchmark::State& state) {
  pubsub::Registry registry;
  if (!RegisterCommentsSchema(registry).ok()) state.SkipWithError("registration failed");
  const std::string bytes = MakeEnvelope();
  for (auto _ : state) {
    std::string type, payload;
    pubsub::EventMeta meta;
    pubsub::internal::DecodeEnvelope("track_comments:42", bytes, type, payload, meta);
    const pubsub::EventInfo* info = registry.FindEvent(type);
    auto message = registry.Decode(*info, payload);
    std::string json = pubsub::Registry::RenderJson(*info, **message);
    benchmark::DoNotOptimize(json);
  }
}
BENCHMARK(BM_EnvelopeToJson)->Name("Envelope/DecodeAndRender");

}  // namespace
}  // namespace sample

BENCHMARK_MAIN();
