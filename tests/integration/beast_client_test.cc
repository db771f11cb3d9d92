// End-to-end with a C++ client: Boost.Beast WebSocket clients connect to a real
// gateway process, events are published with Beast HTTP requests, and the
// frames that arrive are the exact browser JSON.
#include <chrono>
#include <string>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/json.hpp>

#include "gtest/gtest.h"
#include "server/auth/jwt.h"
#include "tests/integration/gateway_process.h"

namespace pubsub::testing {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

constexpr char kSecret[] = "beast-client-test-secret-of-32-bytes-or-more";

std::string WriteTempFile(const std::string& contents) {
  char path[] = "/tmp/pubsub-beast-test-XXXXXX";
  int fd = mkstemp(path);
  EXPECT_GE(fd, 0);
  EXPECT_EQ(write(fd, contents.data(), contents.size()), static_cast<ssize_t>(contents.size()));
  close(fd);
  return path;
}

class Client {
 public:
  Client(unsigned short port, const std::string& target) : ws_(io_) {
    tcp::resolver resolver(io_);
    asio::connect(ws_.next_layer(), resolver.resolve("127.0.0.1", std::to_string(port)));
    ws_.handshake("127.0.0.1", target);
  }
  Client(unsigned short port, const std::string& target, http::status* refused) : ws_(io_) {
    tcp::resolver resolver(io_);
    asio::connect(ws_.next_layer(), resolver.resolve("127.0.0.1", std::to_string(port)));
    websocket::response_type response;
    beast::error_code error;
    ws_.handshake(response, "127.0.0.1", target, error);
    *refused = response.result();
  }

  boost::json::value Read() {
    beast::flat_buffer buffer;
    ws_.read(buffer);
    EXPECT_TRUE(ws_.got_text());
    return boost::json::parse(beast::buffers_to_string(buffer.data()));
  }
  std::string ReadRaw() {
    beast::flat_buffer buffer;
    ws_.read(buffer);
    return beast::buffers_to_string(buffer.data());
  }
  websocket::stream<tcp::socket>& ws() { return ws_; }

 private:
  asio::io_context io_;
  websocket::stream<tcp::socket> ws_;
};

http::response<http::string_body> Post(unsigned short port, const std::string& target,
                                       const std::string& body, const std::string& key) {
  asio::io_context io;
  tcp::socket socket(io);
  tcp::resolver resolver(io);
  asio::connect(socket, resolver.resolve("127.0.0.1", std::to_string(port)));
  http::request<http::string_body> request{http::verb::post, target, 11};
  request.set(http::field::host, "127.0.0.1");
  request.set(http::field::content_type, "application/json");
  if (!key.empty()) request.set(http::field::authorization, "Bearer " + key);
  request.body() = body;
  request.prepare_payload();
  http::write(socket, request);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(socket, buffer, response);
  return response;
}

std::string Token(const std::string& user, std::vector<std::string> roles = {}) {
  const int64_t exp = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count() +
                      3600;
  return auth::MintHs256(kSecret, auth::Identity{user, std::move(roles)}, exp);
}

class BeastClientTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    secret_file_ = new std::string(WriteTempFile(kSecret));
    key_file_ = new std::string(WriteTempFile("beast-key\n"));
    gateway_ = new GatewayProcess(
        {"--jwt-secret-file", *secret_file_, "--publisher-key-file", *key_file_});
  }
  static void TearDownTestSuite() {
    EXPECT_EQ(gateway_->Terminate(), 0);
    delete gateway_;
    unlink(secret_file_->c_str());
    unlink(key_file_->c_str());
    delete secret_file_;
    delete key_file_;
  }
  static unsigned short port() { return gateway_->port(); }

  static GatewayProcess* gateway_;
  static std::string* secret_file_;
  static std::string* key_file_;
};
GatewayProcess* BeastClientTest::gateway_ = nullptr;
std::string* BeastClientTest::secret_file_ = nullptr;
std::string* BeastClientTest::key_file_ = nullptr;

