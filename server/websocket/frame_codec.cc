#include "server/websocket/frame_codec.h"

#include <cassert>

namespace pubsub::ws {

size_t EncodeFrameHeader(Opcode opcode, uint64_t payload_size, uint8_t* out) {
  out[0] = static_cast<uint8_t>(0x80 | static_cast<uint8_t>(opcode));
  if (payload_size < 126) {
    out[1] = static_cast<uint8_t>(payload_size);
    return 2;
  }
  if (payload_size <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<uint8_t>(payload_size >> 8);
    out[3] = static_cast<uint8_t>(payload_size);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) {
    out[2 + i] = static_cast<uint8_t>(payload_size >> (56 - 8 * i));
  }
  return 10;
}

std::string EncodeFrame(Opcode opcode, std::string_view payload) {
  assert(!IsControlOpcode(opcode) || payload.size() <= kMaxControlPayloadBytes);
  uint8_t header[kMaxFrameHeaderBytes];
  size_t header_size = EncodeFrameHeader(opcode, payload.size(), header);
  std::string frame;
  frame.reserve(header_size + payload.size());
  frame.append(reinterpret_cast<const char*>(header), header_size);
  frame.append(payload);
  return frame;
}

std::string EncodeCloseFrame(uint16_t code, std::string_view reason) {
  if (code == kCloseNoStatus) return EncodeFrame(Opcode::kClose, {});
  if (reason.size() > kMaxCloseReasonBytes) {
    size_t cut = kMaxCloseReasonBytes;
    // Back off over continuation bytes (10xxxxxx) so that no character is cut
    // in half: the peer fails the connection on an invalid UTF-8 reason.
    while (cut > 0 && (static_cast<uint8_t>(reason[cut]) & 0xC0) == 0x80) --cut;
    reason = reason.substr(0, cut);
  }
  std::string payload;
  payload.reserve(2 + reason.size());
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xFF));
  payload.append(reason);
  return EncodeFrame(Opcode::kClose, payload);
}

}  // namespace pubsub::ws
