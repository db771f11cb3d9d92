// Encoding of server-to-client WebSocket frames (RFC 6455 section 5.2):
// always FIN, never masked, never fragmented.
//
// The gateway writes a queued message as header + shared payload in one
// gather write, so the header is encoded into a small caller-owned array and
// the payload (rendered once, shared by every socket) is never copied:
//
//   uint8_t header[pubsub::ws::kMaxFrameHeaderBytes];
//   size_t n = pubsub::ws::EncodeFrameHeader(Opcode::kText, json->size(), header);
//   buffers.push_back(asio::buffer(header, n));
//   buffers.push_back(asio::buffer(*json));
//
// EncodeFrame and EncodeCloseFrame build a whole frame in a string, for
// control frames and tests.
#ifndef PUBSUB_SERVER_WEBSOCKET_FRAME_CODEC_H_
#define PUBSUB_SERVER_WEBSOCKET_FRAME_CODEC_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "server/websocket/protocol.h"

namespace pubsub::ws {

// 2 bytes + a 64-bit extended length; server frames carry no mask key.
inline constexpr size_t kMaxFrameHeaderBytes = 10;

// Writes the header of a FIN, unmasked frame of `opcode` with a payload of
// `payload_size` bytes into `out` (at least kMaxFrameHeaderBytes long) and
// returns the number of bytes written (2, 4 or 10). The length uses the
// minimal encoding, as RFC 6455 requires.
size_t EncodeFrameHeader(Opcode opcode, uint64_t payload_size, uint8_t* out);

// Returns the frame `opcode` + `payload`. For control opcodes the caller keeps
// the payload within kMaxControlPayloadBytes (checked by assert).
std::string EncodeFrame(Opcode opcode, std::string_view payload);

// Returns a close frame carrying `code` and `reason`, the reason truncated to
// kMaxCloseReasonBytes at a UTF-8 character boundary. `code` kCloseNoStatus
// yields a close frame with an empty payload (the reason is then ignored).
std::string EncodeCloseFrame(uint16_t code, std::string_view reason);

}  // namespace pubsub::ws

#endif  // PUBSUB_SERVER_WEBSOCKET_FRAME_CODEC_H_
