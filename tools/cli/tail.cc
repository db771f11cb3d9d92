// pubsub tail: connect to a gateway's WebSocket path and print each event as
// one JSON line, until the gateway closes the connection, --count events
// arrived, or SIGINT/SIGTERM (then it closes with 1000 and exits 0).
#include <csignal>
#include <memory>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/websocket.hpp>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "server/auth/jwt.h"
#include "tools/cli/args.h"
#include "tools/cli/cli.h"
#include "tools/cli/commands.h"
#include "tools/cli/http_client.h"

namespace pubsub::cli {
namespace {
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using WebSocket = websocket::stream<beast::tcp_stream>;

constexpr char kCommand[] = "tail";

constexpr std::string_view kHelp =
    R"help(pubsub tail: print the events a WebSocket client of a gateway receives.

Usage:
  pubsub tail ws://HOST:PORT/ws/PATH [--token JWT | --token-file FILE | --user U [--role R ...]]
              [--count N]

Connects like a browser and prints each event on standard output as one JSON line,
exactly as received. "pubsub tail: connected to URL" on standard error means the
connection is open and subscribed: every event published from then on is printed.
Runs until the gateway closes the connection (exit 0 for a normal close or a
gateway shutdown, 1 otherwise), --count events arrived, or Ctrl-C (exit 0).

Examples:
  pubsub tail ws://127.0.0.1:8080/ws/comments/42 --token "$(pubsub token --user ann --secret-file s)"
  pubsub tail ws://127.0.0.1:8080/ws/notifications --user ann     # a --dev-auth gateway

Flags:
  --token JWT        Sent as "Authorization: Bearer JWT".
  --token-file FILE  Likewise, the token read from FILE.
  --user U           For a gateway in --dev-auth mode: connect as user U (?user_id=U).
  --role R           With --user: a role (repeatable), e.g. --role creator.
  --count N          Exit (0) after N events.
  --timeout SECONDS  Time allowed to connect and complete the handshake. Default: 10

)help";

constexpr FlagSpec kFlags[] = {
    {"--token", true},      {"--token-file", true}, {"--user", true},
    {"--role", true, true}, {"--count", true},      {"--timeout", true},
};

struct TailRequest {
  Url url;
  std::string target;  // the path with the dev-auth query
  std::string token;
  uint64_t count = 0;  // 0: no limit
  std::chrono::milliseconds timeout;
};

// Shared between the reading coroutine and the signal handler (one thread).
struct TailState {
  explicit TailState(asio::io_context& io) : ws(io) {}
  WebSocket ws;
  bool open = false;         // handshake done, close not yet started
  bool interrupted = false;  // SIGINT/SIGTERM
  int exit_code = kExitFailure;
};

asio::awaitable<void> Tail(const TailRequest& request, TailState& state, Io io) {
  auto& ws = state.ws;
  auto executor = co_await asio::this_coro::executor;
  const auto use = asio::as_tuple(asio::use_awaitable);
  auto fail = [&](std::string_view step, beast::error_code error) {
    if (state.interrupted) {
      state.exit_code = kExitOk;
      return;
    }
    state.exit_code =
        Fail(io, kCommand,
             absl::StrCat("cannot ", absl::string_view(step.data(), step.size()), " (",
                          request.url.Authority(),
                          "): ", error == beast::error::timeout ? "timed out" : error.message()),
             kExitFailure);
  };

  asio::ip::tcp::resolver resolver(executor);
  auto [resolve_error, endpoints] =
      co_await resolver.async_resolve(request.url.host, request.url.port, use);
  if (resolve_error) co_return fail("resolve", resolve_error);
  beast::get_lowest_layer(ws).expires_after(request.timeout);
  auto [connect_error, endpoint] =
      co_await beast::get_lowest_layer(ws).async_connect(endpoints, use);
  if (connect_error) co_return fail("connect", connect_error);

  ws.set_option(websocket::stream_base::decorator([&](websocket::request_type& upgrade) {
    upgrade.set(beast::http::field::user_agent, "pubsub-cli");
    if (!request.token.empty()) {
      upgrade.set(beast::http::field::authorization, "Bearer " + request.token);
    }
  }));
  websocket::response_type response;
  auto [handshake_error] =
      co_await ws.async_handshake(response, request.url.Authority(), request.target, use);
  if (handshake_error == websocket::error::upgrade_declined) {
    // The gateway says why ({"error":"..."}) before the upgrade.
    state.exit_code = Fail(io, kCommand,
                           absl::StrCat("the gateway refused the connection (HTTP ",
                                        response.result_int(), "): ", response.body()),
                           kExitFailure);
    co_return;
  }
  if (handshake_error) co_return fail("complete the WebSocket handshake", handshake_error);
  beast::get_lowest_layer(ws).expires_never();
  ws.set_option(websocket::stream_base::timeout::suggested(beast::role_type::client));
  state.open = true;
  io.err << "pubsub tail: connected to ws://" << request.url.Authority() << request.url.target
         << std::endl;
  if (state.interrupted) {  // the signal came during the handshake
    state.open = false;
    co_await ws.async_close(websocket::close_code::normal, use);
    state.exit_code = kExitOk;
    co_return;
  }

  uint64_t received = 0;
  beast::flat_buffer buffer;
  for (;;) {
    auto [read_error, bytes] = co_await ws.async_read(buffer, use);
    if (read_error == websocket::error::closed) {
      const websocket::close_reason& reason = ws.reason();
      if (state.interrupted) {
        state.exit_code = kExitOk;
      } else {
        const bool normal = reason.code == websocket::close_code::normal ||
                            reason.code == websocket::close_code::going_away;
        io.err << "pubsub tail: the gateway closed the connection: " << reason.code << " "
               << reason.reason.c_str() << std::endl;
        state.exit_code = normal ? kExitOk : kExitFailure;
      }
      co_return;
    }
    if (read_error) co_return fail("read", read_error);
    if (ws.got_text()) {
      io.out << beast::buffers_to_string(buffer.data()) << "\n" << std::flush;
      if (!io.out) {  // stdout closed (e.g. piped into head): stop quietly
        state.exit_code = kExitFailure;
        co_return;
      }
    } else {
      io.err << "pubsub tail: ignored a binary message of " << bytes << " bytes" << std::endl;
    }
    buffer.consume(buffer.size());
    if (request.count != 0 && ++received == request.count) {
      state.open = false;
      co_await ws.async_close(websocket::close_code::normal, use);
      state.exit_code = kExitOk;
      co_return;
    }
  }
}

}  // namespace

