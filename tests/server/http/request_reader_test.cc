#include "server/http/request_reader.h"

#include <algorithm>
#include <cstring>
#include <string>

#include <gtest/gtest.h>

namespace pubsub::http {
namespace {

using Event = RequestReader::Event;

// Feeds `bytes` in pieces of at most `step` until the reader wants no more
// input; returns the event and how many bytes it took.
struct Fed {
  Event event;
  size_t bytes;
};

Fed Feed(RequestReader& reader, std::string_view bytes, size_t step = 1 << 20) {
  size_t offset = 0;
  for (;;) {
    const Event event = reader.Next();
    if (event != Event::kNeedMore) return {event, offset};
    if (offset == bytes.size()) return {event, offset};
    std::span<char> space = reader.ReadSpace();
    EXPECT_FALSE(space.empty());
    const size_t n = std::min({space.size(), step, bytes.size() - offset});
    std::memcpy(space.data(), bytes.data() + offset, n);
    reader.Commit(n);
    offset += n;
  }
}

// Reads one whole request whose body may be up to `body_limit` bytes.
Fed ReadRequest(RequestReader& reader, std::string_view bytes, size_t body_limit = 1 << 20,
                size_t step = 1 << 20) {
  Fed fed = Feed(reader, bytes, step);
  if (fed.event != Event::kHeader) return fed;
  reader.ReadBody(body_limit);
  Fed rest = Feed(reader, bytes.substr(fed.bytes), step);
  return {rest.event, fed.bytes + rest.bytes};
}

TEST(RequestReaderTest, ReadsAGetRequest) {
  RequestReader reader;
  const std::string bytes = "GET /healthz?x=1 HTTP/1.1\r\nHost: a\r\nOrigin: http://b\r\n\r\n";
  Fed fed = Feed(reader, bytes);
  ASSERT_EQ(fed.event, Event::kHeader);
  EXPECT_FALSE(reader.has_body());
  reader.ReadBody(0);
  ASSERT_EQ(reader.Next(), Event::kRequest);
  EXPECT_EQ(reader.request().target(), "/healthz?x=1");
  EXPECT_EQ(reader.request().method(), boost::beast::http::verb::get);
  EXPECT_EQ(reader.request()[boost::beast::http::field::origin], "http://b");
  EXPECT_TRUE(reader.Buffered().empty());
}

TEST(RequestReaderTest, ByteByByteGivesTheSameRequest) {
  RequestReader reader;
  const std::string bytes =
      "POST /api/publish HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello";
  Fed fed = ReadRequest(reader, bytes, 100, /*step=*/1);
  ASSERT_EQ(fed.event, Event::kRequest);
  EXPECT_EQ(reader.request().body(), "hello");
}

TEST(RequestReaderTest, PipelinedRequestsComeOneAfterAnother) {
  RequestReader reader;
  const std::string bytes = "GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.1\r\nHost: a\r\n\r\n";
  ASSERT_EQ(ReadRequest(reader, bytes).event, Event::kRequest);
  EXPECT_EQ(reader.request().target(), "/a");
  reader.NextRequest();
  ASSERT_EQ(reader.Next(), Event::kHeader);
  reader.ReadBody(0);
  ASSERT_EQ(reader.Next(), Event::kRequest);
  EXPECT_EQ(reader.request().target(), "/b");
}

TEST(RequestReaderTest, BytesAfterAnUpgradeRequestAreKept) {
  RequestReader reader;
  ASSERT_EQ(ReadRequest(reader, "GET /ws/x HTTP/1.1\r\nHost: a\r\n\r\n\x81\x80").event,
            Event::kRequest);
  EXPECT_EQ(reader.Buffered(), "\x81\x80");
}

TEST(RequestReaderTest, ChunkedBodyIsAssembledAndTrailersAreDropped) {
  RequestReader reader;
  const std::string bytes =
      "POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3;name=value\r\nabc\r\n2\r\nde\r\n0\r\nAuthorization: Bearer sneaky\r\n\r\n";
  ASSERT_EQ(ReadRequest(reader, bytes).event, Event::kRequest);
  EXPECT_EQ(reader.request().body(), "abcde");
  EXPECT_EQ(reader.request().find(boost::beast::http::field::authorization),
            reader.request().end());
}

TEST(RequestReaderTest, OneHugeTrailerFieldIsRefusedBeforeItIsHeld) {
  // The defect: one ~70 KB trailer field threw std::length_error out of the
  // read handler. Now the trailer section is refused once it passes its bound.
  RequestReader reader;
  const std::string bytes =
      "POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
      "1\r\na\r\n0\r\nX-T: " +
      std::string(70'000, 'a') + "\r\n\r\n";
  Fed fed = ReadRequest(reader, bytes, 100, 4096);
  ASSERT_EQ(fed.event, Event::kError);
  EXPECT_EQ(reader.error().status, Status::request_header_fields_too_large);
  EXPECT_EQ(reader.error().reason, "request trailers larger than 4096 bytes");
  EXPECT_LT(fed.bytes, 16u * 1024);
}

TEST(RequestReaderTest, EndlessTrailerFieldsAreRefused) {
  RequestReader reader;
  std::string bytes = "POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n";
  for (int i = 0; i < 100'000; ++i) bytes += "X: y\r\n";
  Fed fed = ReadRequest(reader, bytes, 100, 4096);
  ASSERT_EQ(fed.event, Event::kError);
  EXPECT_EQ(reader.error().status, Status::request_header_fields_too_large);
  EXPECT_LT(fed.bytes, 16u * 1024);
}

TEST(RequestReaderTest, TooManyTrailerFieldsAreRefused) {
  RequestReader reader;
  std::string bytes = "POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n";
  for (int i = 0; i < 17; ++i) bytes += "X: y\r\n";
  bytes += "\r\n";
  ASSERT_EQ(ReadRequest(reader, bytes, 100).event, Event::kError);
  EXPECT_EQ(reader.error().reason, "more than 16 trailer fields");
}

TEST(RequestReaderTest, EndlessChunkExtensionIsRefused) {
  RequestReader reader;
  std::string bytes = "POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;a=";
  bytes += std::string(1 << 20, 'b');
  Fed fed = ReadRequest(reader, bytes, 100, 4096);
  ASSERT_EQ(fed.event, Event::kError);
  EXPECT_EQ(reader.error().status, Status::bad_request);
  EXPECT_EQ(reader.error().reason, "chunk-size line (with extensions) longer than 1024 bytes");
  EXPECT_LT(fed.bytes, 16u * 1024);
}

TEST(RequestReaderTest, TooManyChunksAreRefused) {
  RequestReader reader;
  std::string bytes = "POST /p HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (int i = 0; i < 5000; ++i) bytes += "1\r\na\r\n";
  ASSERT_EQ(ReadRequest(reader, bytes, 1 << 20).event, Event::kError);
  EXPECT_EQ(reader.error().reason, "request body in more than 4096 chunks");
}

TEST(RequestReaderTest, BodyLimitIsChosenAfterTheHeader) {
  {
    RequestReader reader;
    const std::string bytes = "POST /p HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello world";
    ASSERT_EQ(Feed(reader, bytes).event, Event::kHeader);
    EXPECT_TRUE(reader.has_body());
    reader.ReadBody(10);  // refused before a byte of the body is held
    ASSERT_EQ(reader.Next(), Event::kError);
    EXPECT_EQ(reader.error().status, Status::payload_too_large);
    EXPECT_EQ(reader.error().reason, "request body larger than 10 bytes");
  }
  {
    RequestReader reader;
    const std::string bytes =
        "POST /p HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n "
        "world\r\n0\r\n\r\n";
    ASSERT_EQ(ReadRequest(reader, bytes, 10).event, Event::kError);
    EXPECT_EQ(reader.error().status, Status::payload_too_large);
  }
  {
    RequestReader reader;
    ASSERT_EQ(ReadRequest(reader, "GET /p HTTP/1.1\r\nContent-Length: 1\r\n\r\nx", 0).event,
              Event::kError);
    EXPECT_EQ(reader.error().reason, "this request takes no body");
  }
}

TEST(RequestReaderTest, HeaderBoundsAreNamed) {
  {
    RequestReader reader;
    std::string bytes = "GET / HTTP/1.1\r\nX: " + std::string(20'000, 'a') + "\r\n\r\n";
    Fed fed = Feed(reader, bytes, 4096);
    ASSERT_EQ(fed.event, Event::kError);
    EXPECT_EQ(reader.error().status, Status::request_header_fields_too_large);
    EXPECT_LT(fed.bytes, 16u * 1024);
  }
  {
    RequestReader reader;
    std::string bytes = "GET /" + std::string(5000, 'a') + " HTTP/1.1\r\n\r\n";
    ASSERT_EQ(Feed(reader, bytes).event, Event::kError);
    EXPECT_EQ(reader.error().status, Status::uri_too_long);
  }
  {
    RequestReader reader;
    std::string bytes = "GET / HTTP/1.1\r\n";
    for (int i = 0; i < 65; ++i) bytes += "X: y\r\n";
    bytes += "\r\n";
    ASSERT_EQ(Feed(reader, bytes).event, Event::kError);
    EXPECT_EQ(reader.error().reason, "more than 64 header fields");
  }
}

TEST(RequestReaderTest, MalformedRequestIs400) {
  RequestReader reader;
  ASSERT_EQ(Feed(reader, "GET / HTTP/9.9\r\n\r\n").event, Event::kError);
  EXPECT_EQ(reader.error().status, Status::bad_request);
  EXPECT_TRUE(reader.error().reason.starts_with("malformed HTTP request"));
}

TEST(RequestReaderTest, PeerCloseEndsTheConnection) {
  {
    RequestReader reader;
    reader.CommitEof();
    EXPECT_EQ(reader.Next(), Event::kClosed);
  }
  {
    RequestReader reader;
    ASSERT_EQ(Feed(reader, "GET / HT").event, Event::kNeedMore);
    reader.CommitEof();
    EXPECT_EQ(reader.Next(), Event::kError);
    EXPECT_EQ(reader.error().reason, "request cut short");
  }
}

}  // namespace
}  // namespace pubsub::http
