// GrpcServer in-process on 127.0.0.1:0, through a real gRPC channel and the
// generated stub: how requests become events (the registry's one parser and
// Unpack), and that an exception in a handler or a callback ends only that
// call, with INTERNAL, and is counted, while the server keeps serving.
#include "server/grpc/grpc_server.h"

#include <google/protobuf/any.pb.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "comments.pb.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pubsub/bus.h"
#include "pubsub/publisher.grpc.pb.h"
#include "pubsub/publisher.h"
#include "sample_schema.schema.h"

namespace pubsub::gateway {
namespace {

namespace v1 = pubsub::v1;
using ::testing::HasSubstr;

constexpr char kKey[] = "test-key";

// A bus that takes every message at once (and has an empty history), except
// on two topics: "track_comments:boom" throws before taking the message (or
// reading its history), and
// "track_comments:late" takes it (the call completes) and then throws.
class ThrowingBus final : public Bus {
 public:
  void Publish(std::string_view topic, std::string, DoneCallback done) override {
    if (topic == "track_comments:boom") throw std::runtime_error("the bus exploded");
    published_.fetch_add(1);
    if (done) done(absl::OkStatus());
    if (topic == "track_comments:late") throw std::runtime_error("the bus exploded late");
  }
  void PublishStored(std::string_view topic, std::string envelope, const HistoryPolicy&,
                     StoredCallback done) override {
    Publish(topic, std::move(envelope), [&done](absl::Status status) {
      if (!done) return;
      if (status.ok()) {
        done(Position{"e", 1});
      } else {
        done(status);
      }
    });
  }
  void ReadHistory(std::string_view topic, const HistoryPolicy&, uint64_t, size_t,
                   HistoryCallback done) override {
    if (topic == "track_comments:boom") throw std::runtime_error("the history exploded");
    done(HistoryRead{.epoch = "e", .first_seq = 0, .last_seq = 0, .envelopes = {}});
  }
  SubscriptionId Subscribe(std::string_view, MessageHandler, DoneCallback ready) override {
    if (ready) ready(absl::OkStatus());
    return 1;
  }
  void Unsubscribe(SubscriptionId) override {}
  bool IsReady() const override { return true; }
  std::string Describe() const override { return "throwing"; }

  int published() const { return published_.load(); }