int RunTail(std::span<const std::string> raw, Io io) {
  auto args = ParseArgs(raw, kFlags);
  if (!args.ok()) return UsageError(io, kCommand, args.status().message());
  if (args->help) {
    io.out << kHelp << kExitCodesHelp;
    return kExitOk;
  }
  if (args->positional.size() != 1) {
    return UsageError(io, kCommand, "expected one URL, e.g. ws://127.0.0.1:8080/ws/broadcasts");
  }
  const std::string& text = args->positional[0];
  if (text.starts_with("wss://")) {
    return UsageError(io, kCommand, "wss:// (TLS) is not supported yet: use ws://");
  }
  auto url = ParseUrl(text, {"ws"});
  if (!url.ok()) return UsageError(io, kCommand, url.status().message());
  const int auth_modes = args->Has("--token") + args->Has("--token-file") + args->Has("--user");
  if (auth_modes > 1) {
    return UsageError(io, kCommand, "give at most one of --token, --token-file or --user");
  }
  if (args->Has("--role") && !args->Has("--user")) {
    return UsageError(io, kCommand, "--role goes with --user (a token carries its own roles)");
  }
  auto timeout = ParseTimeout(args->Get("--timeout", "10"));
  if (!timeout.ok()) return UsageError(io, kCommand, timeout.status().message());

  TailRequest request{
      .url = *url, .target = url->target, .token = "", .count = 0, .timeout = *timeout};
  if (args->Has("--count")) {
    const std::string count = args->Get("--count");
    if (!absl::SimpleAtoi(count, &request.count) || request.count == 0) {
      return UsageError(io, kCommand, "--count: expected a positive number, got '" + count + "'");
    }
  }
  request.token = args->Get("--token");
  if (args->Has("--token-file")) {
    auto token = auth::ReadSecretFile(args->Get("--token-file"));
    if (!token.ok()) return Fail(io, kCommand, token.status().message(), kExitFailure);
    request.token = *std::move(token);
  }
  if (args->Has("--user")) {
    char separator = request.target.find('?') == std::string::npos ? '?' : '&';
    request.target += separator + ("user_id=" + QueryEscape(args->Get("--user")));
    for (const std::string& role : args->All("--role")) {
      request.target += "&role=" + QueryEscape(role);
    }
  }

  asio::io_context context;
  TailState state(context);
  asio::signal_set signals(context, SIGINT, SIGTERM);
  signals.async_wait([&state](beast::error_code error, int) {
    if (error) return;
    state.interrupted = true;
    if (state.open) {
      state.open = false;
      // The pending read ends with `closed` once the gateway answers.
      state.ws.async_close(websocket::close_code::normal, [](beast::error_code) {});
    } else {
      beast::get_lowest_layer(state.ws).cancel();
    }
  });
  asio::co_spawn(context, Tail(request, state, io), [&signals](std::exception_ptr failure) {
    signals.cancel();
    if (failure) std::rethrow_exception(failure);
  });
  context.run();
  return state.exit_code;
}

}  // namespace pubsub::cli
