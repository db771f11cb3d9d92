#include "server/websocket/frame_reader.h"

#include <algorithm>
#include <cstring>

namespace pubsub::ws {
namespace {

using EventKind = FrameReader::EventKind;
using Event = FrameReader::Event;

bool IsKnownOpcode(uint8_t opcode) {
  switch (opcode) {
    case 0x0:
    case 0x1:
    case 0x2:
    case 0x8:
    case 0x9:
    case 0xA:
      return true;
    default:
      return false;
  }
}

Event NeedMore() { return Event(); }

}  // namespace

FrameReader::FrameReader(const Options& options) : options_(options) {}

Event FrameReader::Fail(uint16_t code, std::string_view reason) {
  state_ = State::kFinished;
  std::string().swap(message_);
  std::string().swap(control_);
  Event event;
  event.kind = EventKind::kError;
  event.close_code = code;
  event.reason = reason;  // always a string literal
  return event;
}

Event FrameReader::CheckFirstHeaderBytes() {
  uint8_t b0 = header_[0];
  uint8_t b1 = header_[1];
  // No extension is ever negotiated, so every reserved bit must be clear.
  if ((b0 & 0x70) != 0) return Fail(kCloseProtocolError, "reserved bits set");
  uint8_t opcode = b0 & 0x0F;
  if (!IsKnownOpcode(opcode)) return Fail(kCloseProtocolError, "reserved opcode");
  if ((b1 & 0x80) == 0) return Fail(kCloseProtocolError, "unmasked client frame");
  frame_opcode_ = static_cast<Opcode>(opcode);
  frame_fin_ = (b0 & 0x80) != 0;
  uint8_t length7 = b1 & 0x7F;
  if (IsControlOpcode(frame_opcode_)) {
    if (!frame_fin_) return Fail(kCloseProtocolError, "fragmented control frame");
    if (length7 > kMaxControlPayloadBytes) {
      return Fail(kCloseProtocolError, "control frame too long");
    }
  } else if (frame_opcode_ == Opcode::kContinuation) {
    if (!in_message_) return Fail(kCloseProtocolError, "continuation frame without a message");
  } else if (in_message_) {
    return Fail(kCloseProtocolError, "new message inside a fragmented message");
  }
  header_needed_ = 2 + 4;
  if (length7 == 126) header_needed_ += 2;
  if (length7 == 127) header_needed_ += 8;
  return NeedMore();
}

Event FrameReader::FinishHeader() {
  uint8_t length7 = header_[1] & 0x7F;
  uint64_t length = length7;
  size_t pos = 2;
  if (length7 == 126) {
    length = (uint64_t{header_[2]} << 8) | header_[3];
    pos = 4;
    if (length < 126) return Fail(kCloseProtocolError, "frame length not minimally encoded");
  } else if (length7 == 127) {
    length = 0;
    for (int i = 0; i < 8; ++i) length = (length << 8) | header_[2 + i];
    pos = 10;
    if ((length >> 63) != 0) return Fail(kCloseProtocolError, "frame length out of range");
    if (length <= 0xFFFF) return Fail(kCloseProtocolError, "frame length not minimally encoded");
  }
  std::memcpy(mask_, header_ + pos, 4);
  mask_offset_ = 0;
  frame_remaining_ = length;

  if (!IsControlOpcode(frame_opcode_)) {
    if (frame_opcode_ != Opcode::kContinuation) {
      in_message_ = true;
      keep_message_ = options_.keep_messages;
      message_opcode_ = frame_opcode_;
      message_size_ = 0;
      utf8_.Reset();
    }
    // Checked before a single payload byte is buffered; written so that it
    // cannot overflow (message_size_ <= max always holds).
    if (length > options_.max_message_bytes - message_size_) {
      return Fail(kCloseMessageTooBig, "message too big");
    }
    message_size_ += length;
  }
  header_size_ = 0;
  header_needed_ = 2;
  state_ = State::kPayload;
  return NeedMore();
}

void FrameReader::Unmask(uint8_t* data, size_t size) {
  for (size_t i = 0; i < size; ++i) {
    data[i] ^= mask_[(mask_offset_ + i) & 3];
  }
  mask_offset_ = static_cast<uint8_t>((mask_offset_ + size) & 3);
}

Event FrameReader::FinishControlFrame(std::string_view payload) {
  Event event;
  switch (frame_opcode_) {
    case Opcode::kPing:
      event.kind = EventKind::kPing;
      event.payload = payload;
      return event;
    case Opcode::kPong:
      event.kind = EventKind::kPong;
      event.payload = payload;
      return event;
    default:
      break;
  }
  // A close frame: empty, or a 2-byte code followed by a UTF-8 reason.
  if (payload.size() == 1) return Fail(kCloseProtocolError, "close frame with a 1-byte payload");
  uint16_t code = kCloseNoStatus;
  std::string_view reason;
  if (payload.size() >= 2) {
    code = static_cast<uint16_t>((static_cast<uint8_t>(payload[0]) << 8) |
                                 static_cast<uint8_t>(payload[1]));
    if (!IsValidReceivedCloseCode(code)) return Fail(kCloseProtocolError, "invalid close code");
    reason = payload.substr(2);
    if (!IsValidUtf8(reason)) return Fail(kCloseInvalidPayload, "invalid UTF-8 in close reason");
  }
  state_ = State::kFinished;
  event.kind = EventKind::kClose;
  event.close_code = code;
  event.reason = reason;
  return event;
}

Event FrameReader::Next(std::span<uint8_t>& input) {
  // The previous event's views are dead now: give the memory back, so that
  // an idle connection holds no buffer.
  if (release_message_) {
    std::string().swap(message_);
    release_message_ = false;
  }
  if (release_control_) {
    std::string().swap(control_);
    release_control_ = false;
  }
  for (;;) {
    switch (state_) {
      case State::kFinished:
        input = input.subspan(input.size());
        return NeedMore();

      case State::kHeader: {
        if (input.empty()) return NeedMore();
        size_t take = std::min<size_t>(header_needed_ - header_size_, input.size());
        std::memcpy(header_ + header_size_, input.data(), take);
        header_size_ = static_cast<uint8_t>(header_size_ + take);
        input = input.subspan(take);
        if (header_size_ < header_needed_) continue;  // input is empty now
        if (header_needed_ == 2) {
          Event event = CheckFirstHeaderBytes();
          if (event.kind != EventKind::kNeedMore) return event;
          continue;  // read the extended length and mask
        }
        Event event = FinishHeader();
        if (event.kind != EventKind::kNeedMore) return event;
        continue;
      }

      case State::kPayload: {
        if (frame_remaining_ > 0 && input.empty()) return NeedMore();
        size_t take = static_cast<size_t>(std::min<uint64_t>(frame_remaining_, input.size()));
        uint8_t* data = input.data();
        Unmask(data, take);
        input = input.subspan(take);
        frame_remaining_ -= take;

        if (IsControlOpcode(frame_opcode_)) {
          std::string_view payload(reinterpret_cast<const char*>(data), take);
          if (frame_remaining_ > 0 || !control_.empty()) {
            // Split across reads: keep the pieces (<= 125 bytes in all).
            if (take > 0) control_.append(payload);
            if (frame_remaining_ > 0) return NeedMore();
            payload = control_;
            release_control_ = true;
          }
          state_ = State::kHeader;
          return FinishControlFrame(payload);
        }

        if (message_opcode_ == Opcode::kText && !utf8_.Feed(data, take)) {
          return Fail(kCloseInvalidPayload, "invalid UTF-8 in text message");
        }
        if (keep_message_ && take > 0) message_.append(reinterpret_cast<const char*>(data), take);
        if (frame_remaining_ > 0) return NeedMore();

        state_ = State::kHeader;
        if (!frame_fin_) continue;  // more fragments follow
        if (message_opcode_ == Opcode::kText && !utf8_.complete()) {
          return Fail(kCloseInvalidPayload, "invalid UTF-8 in text message");
        }
        in_message_ = false;
        Event event;
        event.kind = EventKind::kMessage;
        event.opcode = message_opcode_;
        event.message_size = message_size_;
        event.discarded = !keep_message_;
        if (keep_message_) {
          event.payload = message_;
          release_message_ = true;
        }
        return event;
      }
    }
  }
}

}  // namespace pubsub::ws
