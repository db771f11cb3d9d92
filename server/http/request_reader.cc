#include "server/http/request_reader.h"

#include <algorithm>
#include <cstring>
#include <optional>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>

#include "spdlog/fmt/fmt.h"

namespace pubsub::http {
namespace {

namespace beast = boost::beast;
using beast::http::field;
using beast::http::verb;

// The first read-ahead allocation; it doubles up to HttpLimits::buffer_bytes.
constexpr size_t kInitialBufferBytes = 1024;

// Whether `line` (the unparsed input at a chunk boundary, starting with the
// CRLF that ends the previous chunk's data, if any) is the last chunk's line:
// a chunk size of zero. Its trailer section follows.
bool IsLastChunkLine(std::string_view line) {
  if (line.starts_with("\r\n")) line.remove_prefix(2);
  const size_t digits = line.find_first_not_of('0');
  if (digits == 0) return false;
  if (digits == std::string_view::npos) return !line.empty();
  const char next = line[digits];
  return next == ';' || next == '\r' || next == ' ' || next == '\t';
}

}  // namespace

// Beast's request grammar with our bounds: the header goes into the Request;
// trailer fields are counted and dropped; the body is appended up to the
// limit the caller chose after the header.
class RequestReader::Parser final : public beast::http::basic_parser<true> {
 public:
  Parser(Request& request, const HttpLimits& limits) : request_(request), limits_(limits) {
    header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    body_limit(boost::none);  // ours is checked in the callbacks
    eager(false);
  }

  // Set by a callback that refused the input (before it sets `ec`).
  std::optional<Error> failure;
  size_t body_limit_bytes = 0;
  // Bytes of the current chunk still to come (0: at a chunk-size line).
  uint64_t chunk_left = 0;

 private:
  void Refuse(beast::error_code& ec, Status status, std::string reason) {
    failure = Error{status, std::move(reason)};
    ec = beast::http::error::bad_value;
  }

  bool BodyFits(uint64_t more, beast::error_code& ec) {
    if (request_.body().size() + more <= body_limit_bytes) return true;
    Refuse(ec, Status::payload_too_large,
           body_limit_bytes == 0
               ? std::string("this request takes no body")
               : fmt::format("request body larger than {} bytes", body_limit_bytes));
    return false;
  }

  void on_request_impl(verb method, beast::string_view method_string, beast::string_view target,
                       int version, beast::error_code& ec) override {
    if (target.size() > limits_.max_target_bytes) {
      return Refuse(ec, Status::uri_too_long,
                    fmt::format("request target longer than {} bytes", limits_.max_target_bytes));
    }
    request_.target(target);
    if (method != verb::unknown) {
      request_.method(method);
    } else {
      request_.method_string(method_string);
    }
    request_.version(version);
  }

  void on_response_impl(int, beast::string_view, int, beast::error_code& ec) override {
    ec = beast::http::error::bad_version;  // unreachable: this parses requests
  }

  void on_field_impl(field name, beast::string_view name_string, beast::string_view value,
                     beast::error_code& ec) override {
    if (!is_header_done()) {
      if (++fields_ > limits_.max_header_fields) {
        return Refuse(ec, Status::request_header_fields_too_large,
                      fmt::format("more than {} header fields", limits_.max_header_fields));
      }
      request_.insert(name, name_string, value);  // bounded by max_header_bytes
      return;
    }
    // A trailer field: never merged into the header (it would arrive after
    // the checks made on the header), just counted.
    if (++trailer_fields_ > limits_.max_trailer_fields) {
      Refuse(ec, Status::request_header_fields_too_large,
             fmt::format("more than {} trailer fields", limits_.max_trailer_fields));
    }
  }

  void on_header_impl(beast::error_code& ec) override { ec = {}; }

  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length,
                         beast::error_code& ec) override {
    if (content_length && BodyFits(*content_length, ec)) {
      request_.body().reserve(static_cast<size_t>(*content_length));
    }
  }

  size_t on_body_impl(beast::string_view body, beast::error_code& ec) override {
    if (!BodyFits(body.size(), ec)) return 0;
    request_.body().append(body.data(), body.size());
    return body.size();
  }

  void on_chunk_header_impl(std::uint64_t size, beast::string_view,
                            beast::error_code& ec) override {
    if (++chunks_ > limits_.max_chunks) {
      return Refuse(ec, Status::bad_request,
                    fmt::format("request body in more than {} chunks", limits_.max_chunks));
    }
    if (BodyFits(size, ec)) chunk_left = size;
  }

  size_t on_chunk_body_impl(std::uint64_t remain, beast::string_view body,
                            beast::error_code& ec) override {
    if (!BodyFits(body.size(), ec)) return 0;
    request_.body().append(body.data(), body.size());
    chunk_left = remain - body.size();
    return body.size();
  }

  void on_finish_impl(beast::error_code& ec) override { ec = {}; }

  Request& request_;
  const HttpLimits& limits_;
  size_t fields_ = 0;
  size_t trailer_fields_ = 0;
  size_t chunks_ = 0;
};

RequestReader::RequestReader(HttpLimits limits) : limits_(limits) {
  NextRequest();
  buffer_.clear();
  begin_ = end_ = 0;
}

