// --publish-via grpc: pubsub.v1.Publisher/PublishStream (client streaming),
// events as packed typed messages (no JSON parsing in the gateway), spread
// over --publish-connections streams. A stream's reply (accepted count)
// arrives when it is closed, so acknowledgements come at Finish.
#include <grpcpp/grpcpp.h>

#include <memory>
#include <vector>

#include "google/protobuf/any.pb.h"
#include "google/protobuf/message.h"
#include "pubsub/publisher.grpc.pb.h"
#include "tools/loadgen/publish_path.h"

namespace pubsub::loadgen {
namespace {

class GrpcPath final : public PublishPath {
 public:
  GrpcPath(const Options& options, const EventFactory& factory)
      : target_(options.grpc_target),
        key_(options.publisher_key),
        streams_wanted_(options.publish_connections),
        factory_(factory) {}

  absl::Status Start() override {
    channel_ = grpc::CreateChannel(target_, grpc::InsecureChannelCredentials());
    if (!channel_->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(5))) {
      return absl::UnavailableError("cannot reach the gRPC service at " + target_);
    }
    stub_ = pubsub::v1::Publisher::NewStub(channel_);
    for (uint32_t i = 0; i < streams_wanted_; ++i) {
      streams_.push_back(Open());
    }
    return absl::OkStatus();
  }

  void Finish(std::chrono::milliseconds) override {
    for (auto& stream : streams_) Close(*stream);
  }

 protected:
  void DoSend(const EventSpec& e) override {
    pubsub::v1::PublishRequest request;
    request.mutable_message()->PackFrom(*factory_.Typed(e));
    for (auto& user : factory_.Targets(e)) request.add_target_user_ids(std::move(user));
    auto& slot = streams_[e.seq % streams_.size()];
    if (slot->sent >= kEventsPerStream) {
      // The service takes at most 50,000 events per stream: go on with a new one.
      Close(*slot);
      slot = Open();
    }
    Stream& stream = *slot;
    if (!stream.writer || stream.broken) {
      Failure("gRPC: stream closed by the server");
      return;
    }
    if (!stream.writer->Write(request)) {
      stream.broken = true;
      Failure("gRPC: stream closed by the server");
      return;
    }
    ++stream.sent;
  }

 private:
  // Below the service's limit of 50,000 events per stream.
  static constexpr uint64_t kEventsPerStream = 40'000;

  struct Stream {
    grpc::ClientContext context;
    pubsub::v1::PublishStreamReply reply;
    std::unique_ptr<grpc::ClientWriter<pubsub::v1::PublishRequest>> writer;
    uint64_t sent = 0;
    bool broken = false;
  };

  std::unique_ptr<Stream> Open() {
    auto stream = std::make_unique<Stream>();
    if (!key_.empty()) stream->context.AddMetadata("authorization", "Bearer " + key_);
    stream->writer = stub_->PublishStream(&stream->context, &stream->reply);
    return stream;
  }

  // Ends the stream and counts its events as acknowledged or failed.
  void Close(Stream& stream) {
    if (!stream.writer) return;
    stream.writer->WritesDone();
    const grpc::Status status = stream.writer->Finish();
    stream.writer.reset();
    if (!status.ok()) {
      Failure("gRPC: " + status.error_message(), stream.sent);
      return;
    }
    const uint64_t accepted = static_cast<uint64_t>(stream.reply.accepted_count());
    Ack(accepted);
    if (accepted < stream.sent) {
      Failure(stream.reply.has_failure() ? "gRPC: " + stream.reply.failure().message()
                                         : "gRPC: events not accepted",
              stream.sent - accepted);
    }
  }

  const std::string target_;
  const std::string key_;
  const uint32_t streams_wanted_;
  const EventFactory& factory_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<pubsub::v1::Publisher::Stub> stub_;
  std::vector<std::unique_ptr<Stream>> streams_;
};

}  // namespace

std::unique_ptr<PublishPath> MakeGrpcPath(const Options& options, const EventFactory& factory) {
  return std::make_unique<GrpcPath>(options, factory);
}

}  // namespace pubsub::loadgen
