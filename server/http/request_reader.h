// RequestReader: HTTP/1.1 requests from untrusted bytes, sans-IO, holding a
// bounded number of bytes whatever the peer sends.
//
// The caller reads from its socket into ReadSpace(), Commit()s what arrived,
// and calls Next() until it says kNeedMore:
//
//   pubsub::http::RequestReader reader(limits);
//   for (;;) switch (reader.Next()) {
//     case Event::kNeedMore: n = read(socket, reader.ReadSpace()); reader.Commit(n); break;
//     case Event::kHeader:   decide from reader.request(): refuse, or
//                            reader.ReadBody(limit) and go on;
//     case Event::kRequest:  handle reader.request(); later reader.NextRequest();
//     case Event::kError:    answer reader.error().status, close.
//   }
//
// Why a reader of our own around Beast's parser (Beast does the grammar):
// http::async_read with Beast's request_parser buffers a chunk-size line, its
// extensions and the trailer section without limit, and merges trailer fields
// into the header, where a value over 64 KiB throws std::length_error out of
// the read handler. Here every piece has a bound (HttpLimits) checked before
// the bytes are held, trailers are counted and dropped, and the body limit is
// decided per request after the header (an unauthenticated peer never makes
// the gateway hold a body).
//
// Memory: at most HttpLimits::buffer_bytes of unparsed input (the rest of a
// pipelined request waits in the kernel), the header fields of one request,
// and the body up to the limit given to ReadBody.
#ifndef PUBSUB_SERVER_HTTP_REQUEST_READER_H_
#define PUBSUB_SERVER_HTTP_REQUEST_READER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>

namespace pubsub::http {

using Request = boost::beast::http::request<boost::beast::http::string_body>;
using Status = boost::beast::http::status;

// Every bound on what one connection's request can make the gateway hold.
// docs/limits.md lists them with their defaults; a change here belongs there.
struct HttpLimits {
  // Request line plus header fields (431 beyond).
  size_t max_header_bytes = 8 * 1024;
  // The request target alone (414 beyond).
  size_t max_target_bytes = 4 * 1024;
  // Header fields (431 beyond).
  size_t max_header_fields = 64;
  // One chunk-size line of a chunked body, extensions included (400 beyond).
  size_t max_chunk_line_bytes = 1024;
  // Chunks in one body (400 beyond): bounds the work per request.
  size_t max_chunks = 4096;
  // The trailer section of a chunked body (431 beyond). Trailers are dropped.
  size_t max_trailer_bytes = 4 * 1024;
  // Trailer fields (431 beyond).
  size_t max_trailer_fields = 16;
  // Unparsed input held at once: the read-ahead, which is all that is held of
  // a pipelined next request. At least max_header_bytes.
  size_t buffer_bytes = 16 * 1024;
};

class RequestReader {
 public:
  enum class Event {
    kNeedMore,  // read more bytes into ReadSpace()
    kHeader,    // request() has the request line and header: decide
    kRequest,   // request() is complete
    kError,     // error() says what to answer; the connection must close
    kClosed,    // the peer closed its side between requests: nothing to answer
  };
  struct Error {
    Status status = Status::bad_request;
    std::string reason;  // for the response body and the log
  };

  explicit RequestReader(HttpLimits limits = {});
  ~RequestReader();
  RequestReader(const RequestReader&) = delete;
  RequestReader& operator=(const RequestReader&) = delete;

  // Free room for the next read; never empty while Next() says kNeedMore.
  std::span<char> ReadSpace();
  // `bytes` of ReadSpace() were filled.
  void Commit(size_t bytes);
  // The peer closed its side: a request in progress is cut short (400).
  void CommitEof();

  // Parses what was committed. kHeader is returned once per request, then
  // nothing more happens until ReadBody() (or the caller gives up on the
  // connection); kRequest, once per request, until NextRequest().
  Event Next();

  // After kHeader: read the body, refusing one over `limit` bytes with 413
  // (a Content-Length over the limit is refused at once).
  void ReadBody(size_t limit);
  // After kHeader: whether the request has a body (Content-Length > 0 or
  // chunked) and whether that body is complete already.
  bool has_body() const;
  bool complete() const;

  // After kRequest: starts on the next (pipelined) request. Bytes already
  // read that belong to it are kept.
  void NextRequest();

  const Request& request() const { return *request_; }
  Request& request() { return *request_; }
  const Error& error() const { return error_; }
  // Bytes read after the current request (e.g. a WebSocket client's first
  // frames after its upgrade request).
  std::string_view Buffered() const;

 private:
  class Parser;
  Event Fail(Status status, std::string reason);
  Event CheckStall();
  size_t BufferCap() const;

  const HttpLimits limits_;
  std::unique_ptr<Request> request_;
  std::unique_ptr<Parser> parser_;
  std::string buffer_;  // [consumed][unparsed][free], capacity buffer_bytes
  size_t begin_ = 0;    // first unparsed byte
  size_t end_ = 0;      // one past the last committed byte
  bool eof_ = false;
  bool header_reported_ = false;
  bool body_allowed_ = false;
  bool request_reported_ = false;
  Error error_;
};

}  // namespace pubsub::http

#endif  // PUBSUB_SERVER_HTTP_REQUEST_READER_H_