 private:
  std::atomic<int> published_{0};
};

v1::PublishRequest Comment(std::string_view track, int id) {
  v1::PublishRequest request;
  request.mutable_json()->set_type("new_comment");
  request.mutable_json()->set_json(R"({"track_id":")" + std::string(track) + R"(","data":{"id":)" +
                                   std::to_string(id) + "}}");
  return request;
}

class GrpcServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(schemas::sample_schema().register_all(registry_).ok());
    server_ = std::make_unique<GrpcServer>(
        registry_, publisher_, GrpcServerOptions{.key_policy = {.key = kKey}, .on_publish = {}});
    auto port = server_->Start("127.0.0.1:0");
    ASSERT_TRUE(port.ok()) << port.status();
    stub_ = v1::Publisher::NewStub(
        ::grpc::CreateChannel(server_->address(), ::grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (server_) server_->Shutdown(std::chrono::system_clock::now());
  }

  std::unique_ptr<::grpc::ClientContext> Context() {
    auto context = std::make_unique<::grpc::ClientContext>();
    context->AddMetadata("authorization", absl::StrCat("Bearer ", kKey));
    context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
    return context;
  }

  ::grpc::Status Publish(const v1::PublishRequest& request, v1::PublishReply* reply = nullptr) {
    v1::PublishReply ignored;
    return stub_->Publish(Context().get(), request, reply != nullptr ? reply : &ignored);
  }

  ::grpc::Status PublishStream(const std::vector<v1::PublishRequest>& requests,
                               v1::PublishStreamReply& reply) {
    auto context = Context();
    auto writer = stub_->PublishStream(context.get(), &reply);
    for (const v1::PublishRequest& request : requests) {
      if (!writer->Write(request)) break;  // the server finished early
    }
    writer->WritesDone();
    return writer->Finish();
  }

  uint64_t Exceptions() const { return server_->stats().handler_exceptions; }

  Registry registry_;
  ThrowingBus bus_;
  Publisher publisher_{bus_};
  std::unique_ptr<GrpcServer> server_;
  std::unique_ptr<v1::Publisher::Stub> stub_;
};

TEST_F(GrpcServerTest, PublishesJsonAndPackedEvents) {
  v1::PublishReply reply;
  ::grpc::Status status = Publish(Comment("42", 1), &reply);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(reply.event_id().empty());

  sample::NewComment comment;
  comment.set_track_id("42");
  comment.mutable_data()->set_id(2);
  v1::PublishRequest packed;
  packed.mutable_message()->PackFrom(comment);
  status = Publish(packed, &reply);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(bus_.published(), 2);
  EXPECT_EQ(Exceptions(), 0u);
}

TEST_F(GrpcServerTest, RefusedInputNamesTheProblem) {
  auto refused = [&](const v1::PublishRequest& request) {
    ::grpc::Status status = Publish(request);
    EXPECT_EQ(status.error_code(), ::grpc::StatusCode::INVALID_ARGUMENT);
    return status.error_message();
  };
  v1::PublishRequest request = Comment("42", 1);
  request.mutable_json()->set_type("");
  EXPECT_THAT(refused(request), HasSubstr("type: required"));
  request.mutable_json()->set_type("comment_updated");
  request.mutable_json()->set_json(R"({"type":"new_comment","track_id":"1"})");
  EXPECT_EQ(refused(request), R"(json: "type" is "new_comment", but type is "comment_updated")");
  request.mutable_json()->set_type("no_such_event");
  EXPECT_EQ(refused(request), R"(type: unknown event type "no_such_event")");
  request = Comment("1", 0);
  request.mutable_json()->set_json(R"({"track_id":"1","data":{"id":"x"}})");
  EXPECT_EQ(refused(request), R"(data.id: expected an integer, got "x")");

  v1::PublishRequest packed;
  packed.mutable_message()->PackFrom(sample::CommentData());  // of the schema, not an event
  EXPECT_EQ(refused(packed),
            R"(message: "sample.CommentData" is not the message of a registered event type)");
  packed.mutable_message()->set_type_url("sample.NewComment");
  EXPECT_THAT(refused(packed), HasSubstr("malformed type URL"));
  EXPECT_THAT(refused(v1::PublishRequest()), HasSubstr("event: set either"));
  EXPECT_EQ(bus_.published(), 0);
}

TEST_F(GrpcServerTest, ExceptionInPublishEndsThatCallOnly) {
  ::grpc::Status status = Publish(Comment("boom", 1));
  EXPECT_EQ(status.error_code(), ::grpc::StatusCode::INTERNAL);
  EXPECT_EQ(status.error_message(), "internal error");
  EXPECT_EQ(Exceptions(), 1u);

  status = Publish(Comment("42", 2));
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(bus_.published(), 1);
  EXPECT_EQ(Exceptions(), 1u);
}

TEST_F(GrpcServerTest, ExceptionAfterTheCallbackRanIsCountedAndTheCallStands) {
  // The bus confirmed the event, then threw: the call already has its answer.
  v1::PublishReply reply;
  ::grpc::Status status = Publish(Comment("late", 1), &reply);
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(reply.event_id().empty());
  EXPECT_EQ(Exceptions(), 1u);
  EXPECT_TRUE(Publish(Comment("42", 2)).ok());
}

TEST_F(GrpcServerTest, ExceptionInAStreamEndsThatStreamOnly) {
  v1::PublishStreamReply reply;
  ::grpc::Status status =
      PublishStream({Comment("42", 1), Comment("boom", 2), Comment("42", 3)}, reply);
  EXPECT_EQ(status.error_code(), ::grpc::StatusCode::INTERNAL);
  EXPECT_EQ(status.error_message(), "internal error");
  EXPECT_EQ(Exceptions(), 1u);
  EXPECT_EQ(bus_.published(), 1);  // nothing after the exception was handed over

  reply.Clear();
  status = PublishStream({Comment("42", 4), Comment("42", 5)}, reply);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reply.accepted_count(), 2);
  EXPECT_FALSE(reply.has_failure());
  EXPECT_TRUE(Publish(Comment("42", 6)).ok());
  EXPECT_EQ(Exceptions(), 1u);
}

TEST_F(GrpcServerTest, LateExceptionInAStreamEndsIt) {
  v1::PublishStreamReply reply;
  ::grpc::Status status = PublishStream({Comment("late", 1), Comment("42", 2)}, reply);
  EXPECT_EQ(status.error_code(), ::grpc::StatusCode::INTERNAL);
  EXPECT_EQ(Exceptions(), 1u);
  EXPECT_TRUE(Publish(Comment("42", 3)).ok());
}

TEST_F(GrpcServerTest, StreamsStillStopAtRefusedEvents) {
  v1::PublishRequest bad = Comment("42", 2);
  bad.mutable_json()->set_type("no_such_event");
  v1::PublishStreamReply reply;
  ::grpc::Status status = PublishStream({Comment("42", 1), bad, Comment("42", 3)}, reply);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(reply.accepted_count(), 1);
  EXPECT_EQ(reply.failure().index(), 1);
  EXPECT_THAT(reply.failure().message(), HasSubstr("unknown event type"));
  EXPECT_EQ(Exceptions(), 0u);
}

TEST_F(GrpcServerTest, KeyIsChecked) {
  ::grpc::ClientContext context;
  v1::PublishReply reply;
  ::grpc::Status status = stub_->Publish(&context, Comment("42", 1), &reply);
  EXPECT_EQ(status.error_code(), ::grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(status.error_message(), HasSubstr("missing publisher key"));
}

v1::HistoryRequest HistoryOf(std::string_view channel, std::string_view scope,
                             std::string_view since = "") {
  v1::HistoryRequest request;
  request.set_channel(std::string(channel));
  request.set_scope(std::string(scope));
  request.set_since(std::string(since));
  return request;
}

TEST_F(GrpcServerTest, HistoryIsReadWithTheKeyAndRefusedRequestsSayWhy) {
  v1::HistoryReply reply;
  ASSERT_TRUE(stub_->History(Context().get(), HistoryOf("track_comments", "42"), &reply).ok());
  EXPECT_EQ(reply.position(), "e:0");
  EXPECT_TRUE(reply.complete());
  EXPECT_EQ(reply.events_size(), 0);

  ::grpc::ClientContext anonymous;
  EXPECT_EQ(stub_->History(&anonymous, HistoryOf("track_comments", "42"), &reply).error_code(),
            ::grpc::StatusCode::UNAUTHENTICATED);
  auto code = [&](const v1::HistoryRequest& request) {
    ::grpc::Status status = stub_->History(Context().get(), request, &reply);
    return std::make_pair(status.error_code(), status.error_message());
  };
  EXPECT_EQ(code(HistoryOf("nope", "")).first, ::grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(code(HistoryOf("broadcasts", "")).second, HasSubstr("keeps no history"));
  EXPECT_THAT(code(HistoryOf("track_comments", "")).second, HasSubstr("needs its scope"));
  EXPECT_EQ(code(HistoryOf("track_comments", "42", "x")).first,
            ::grpc::StatusCode::INVALID_ARGUMENT);
  v1::HistoryRequest too_many = HistoryOf("track_comments", "42");
  too_many.set_limit(1001);
  EXPECT_THAT(code(too_many).second, HasSubstr("limit"));
}

TEST_F(GrpcServerTest, ExceptionInHistoryEndsThatCallOnly) {
  v1::HistoryReply reply;
  EXPECT_EQ(
      stub_->History(Context().get(), HistoryOf("track_comments", "boom"), &reply).error_code(),
      ::grpc::StatusCode::INTERNAL);
  EXPECT_EQ(Exceptions(), 1u);
  EXPECT_TRUE(stub_->History(Context().get(), HistoryOf("track_comments", "42"), &reply).ok());
}

}  // namespace
}  // namespace pubsub::gateway
