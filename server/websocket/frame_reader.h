// An incremental, sans-IO reader of client-to-server WebSocket frames
// (RFC 6455, server side). It never touches a socket: the caller feeds the
// bytes it read, and the reader yields one event at a time — a complete data
// message (fragments reassembled), a ping, a pong, a close — or an error that
// names the close code to fail the connection with.
//
// Memory: the reader copies nothing it can avoid. It unmasks in place in the
// caller's buffer, so an idle connection holds no read buffer at all when the
// gateway reads into a per-thread buffer after the socket becomes readable.
// What it keeps between reads is at most a partial header (14 bytes inline), a
// control frame's payload split across reads (<= 125 bytes), and — only for
// messages the caller chose to keep — the message so far, bounded by
// max_message_bytes, which is checked against each frame header before any
// payload is buffered. Discarded messages are counted and, for text, still
// validated as UTF-8 on the fly, but never stored.
//
// Intended use in the gateway's session (one event loop per thread; a socket
// lives on one loop, so a thread_local buffer is never shared by two reads in
// flight):
//
//   thread_local std::array<uint8_t, 16 * 1024> tls_read_buffer;
//
//   void Session::Start() {
//     socket_.non_blocking(true);  // read_some below must never block the loop
//     ... feed the bytes Beast read past the request (see below), then DoRead();
//   }
//   void Session::DoRead() {
//     // Zero-byte wait: no buffer is pinned while the client is quiet.
//     socket_.async_wait(tcp::socket::wait_read, [self = shared_from_this()](error_code ec) {
//       self->OnReadable(ec);
//     });
//   }
//   void Session::OnReadable(error_code ec) {
//     if (ec) return Fail(ec);
//     size_t n = socket_.read_some(asio::buffer(tls_read_buffer), ec);  // non-blocking socket
//     if (ec == asio::error::would_block) return DoRead();
//     if (ec) return Fail(ec);
//     std::span<uint8_t> input(tls_read_buffer.data(), n);
//     for (;;) {
//       ws::FrameReader::Event event = reader_.Next(input);
//       switch (event.kind) {
//         case EventKind::kNeedMore: return DoRead();   // all of `input` consumed
//         case EventKind::kMessage: break;              // inbound text is ignored
//         case EventKind::kPing: QueuePong(event.payload); break;  // copy: the view dies
//         case EventKind::kPong: break;                 // counts as activity
//         case EventKind::kClose: return EchoCloseAndShutdown(event.close_code);
//         case EventKind::kError: return CloseWith(event.close_code, event.reason);
//       }
//     }
//   }
//
// Bytes that Beast's HTTP parser read past the upgrade request (a client may
// send frames right behind its handshake) must be fed first, from the
// flat_buffer's data, before the first DoRead().
//
// Views in an Event (payload, reason) point into the caller's buffer or into
// the reader; they are valid until the next call to Next() or until the
// caller reuses its buffer, whichever comes first.
//
// Thread-safety: none; one reader per connection, used on its loop.
#ifndef PUBSUB_SERVER_WEBSOCKET_FRAME_READER_H_
#define PUBSUB_SERVER_WEBSOCKET_FRAME_READER_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "server/websocket/protocol.h"
#include "server/websocket/utf8_validator.h"

namespace pubsub::ws {

class FrameReader {
 public:
  struct Options {
    // The largest data message (the sum of its fragments' payloads) accepted;
    // a frame header that would exceed it fails with 1009, whether the
    // message is kept or discarded.
    uint64_t max_message_bytes = 64 * 1024;
    // Keep data messages (payload delivered in the event) or discard them
    // (only their type and size are reported).
    bool keep_messages = true;
  };

  enum class EventKind {
    kNeedMore,  // every input byte was consumed; feed more
    kMessage,   // a complete text or binary message
    kPing,
    kPong,
    kClose,  // the peer's close frame, validated; the reader is finished
    kError,  // a protocol violation; the reader is finished
  };

  struct Event {
    EventKind kind = EventKind::kNeedMore;
    // kMessage: kText or kBinary.
    Opcode opcode = Opcode::kContinuation;
    // kMessage (when kept): the whole message; kPing/kPong: the payload.
    std::string_view payload;
    // kMessage: the message's size, also when discarded.
    uint64_t message_size = 0;
    // kMessage: true when the payload was not kept.
    bool discarded = false;
    // kClose: the peer's code (kCloseNoStatus when the frame had none).
    // kError: the code to close the connection with (1002, 1007 or 1009).
    uint16_t close_code = 0;
    // kClose: the peer's reason (valid UTF-8). kError: a short description
    // for the close frame and the log ("unmasked client frame").
    std::string_view reason;
  };

  FrameReader() : FrameReader(Options()) {}
  explicit FrameReader(const Options& options);

  FrameReader(const FrameReader&) = delete;
  FrameReader& operator=(const FrameReader&) = delete;

  // Consumes bytes from the front of `input` (advancing it past them and
  // unmasking payloads in place) until an event is complete, and returns it;
  // returns kNeedMore once `input` is exhausted. Call again with the rest of
  // `input` after each event. After kClose or kError the reader is finished:
  // later calls swallow their input and return kNeedMore (RFC 6455 says to
  // ignore data after a close frame).
  Event Next(std::span<uint8_t>& input);

  // Applies to messages that start after this call.
  void set_keep_messages(bool keep) { options_.keep_messages = keep; }

  // True between frames and messages: no partial frame or fragmented message
  // is pending.
  bool idle() const { return state_ == State::kHeader && header_size_ == 0 && !in_message_; }
  // True after kClose or kError.
  bool finished() const { return state_ == State::kFinished; }
  // Heap bytes currently held (kept message so far, split control payload).
  size_t buffered_bytes() const { return HeapBytes(message_) + HeapBytes(control_); }

 private:
  enum class State : uint8_t { kHeader, kPayload, kFinished };

  static size_t HeapBytes(const std::string& s) {
    return s.capacity() > std::string().capacity() ? s.capacity() : 0;
  }

  Event Fail(uint16_t code, std::string_view reason);
  // Validates the first two header bytes; returns a kError event or kNeedMore.
  Event CheckFirstHeaderBytes();
  // Decodes and checks the complete header.
  Event FinishHeader();
  Event FinishControlFrame(std::string_view payload);
  void Unmask(uint8_t* data, size_t size);

  Options options_;
  State state_ = State::kHeader;

  // The header being read: 2 bytes, up to 8 of extended length, 4 of mask.
  uint8_t header_[14];
  uint8_t header_size_ = 0;
  uint8_t header_needed_ = 2;

  // The frame being read.
  Opcode frame_opcode_ = Opcode::kContinuation;
  bool frame_fin_ = false;
  uint8_t mask_[4] = {0, 0, 0, 0};
  uint8_t mask_offset_ = 0;  // payload bytes unmasked so far, modulo 4
  uint64_t frame_remaining_ = 0;

  // The data message being read (possibly across fragments).
  bool in_message_ = false;
  bool keep_message_ = false;
  Opcode message_opcode_ = Opcode::kText;
  uint64_t message_size_ = 0;
  Utf8Validator utf8_;
  std::string message_;

  // A control frame's payload, when it arrives in pieces.
  std::string control_;
  // Set when the last event's views point into message_ or control_: the
  // buffer is released at the start of the next call. (Separate flags: a ping
  // delivered between fragments must not drop the message kept so far.)
  bool release_message_ = false;
  bool release_control_ = false;
};

}  // namespace pubsub::ws

#endif  // PUBSUB_SERVER_WEBSOCKET_FRAME_READER_H_
