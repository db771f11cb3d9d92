// --publish-via http: POST /api/publish over a few keep-alive connections,
// pipelined (requests are written back to back; the gateway answers them in
// order), on one Asio thread of its own.
#include <boost/asio/connect.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <cstring>
#include <deque>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tools/loadgen/publish_path.h"

namespace pubsub::loadgen {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Requests in flight per connection before Send waits.
constexpr uint64_t kPipelineDepth = 64;

class HttpPath final : public PublishPath {
 public:
  HttpPath(const Options& options, const EventFactory& factory)
      : url_(options.publish_url),
        key_(options.publisher_key),
        connections_(options.publish_connections),
        factory_(factory) {}

  ~HttpPath() override { Stop(); }

  absl::Status Start() override {
    std::string_view rest = url_;
    rest.remove_prefix(std::strlen("http://"));
    if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
    const size_t colon = rest.rfind(':');
    host_ = std::string(rest);
    uint32_t port = 0;
    boost::system::error_code error;
    auto address = asio::ip::make_address(std::string(rest.substr(0, colon)), error);
    if (colon == std::string_view::npos || error ||
        !absl::SimpleAtoi(std::string(rest.substr(colon + 1)), &port) || port > 65535) {
      return absl::InvalidArgumentError("--publish-url: expected http://IP:PORT, got " + url_);
    }
    const tcp::endpoint endpoint(address, static_cast<uint16_t>(port));
    for (uint32_t i = 0; i < connections_; ++i) {
      auto c = std::make_unique<Conn>(io_);
      c->socket.connect(endpoint, error);
      if (error) {
        return absl::UnavailableError(
            absl::StrCat("cannot connect to ", url_, ": ", error.message()));
      }
      c->socket.set_option(tcp::no_delay(true));
      Read(*c);
      conns_.push_back(std::move(c));
    }
    work_.emplace(io_.get_executor());
    thread_ = std::thread([this] { io_.run(); });
    return absl::OkStatus();
  }

  void Finish(std::chrono::milliseconds timeout) override {
    WaitForAcks(timeout);
    Stop();
  }

 protected:
  void DoSend(const EventSpec& e) override {
    WaitForRoom(kPipelineDepth * connections_);
    const std::string body = factory_.JsonBody(e);
    std::string request =
        absl::StrCat("POST ", factory_.HttpTarget(e), " HTTP/1.1\r\nHost: ", host_,
                     "\r\nContent-Type: application/json\r\n");
    if (!key_.empty()) absl::StrAppend(&request, "Authorization: Bearer ", key_, "\r\n");
    absl::StrAppend(&request, "Content-Length: ", body.size(), "\r\n\r\n", body);
    asio::post(io_, [this, request = std::move(request)] {
      // Round robin over the connections that are still up.
      for (size_t tries = 0; tries < conns_.size(); ++tries) {
        Conn& c = *conns_[next_++ % conns_.size()];
        if (c.dead) continue;
        c.out += request;
        ++c.pending;
        Flush(c);
        return;
      }
      Failure("every HTTP connection is closed");
    });
  }

 private:
  struct Conn {
    explicit Conn(asio::io_context& io) : socket(io) {}
    tcp::socket socket;
    std::string out;      // waiting for the next write
    std::string writing;  // being written
    std::string in;       // response bytes not yet parsed
    char buffer[16 * 1024];
    uint64_t pending = 0;  // requests without a response
    bool dead = false;
  };

  void Flush(Conn& c) {
    if (!c.writing.empty() || c.out.empty() || c.dead) return;
    c.writing.swap(c.out);
    asio::async_write(c.socket, asio::buffer(c.writing),
                      [this, &c](boost::system::error_code error, size_t) {
                        c.writing.clear();
                        if (error) return Kill(c, "HTTP write: " + error.message());
                        Flush(c);
                      });
  }

  void Read(Conn& c) {
    c.socket.async_read_some(asio::buffer(c.buffer),
                             [this, &c](boost::system::error_code error, size_t n) {
                               if (error) return Kill(c, "HTTP read: " + error.message());
                               c.in.append(c.buffer, n);
                               ParseResponses(c);
                               if (!c.dead) Read(c);
                             });
  }

  void ParseResponses(Conn& c) {
    size_t pos = 0;
    for (;;) {
      const size_t end = c.in.find("\r\n\r\n", pos);
      if (end == std::string::npos) break;
      std::string_view head(c.in.data() + pos, end - pos);
      uint64_t length = 0;
      const std::string lower = absl::AsciiStrToLower(std::string(head));
      if (const size_t at = lower.find("\r\ncontent-length:"); at != std::string::npos) {
        std::string value = lower.substr(at + 17);
        value = value.substr(0, value.find('\r'));
        if (!absl::SimpleAtoi(value, &length)) {
          return Kill(c, "HTTP: bad Content-Length");
        }
      }
      if (c.in.size() < end + 4 + length) break;
      const std::string_view body(c.in.data() + end + 4, length);
      if (head.starts_with("HTTP/1.1 202")) {
        Ack();
      } else {
        Failure(std::string(head.substr(0, head.find('\r'))) + ": " + std::string(body));
      }
      if (c.pending > 0) --c.pending;
      pos = end + 4 + length;
    }
    c.in.erase(0, pos);
  }

  void Kill(Conn& c, const std::string& reason) {
    if (c.dead) return;
    c.dead = true;
    if (c.pending > 0) Failure(reason, c.pending);
    c.pending = 0;
    boost::system::error_code ignored;
    c.socket.close(ignored);
  }

  void Stop() {
    if (!thread_.joinable()) return;
    work_.reset();
    io_.stop();
    thread_.join();
  }

  const std::string url_;
  const std::string key_;
  const uint32_t connections_;
  const EventFactory& factory_;
  std::string host_;
  asio::io_context io_{1};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_;
  std::vector<std::unique_ptr<Conn>> conns_;
  size_t next_ = 0;
  std::thread thread_;
};

}  // namespace

std::unique_ptr<PublishPath> MakeHttpPath(const Options& options, const EventFactory& factory) {
  return std::make_unique<HttpPath>(options, factory);
}

}  // namespace pubsub::loadgen
