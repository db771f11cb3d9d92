// RFC 6455 constants shared by the frame codec and the frame reader: opcodes
// and close codes, plus the rule for which close codes a peer may send.
//
//   if (!pubsub::ws::IsValidReceivedCloseCode(code)) fail with kCloseProtocolError;
#ifndef PUBSUB_SERVER_WEBSOCKET_PROTOCOL_H_
#define PUBSUB_SERVER_WEBSOCKET_PROTOCOL_H_

#include <cstddef>
#include <cstdint>

namespace pubsub::ws {

// Frame opcodes (RFC 6455 section 5.2). The values are the wire values.
enum class Opcode : uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

// Close codes (RFC 6455 section 7.4.1 and the IANA registry) that this
// project sends or reports.
inline constexpr uint16_t kCloseNormal = 1000;
inline constexpr uint16_t kCloseGoingAway = 1001;  // shutdown
inline constexpr uint16_t kCloseProtocolError = 1002;
inline constexpr uint16_t kCloseUnsupportedData = 1003;
// Never sent on the wire: reported when a close frame carries no code, and
// accepted by EncodeCloseFrame to mean "close frame with an empty payload".
inline constexpr uint16_t kCloseNoStatus = 1005;
inline constexpr uint16_t kCloseInvalidPayload = 1007;  // e.g. invalid UTF-8
inline constexpr uint16_t kClosePolicyViolation = 1008;
inline constexpr uint16_t kCloseMessageTooBig = 1009;
inline constexpr uint16_t kCloseInternalError = 1011;
inline constexpr uint16_t kCloseTryAgainLater = 1013;  // slow consumer

// A close frame's payload is at most 125 bytes: 2 for the code, 123 of reason.
inline constexpr size_t kMaxControlPayloadBytes = 125;
inline constexpr size_t kMaxCloseReasonBytes = kMaxControlPayloadBytes - 2;

// Whether a peer may put `code` in a close frame: 1000-1003 and 1007-1014
// (registered), 3000-4999 (libraries and applications). 1004-1006 and 1015
// are reserved and must never appear on the wire; everything else is
// unassigned.
constexpr bool IsValidReceivedCloseCode(uint16_t code) {
  if (code >= 1000 && code <= 1003) return true;
  if (code >= 1007 && code <= 1014) return true;
  return code >= 3000 && code <= 4999;
}

constexpr bool IsControlOpcode(Opcode opcode) { return (static_cast<uint8_t>(opcode) & 0x8) != 0; }

}  // namespace pubsub::ws

#endif  // PUBSUB_SERVER_WEBSOCKET_PROTOCOL_H_