TEST_F(BeastClientTest, CommentReachesItsTrackWithTheSeedsJson) {
  Client track42(port(), "/ws/comments/42?token=" + Token("ann"));
  Client track43(port(), "/ws/comments/43?token=" + Token("bob"));
  const std::string comment =
      R"({"type":"new_comment","track_id":"42","data":{"id":7,"content":"Nice drop \"at\" 0:12",)"
      R"("author":"ann","timestamp":12.5,"created_at":"2026-11-25T10:00:00Z"}})";
  const std::string other = R"({"type":"comment_deleted","track_id":"43","data":{"id":8}})";
  auto response = Post(port(), "/api/publish", comment, "beast-key");
  ASSERT_EQ(response.result(), http::status::accepted) << response.body();
  EXPECT_TRUE(boost::json::parse(response.body()).as_object().contains("id"));
  ASSERT_EQ(Post(port(), "/api/publish", other, "beast-key").result(), http::status::accepted);

  EXPECT_EQ(track42.ReadRaw(), comment);  // byte for byte what the seed's clients parse
  EXPECT_EQ(track43.ReadRaw(), other);    // track 42's comment never reached track 43
}

TEST_F(BeastClientTest, SendToUserReachesEveryTabOfThatUserOnly) {
  Client tab1(port(), "/ws/book-requests?token=" + Token("reader"));
  Client tab2(port(), "/ws/book-requests?token=" + Token("reader"));
  Client other(port(), "/ws/book-requests?token=" + Token("someone"));
  const std::string created =
      R"({"type":"request_created","data":{"id":3,"title":"Dune","status":"pending"}})";
  const std::string theirs =
      R"({"type":"request_created","data":{"id":4,"title":"Emma","status":"pending"}})";
  ASSERT_EQ(Post(port(), "/api/publish?to=reader", created, "beast-key").result(),
            http::status::accepted);
  ASSERT_EQ(Post(port(), "/api/publish?to=someone", theirs, "beast-key").result(),
            http::status::accepted);
  EXPECT_EQ(tab1.ReadRaw(), created);
  EXPECT_EQ(tab2.ReadRaw(), created);
  EXPECT_EQ(other.ReadRaw(), theirs);
}

TEST_F(BeastClientTest, RefusalsHappenBeforeTheUpgrade) {
  http::status status{};
  Client no_token(port(), "/ws/broadcasts", &status);
  EXPECT_EQ(status, http::status::unauthorized);
  Client no_role(port(), "/ws/book-requests/admin?token=" + Token("ann"), &status);
  EXPECT_EQ(status, http::status::forbidden);
  Client creator(port(), "/ws/book-requests/admin?token=" + Token("boss", {"creator"}), &status);
  EXPECT_EQ(status, http::status::switching_protocols);
  Client unknown(port(), "/ws/unknown?token=" + Token("ann"), &status);
  EXPECT_EQ(status, http::status::not_found);
}

TEST_F(BeastClientTest, PingsAreAnsweredAndClientTextIsIgnored) {
  Client client(port(), "/ws/broadcasts?token=" + Token("pinger"));
  bool got_pong = false;
  client.ws().control_callback([&](websocket::frame_type kind, beast::string_view payload) {
    if (kind == websocket::frame_type::pong && payload == "hello") got_pong = true;
  });
  client.ws().ping("hello");
  client.ws().text(true);
  client.ws().write(asio::buffer(std::string("ignored by the gateway")));
  const std::string event =
      R"({"type":"new_broadcast","data":{"id":1,"title":"t","content":"c","author":"a",)"
      R"("created_at":"2026-11-25T10:00:00Z"}})";
  // The pong and the events travel independently (the publish is handled on
  // another loop), so read events until the pong has been seen on the way.
  for (int i = 0; i < 100 && !got_pong; ++i) {
    ASSERT_EQ(Post(port(), "/api/publish", event, "beast-key").result(), http::status::accepted);
    EXPECT_EQ(client.ReadRaw(), event);
  }
  EXPECT_TRUE(got_pong);
  client.ws().close(websocket::close_code::normal);
}

}  // namespace
}  // namespace pubsub::testing
