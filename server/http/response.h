// Responses of the gateway's HTTP front door, as the bytes that go on the wire.
//
//   pubsub::http::Response response = pubsub::http::JsonError(Status::not_found, "no such path");
//   response.keep_alive(false);
//   std::string bytes = pubsub::http::Serialize(std::move(response));
//
// Serialize sets Content-Length and Server; Beast's message type carries the
// fields, and the bytes are ours so that a response is one buffer to write
// (and the front door can be tested and fuzzed without a socket).
#ifndef PUBSUB_SERVER_HTTP_RESPONSE_H_
#define PUBSUB_SERVER_HTTP_RESPONSE_H_

#include <string>
#include <string_view>

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/status.hpp>
#include <boost/beast/http/string_body.hpp>

namespace pubsub::http {

using Response = boost::beast::http::response<boost::beast::http::string_body>;

// A response with `body` of `content_type` (HTTP/1.1, keep-alive).
Response MakeResponse(boost::beast::http::status status, std::string_view content_type,
                      std::string body);

// {"error":"<message>"} as application/json.
Response JsonError(boost::beast::http::status status, std::string_view message);

// The response's bytes: status line, fields (Server and Content-Length set
// here), blank line, body.
std::string Serialize(Response response);

// "HTTP/1.1 100 Continue", for a client that sent Expect: 100-continue and
// whose body the gateway is about to read.
inline constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

}  // namespace pubsub::http

#endif  // PUBSUB_SERVER_HTTP_RESPONSE_H_