RequestReader::~RequestReader() = default;

std::span<char> RequestReader::ReadSpace() {
  if (begin_ == end_) begin_ = end_ = 0;
  if (end_ == buffer_.size() && begin_ > 0) {
    std::memmove(buffer_.data(), buffer_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  const size_t cap = BufferCap();
  if (end_ == buffer_.size() && buffer_.size() < cap) {
    buffer_.resize(std::min(cap, std::max(kInitialBufferBytes, buffer_.size() * 2)));
  }
  return {buffer_.data() + end_, buffer_.size() - end_};
}

// Room for the largest piece Beast must see whole (see CheckStall).
size_t RequestReader::BufferCap() const {
  return std::max({limits_.buffer_bytes, limits_.max_header_bytes + 1,
                   limits_.max_chunk_line_bytes + limits_.max_trailer_bytes + 8});
}

void RequestReader::Commit(size_t bytes) { end_ += std::min(bytes, buffer_.size() - end_); }

void RequestReader::CommitEof() { eof_ = true; }

std::string_view RequestReader::Buffered() const {
  return std::string_view(buffer_).substr(begin_, end_ - begin_);
}

bool RequestReader::has_body() const {
  return parser_->chunked() || parser_->content_length().value_or(0) > 0;
}

bool RequestReader::complete() const { return parser_->is_done(); }

void RequestReader::ReadBody(size_t limit) {
  body_allowed_ = true;
  parser_->body_limit_bytes = limit;
  if (const auto length = parser_->content_length(); length && *length > limit) {
    Fail(Status::payload_too_large, limit == 0
                                        ? std::string("this request takes no body")
                                        : fmt::format("request body larger than {} bytes", limit));
  }
}

void RequestReader::NextRequest() {
  request_ = std::make_unique<Request>();
  parser_ = std::make_unique<Parser>(*request_, limits_);
  header_reported_ = body_allowed_ = request_reported_ = false;
}

RequestReader::Event RequestReader::Fail(Status status, std::string reason) {
  if (error_.reason.empty()) error_ = Error{status, std::move(reason)};
  return Event::kError;
}

RequestReader::Event RequestReader::Next() {
  if (!error_.reason.empty()) return Event::kError;
  for (;;) {
    if (request_reported_) return Event::kRequest;
    if (header_reported_ && !body_allowed_) return Event::kHeader;
    if (parser_->is_done()) {
      request_reported_ = true;
      return Event::kRequest;
    }
    const std::string_view data = Buffered();
    if (data.empty()) {
      if (!eof_) return Event::kNeedMore;
      // Between requests, the peer's close is the normal end; within one,
      // the request was cut short (the peer may still read the answer).
      return parser_->got_some() ? Fail(Status::bad_request, "request cut short")
                                 : Event::kClosed;
    }
    boost::beast::error_code ec;
    const size_t used = parser_->put(boost::asio::buffer(data.data(), data.size()), ec);
    begin_ += used;
    if (parser_->failure) return Fail(parser_->failure->status, parser_->failure->reason);
    if (ec == boost::beast::http::error::need_more) {
      if (const Event stall = CheckStall(); stall == Event::kError) return stall;
      if (!eof_) return Event::kNeedMore;
      return Fail(Status::bad_request, "request cut short");
    }
    if (ec == boost::beast::http::error::header_limit) {
      return Fail(Status::request_header_fields_too_large,
                  fmt::format("request headers larger than {} bytes", limits_.max_header_bytes));
    }
    if (ec) return Fail(Status::bad_request, "malformed HTTP request: " + ec.message());
    if (!header_reported_ && parser_->is_header_done()) {
      header_reported_ = true;
      return Event::kHeader;
    }
  }
}

// Beast waits for a whole header, chunk-size line or trailer section before
// it parses one: what it waits for must stay within its bound.
RequestReader::Event RequestReader::CheckStall() {
  const std::string_view waiting = Buffered();
  if (waiting.size() >= BufferCap()) {  // unreachable with the checks below
    return Fail(Status::bad_request, "request element too large");
  }
  if (!parser_->is_header_done()) {
    if (waiting.size() <= limits_.max_header_bytes) return Event::kNeedMore;
    return Fail(Status::request_header_fields_too_large,
                fmt::format("request headers larger than {} bytes", limits_.max_header_bytes));
  }
  if (!parser_->chunked() || parser_->chunk_left > 0) return Event::kNeedMore;
  const size_t line_end = waiting.find("\r\n", waiting.starts_with("\r\n") ? 2 : 0);
  const size_t line_bytes = line_end == std::string_view::npos ? waiting.size() : line_end;
  if (line_bytes > limits_.max_chunk_line_bytes) {
    return Fail(Status::bad_request,
                fmt::format("chunk-size line (with extensions) longer than {} bytes",
                            limits_.max_chunk_line_bytes));
  }
  if (line_end != std::string_view::npos && IsLastChunkLine(waiting) &&
      waiting.size() - line_end - 2 > limits_.max_trailer_bytes) {
    return Fail(Status::request_header_fields_too_large,
                fmt::format("request trailers larger than {} bytes", limits_.max_trailer_bytes));
  }
  return Event::kNeedMore;
}

}  // namespace pubsub::http
