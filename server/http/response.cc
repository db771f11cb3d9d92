#include "server/http/response.h"

#include "pubsub/internal/json_writer.h"

namespace pubsub::http {

namespace beast = boost::beast;

Response MakeResponse(beast::http::status status, std::string_view content_type, std::string body) {
  Response response{status, 11};
  response.set(beast::http::field::content_type, content_type);
  response.body() = std::move(body);
  response.keep_alive(true);
  return response;
}

Response JsonError(beast::http::status status, std::string_view message) {
  std::string body = "{\"error\":";
  internal::JsonWriter writer(body);
  writer.String(message);
  body.push_back('}');
  return MakeResponse(status, "application/json", std::move(body));
}

std::string Serialize(Response response) {
  response.set(beast::http::field::server, "pubsub-gateway");
  response.prepare_payload();
  std::string out;
  out.reserve(128 + response.body().size());
  out.append(response.version() == 10 ? "HTTP/1.0 " : "HTTP/1.1 ");
  out.append(std::to_string(response.result_int()));
  out.push_back(' ');
  const beast::string_view reason = response.reason();
  out.append(reason.data(), reason.size());
  out.append("\r\n");
  for (const auto& field : response) {
    const beast::string_view name = field.name_string();
    const beast::string_view value = field.value();
    out.append(name.data(), name.size());
    out.append(": ");
    out.append(value.data(), value.size());
    out.append("\r\n");
  }
  out.append("\r\n");
  out.append(response.body());
  return out;
}

}  // namespace pubsub::http
